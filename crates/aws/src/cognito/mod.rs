//! Cognito user pools and their app clients. Pools are found by their ownership tags; clients
//! (which carry no tags) are found by name inside the pools just read.

pub(crate) mod client;
pub(crate) mod user_pool;

use aws_sdk_cognitoidentityprovider::Client;
use bankinfra_model::{LiveResource, Ownership, ProviderError, Resource};

pub(crate) const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let pools = user_pool::read(client, desired, ownership).await?;
    let clients = client::read(client, desired, &pools).await?;
    Ok(pools.into_iter().chain(clients).collect())
}
