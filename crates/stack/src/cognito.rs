//! Cognito (FR-420): the customer and staff user pools, TOTP MFA required, strong password
//! policies, custom attributes, deletion protection per stage; public PKCE clients for the apps
//! and confidential clients for back-office services.

use bankinfra_model::props::cognito::{CustomAttribute, PasswordPolicy, UserPool, UserPoolClient};
use bankinfra_model::{Address, Kind, Props, Resource};

use crate::Context;

/// Custom string attributes: identifiers up to this length.
const ATTRIBUTE_MAX_LENGTH: u32 = 256;
const TEMPORARY_PASSWORD_DAYS: u32 = 7;
const ACCESS_TOKEN_MINUTES: u32 = 60;
const ID_TOKEN_MINUTES: u32 = 60;
const REFRESH_TOKEN_DAYS: u32 = 30;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let protection = if ctx.specs.stage.switches.cognito_deletion_protection { "ACTIVE" } else { "INACTIVE" };
    let mut out = Vec::new();
    for pool in &ctx.specs.stack.cognito.pools {
        let key = pool.key.get_ref();
        let address = Address::new(Kind::CognitoUserPool, key);
        out.push(Resource::new(
            address.clone(),
            Props::CognitoUserPool(UserPool {
                name: ctx.staged(&pool.name),
                mfa_configuration: "ON".into(),
                software_token_mfa: true,
                password_policy: PasswordPolicy {
                    minimum_length: *pool.minimum_password_length.get_ref(),
                    require_uppercase: true,
                    require_lowercase: true,
                    require_numbers: true,
                    require_symbols: true,
                    temporary_password_validity_days: TEMPORARY_PASSWORD_DAYS,
                },
                custom_attributes: pool
                    .custom_attributes
                    .iter()
                    .map(|a| CustomAttribute {
                        name: a.get_ref().clone(),
                        // Identifiers are set once, at sign-up or onboarding.
                        mutable: false,
                        min_length: 1,
                        max_length: ATTRIBUTE_MAX_LENGTH,
                    })
                    .collect(),
                username_attributes: vec!["email".into()],
                auto_verified_attributes: vec!["email".into()],
                deletion_protection: protection.into(),
                tags: ctx.tags(&address),
            }),
        ));
        for client in &pool.clients {
            let name = client.name.get_ref();
            let confidential = client.confidential;
            out.push(Resource::new(
                Address::new(Kind::CognitoUserPoolClient, format!("{key}-{name}")),
                Props::CognitoUserPoolClient(UserPoolClient {
                    user_pool_id: format!("${{{address}.id}}"),
                    name: name.clone(),
                    generate_secret: confidential,
                    explicit_auth_flows: vec!["ALLOW_USER_SRP_AUTH".into(), "ALLOW_REFRESH_TOKEN_AUTH".into()],
                    allowed_oauth_flows: vec!["code".into()],
                    allowed_oauth_scopes: vec!["openid".into(), "email".into(), "profile".into()],
                    callback_urls: client.callback_urls.iter().map(|u| ctx.staged(u.get_ref())).collect(),
                    logout_urls: client.logout_urls.iter().map(|u| ctx.staged(u)).collect(),
                    supported_identity_providers: vec!["COGNITO".into()],
                    prevent_user_existence_errors: "ENABLED".into(),
                    enable_token_revocation: true,
                    access_token_validity_minutes: ACCESS_TOKEN_MINUTES,
                    id_token_validity_minutes: ID_TOKEN_MINUTES,
                    refresh_token_validity_days: REFRESH_TOKEN_DAYS,
                    tags: Default::default(),
                }),
            ));
        }
    }
    out
}
