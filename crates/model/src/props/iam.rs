//! IAM roles, customer-managed policies and OpenID Connect providers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Tags;

/// A role with its trust policy, managed-policy attachments and inline policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub description: String,
    /// Trust policy document.
    pub assume_role_policy: Value,
    /// Longest session, in seconds (3600..=43200).
    pub max_session_duration: u32,
    /// ARNs of attached managed policies (a set).
    pub managed_policy_arns: Vec<String>,
    /// Inline policies by name.
    pub inline_policies: BTreeMap<String, Value>,
    pub tags: Tags,
}

/// A customer-managed policy. Its ARN follows from its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    /// Fixed at creation.
    pub description: String,
    /// The default version's document.
    pub policy: Value,
    pub tags: Tags,
}

/// An OpenID Connect identity provider (e.g. GitHub Actions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OidcProvider {
    /// Issuer URL, with `https://`.
    pub url: String,
    /// Audiences (a set).
    pub client_ids: Vec<String>,
    /// Server certificate thumbprints (a set).
    pub thumbprints: Vec<String>,
    pub tags: Tags,
}

strings! {
    Role { name, description, assume_role_policy, max_session_duration, managed_policy_arns, inline_policies, tags }
    ManagedPolicy { name, description, policy, tags }
    OidcProvider { url, client_ids, thumbprints, tags }
}
