//! EventBridge: custom event buses and their archives.

pub(crate) mod archive;
pub(crate) mod bus;

use aws_sdk_eventbridge::Client;
use bankinfra_model::{LiveResource, Ownership, ProviderError, Resource};

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let (buses, archives) = tokio::try_join!(bus::read(client, desired, ownership), archive::read(client, desired))?;
    Ok(buses.into_iter().chain(archives).collect())
}
