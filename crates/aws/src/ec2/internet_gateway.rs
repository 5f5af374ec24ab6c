//! `internet_gateway`: created tagged, then attached to the VPC. Found by ownership tags (even
//! when a crash left it detached) or by its attachment to our VPC.

use std::collections::BTreeMap;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::ResourceType;
use bankinfra_model::props::ec2::InternetGateway;
use bankinfra_model::{Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource};

use super::{filter, from_sdk, id_outputs, identify, ownership_filters, tag_spec};
use crate::error::{OrProviderError, absent_if};

pub(super) async fn read(
    client: &Client,
    vpc_ids: &[String],
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let owned = client.describe_internet_gateways().set_filters(Some(ownership_filters(ownership))).send();
    let owned = owned.await.op("ec2:DescribeInternetGateways")?;
    // A VPC has at most one gateway: only the VPCs without an owned one attached are asked about
    // (to find a gateway that lost its tags).
    let covered: Vec<&str> =
        owned.internet_gateways().iter().flat_map(|g| g.attachments()).filter_map(|a| a.vpc_id()).collect();
    let uncovered: Vec<String> = vpc_ids.iter().filter(|v| !covered.contains(&v.as_str())).cloned().collect();
    let attached = if uncovered.is_empty() {
        None
    } else {
        let found = client.describe_internet_gateways().filters(filter("attachment.vpc-id", &uncovered)).send();
        Some(found.await.op("ec2:DescribeInternetGateways")?)
    };
    let mut by_id = BTreeMap::new();
    for g in owned.internet_gateways().iter().chain(attached.iter().flat_map(|a| a.internet_gateways())) {
        if let Some(id) = g.internet_gateway_id() {
            by_id.insert(id.to_string(), g.clone());
        }
    }
    Ok(by_id
        .into_iter()
        .filter_map(|(id, g)| {
            let tags = from_sdk(g.tags());
            let vpc_id = g.attachments().iter().find_map(|a| a.vpc_id()).unwrap_or_default().to_string();
            let address = identify(&tags, Kind::InternetGateway, desired, |p| matches!(p, Props::InternetGateway(_)))?;
            Some(LiveResource {
                address,
                outputs: Outputs::from([("id".to_string(), id.clone())]),
                physical_id: id,
                props: Props::InternetGateway(InternetGateway { vpc_id, tags }),
            })
        })
        .collect())
}

pub(super) async fn create(client: &Client, p: &InternetGateway) -> Result<Outputs, ProviderError> {
    let out = client
        .create_internet_gateway()
        .tag_specifications(tag_spec(ResourceType::InternetGateway, &p.tags))
        .customize()
        .config_override(crate::sent_once!(aws_sdk_ec2))
        .send()
        .await
        .op("ec2:CreateInternetGateway")?;
    let id = out.internet_gateway().and_then(|g| g.internet_gateway_id()).unwrap_or_default().to_string();
    crate::after_create(|| attach(client, &id, &p.vpc_id)).await?;
    Ok(id_outputs(id))
}

pub(super) async fn update(
    client: &Client,
    id: &str,
    live: &InternetGateway,
    desired: &InternetGateway,
) -> Result<(), ProviderError> {
    if live.vpc_id != desired.vpc_id {
        detach(client, id, &live.vpc_id).await?;
        attach(client, id, &desired.vpc_id).await?;
    }
    Ok(())
}

pub(super) async fn delete(client: &Client, id: &str, live: &InternetGateway) -> Result<(), ProviderError> {
    detach(client, id, &live.vpc_id).await?;
    absent_if(
        client.delete_internet_gateway().internet_gateway_id(id).send().await.op("ec2:DeleteInternetGateway"),
        &["InvalidInternetGatewayID.NotFound"],
    )?;
    Ok(())
}

async fn attach(client: &Client, id: &str, vpc_id: &str) -> Result<(), ProviderError> {
    client
        .attach_internet_gateway()
        .internet_gateway_id(id)
        .vpc_id(vpc_id)
        .send()
        .await
        .op("ec2:AttachInternetGateway")?;
    Ok(())
}

pub(super) async fn detach(client: &Client, id: &str, vpc_id: &str) -> Result<(), ProviderError> {
    if vpc_id.is_empty() {
        return Ok(());
    }
    absent_if(
        client
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc_id)
            .send()
            .await
            .op("ec2:DetachInternetGateway"),
        &["Gateway.NotAttached", "InvalidInternetGatewayID.NotFound", "InvalidVpcID.NotFound"],
    )?;
    Ok(())
}
