//! Cognito user pools and their app clients.

use serde::{Deserialize, Serialize};

use super::Tags;

/// A user pool with TOTP MFA, a password policy and custom attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPool {
    pub name: String,
    /// `ON`, `OPTIONAL` or `OFF`.
    pub mfa_configuration: String,
    /// Authenticator-app (TOTP) MFA enabled.
    pub software_token_mfa: bool,
    pub password_policy: PasswordPolicy,
    /// Fixed at creation (Cognito schema attributes cannot change).
    pub custom_attributes: Vec<CustomAttribute>,
    /// Fixed at creation.
    pub username_attributes: Vec<String>,
    pub auto_verified_attributes: Vec<String>,
    /// `ACTIVE` or `INACTIVE`.
    pub deletion_protection: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub temporary_password_validity_days: u32,
}

/// A `custom:` string attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomAttribute {
    /// Without the `custom:` prefix.
    pub name: String,
    pub mutable: bool,
    pub min_length: u32,
    pub max_length: u32,
}

/// An app client. Clients carry no tags: they belong to their pool, and are found there by name.
/// A generated client secret is never read into the model, so it cannot reach a plan or output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPoolClient {
    pub user_pool_id: String,
    pub name: String,
    /// Confidential (with a secret) or public (PKCE). Fixed at creation.
    pub generate_secret: bool,
    pub explicit_auth_flows: Vec<String>,
    pub allowed_oauth_flows: Vec<String>,
    pub allowed_oauth_scopes: Vec<String>,
    pub callback_urls: Vec<String>,
    pub logout_urls: Vec<String>,
    pub supported_identity_providers: Vec<String>,
    pub prevent_user_existence_errors: String,
    pub enable_token_revocation: bool,
    pub access_token_validity_minutes: u32,
    pub id_token_validity_minutes: u32,
    pub refresh_token_validity_days: u32,
    #[serde(skip)]
    pub tags: Tags,
}

strings! {
    UserPool { name, mfa_configuration, software_token_mfa, password_policy, custom_attributes, username_attributes, auto_verified_attributes, deletion_protection, tags }
    PasswordPolicy { minimum_length, require_uppercase, require_lowercase, require_numbers, require_symbols, temporary_password_validity_days }
    CustomAttribute { name, mutable, min_length, max_length }
    UserPoolClient { user_pool_id, name, generate_secret, explicit_auth_flows, allowed_oauth_flows, allowed_oauth_scopes, callback_urls, logout_urls, supported_identity_providers, prevent_user_existence_errors, enable_token_revocation, access_token_validity_minutes, id_token_validity_minutes, refresh_token_validity_days, tags }
}
