//! Cognito user pools and their app clients. Pools are found by their ownership tags; clients
//! (which carry no tags) are found by name inside the pools just read.

pub(crate) mod client;
pub(crate) mod user_pool;

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use aws_sdk_cognitoidentityprovider::Client;
use bankinfra_model::{LiveResource, Ownership, ProviderError, Resource};

pub(crate) const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

/// The pools this provider created. Such a pool holds only the app clients this run makes, so
/// creating one needs no search for an earlier client of the same name.
#[derive(Default)]
pub(crate) struct FreshPools(Mutex<HashSet<String>>);

impl FreshPools {
    fn add(&self, pool_id: &str) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(pool_id.to_string());
    }

    fn contains(&self, pool_id: &str) -> bool {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).contains(pool_id)
    }
}

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let pools = user_pool::read(client, desired, ownership).await?;
    let clients = client::read(client, desired, &pools).await?;
    Ok(pools.into_iter().chain(clients).collect())
}
