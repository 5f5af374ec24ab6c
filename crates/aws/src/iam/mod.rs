//! IAM: roles, customer-managed policies and OpenID Connect providers. IAM documents come back
//! URL-encoded; they are decoded and compared as parsed JSON.

pub(crate) mod oidc_provider;
pub(crate) mod policy;
pub(crate) mod role;

use std::collections::BTreeMap;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{EntityType, ManagedPolicyDetail, RoleDetail, Tag};
use bankinfra_model::{LiveResource, Ownership, ProviderError, Resource, Tags};

use crate::error::OrProviderError;

pub(crate) const NOT_FOUND: &[&str] = &["NoSuchEntity"];
pub(crate) const EXISTS: &[&str] = &["EntityAlreadyExists"];

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let (providers, details, roles) = tokio::try_join!(
        oidc_provider::read(client, desired, ownership),
        authorization_details(client),
        role::list_roles(client),
    )?;
    let roles = role::read(roles, details.roles, desired, ownership);
    let policies = policy::read(client, details.policies, desired, ownership).await?;
    Ok(providers.into_iter().chain(policies).chain(roles).collect())
}

/// What GetAccountAuthorizationDetails says of the account's roles and customer-managed
/// policies: one paginated call for everything the per-role and per-policy Get/List calls would
/// each return a piece of.
pub(crate) struct AuthorizationDetails {
    /// By role name.
    pub roles: BTreeMap<String, RoleDetail>,
    pub policies: Vec<ManagedPolicyDetail>,
}

async fn authorization_details(client: &Client) -> Result<AuthorizationDetails, ProviderError> {
    let mut details = AuthorizationDetails { roles: BTreeMap::new(), policies: Vec::new() };
    let mut marker = None;
    loop {
        let page = client
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .filter(EntityType::LocalManagedPolicy)
            .max_items(1000)
            .set_marker(marker)
            .send()
            .await
            .op("iam:GetAccountAuthorizationDetails")?;
        for role in page.role_detail_list() {
            if let Some(name) = role.role_name() {
                details.roles.insert(name.to_string(), role.clone());
            }
        }
        details.policies.extend(page.policies().iter().cloned());
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok(details);
        }
    }
}

crate::sdk_tags!(pub(crate) Tag, "iam:Tag");

pub(crate) fn from_sdk(tags: &[Tag]) -> Tags {
    tags.iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

/// A policy document as IAM returns it (URL-encoded JSON).
pub(crate) fn document(text: &str) -> serde_json::Value {
    crate::parse_policy(text).unwrap_or(serde_json::Value::Null)
}
