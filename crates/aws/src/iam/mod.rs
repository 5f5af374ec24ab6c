//! IAM: roles, customer-managed policies and OpenID Connect providers. IAM documents come back
//! URL-encoded; they are decoded and compared as parsed JSON.

pub(crate) mod oidc_provider;
pub(crate) mod policy;
pub(crate) mod role;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::Tag;
use bankinfra_model::{LiveResource, Ownership, ProviderError, Resource, Tags};

pub(crate) const NOT_FOUND: &[&str] = &["NoSuchEntity"];
pub(crate) const EXISTS: &[&str] = &["EntityAlreadyExists"];

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let (providers, policies, roles) = tokio::try_join!(
        oidc_provider::read(client, desired, ownership),
        policy::read(client, desired, ownership),
        role::read(client, desired, ownership),
    )?;
    Ok(providers.into_iter().chain(policies).chain(roles).collect())
}

crate::sdk_tags!(pub(crate) Tag, "iam:Tag");

pub(crate) fn from_sdk(tags: &[Tag]) -> Tags {
    tags.iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

/// A policy document as IAM returns it (URL-encoded JSON).
pub(crate) fn document(text: &str) -> serde_json::Value {
    crate::parse_policy(text).unwrap_or(serde_json::Value::Null)
}
