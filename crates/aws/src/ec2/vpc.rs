//! `vpc`: the VPC with DNS support and hostnames. Found by ownership tags.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, VpcAttributeName};
use bankinfra_model::props::ec2::Vpc;
use bankinfra_model::{Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource};
use futures_util::future::try_join_all;

use super::{from_sdk, id_outputs, identify, ownership_filters, tag_spec};
use crate::error::{OrProviderError, absent_if};

pub(super) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let out =
        client.describe_vpcs().set_filters(Some(ownership_filters(ownership))).send().await.op("ec2:DescribeVpcs")?;
    let reads = out.vpcs().iter().filter_map(|v| {
        let id = v.vpc_id()?.to_string();
        let cidr = v.cidr_block().unwrap_or_default().to_string();
        let tags = from_sdk(v.tags());
        let address = identify(&tags, Kind::Vpc, desired, |p| matches!(p, Props::Vpc(d) if d.cidr_block == cidr))?;
        Some(async move {
            let (support, hostnames) = tokio::try_join!(
                attribute(client, &id, VpcAttributeName::EnableDnsSupport),
                attribute(client, &id, VpcAttributeName::EnableDnsHostnames),
            )?;
            Ok::<_, ProviderError>(LiveResource {
                address,
                outputs: Outputs::from([("id".to_string(), id.clone())]),
                physical_id: id,
                props: Props::Vpc(Vpc {
                    cidr_block: cidr,
                    enable_dns_support: support,
                    enable_dns_hostnames: hostnames,
                    tags,
                }),
            })
        })
    });
    try_join_all(reads).await
}

async fn attribute(client: &Client, id: &str, name: VpcAttributeName) -> Result<bool, ProviderError> {
    let out = client
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(name.clone())
        .send()
        .await
        .op("ec2:DescribeVpcAttribute")?;
    let value = match name {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        _ => out.enable_dns_support(),
    };
    Ok(value.and_then(AttributeBooleanValue::value).unwrap_or(false))
}

pub(super) async fn create(client: &Client, p: &Vpc) -> Result<Outputs, ProviderError> {
    let out = client
        .create_vpc()
        .cidr_block(&p.cidr_block)
        .tag_specifications(tag_spec(ResourceType::Vpc, &p.tags))
        .customize()
        .config_override(crate::sent_once!(aws_sdk_ec2))
        .send()
        .await
        .op("ec2:CreateVpc")?;
    let id = out.vpc().and_then(|v| v.vpc_id()).unwrap_or_default().to_string();
    // New VPCs have DNS support on and hostnames off.
    crate::after_create(|| set_dns(client, &id, VpcAttributeName::EnableDnsSupport, p.enable_dns_support, true))
        .await?;
    crate::after_create(|| set_dns(client, &id, VpcAttributeName::EnableDnsHostnames, p.enable_dns_hostnames, false))
        .await?;
    Ok(id_outputs(id))
}

pub(super) async fn update(client: &Client, id: &str, live: &Vpc, desired: &Vpc) -> Result<(), ProviderError> {
    set_dns(client, id, VpcAttributeName::EnableDnsSupport, desired.enable_dns_support, live.enable_dns_support)
        .await?;
    set_dns(client, id, VpcAttributeName::EnableDnsHostnames, desired.enable_dns_hostnames, live.enable_dns_hostnames)
        .await
}

async fn set_dns(
    client: &Client,
    id: &str,
    name: VpcAttributeName,
    want: bool,
    have: bool,
) -> Result<(), ProviderError> {
    if want == have {
        return Ok(());
    }
    let value = AttributeBooleanValue::builder().value(want).build();
    let req = client.modify_vpc_attribute().vpc_id(id);
    let req = match name {
        VpcAttributeName::EnableDnsHostnames => req.enable_dns_hostnames(value),
        _ => req.enable_dns_support(value),
    };
    req.send().await.op("ec2:ModifyVpcAttribute")?;
    Ok(())
}

/// Deletes the VPC, first detaching any internet gateway still attached to it (AWS refuses to
/// delete an attached VPC; the gateway itself is a resource of its own and stays).
pub(super) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let attached = client
        .describe_internet_gateways()
        .filters(super::filter("attachment.vpc-id", &[id.to_string()]))
        .send()
        .await
        .op("ec2:DescribeInternetGateways")?;
    for gateway in attached.internet_gateways().iter().filter_map(|g| g.internet_gateway_id()) {
        super::internet_gateway::detach(client, gateway, id).await?;
    }
    absent_if(client.delete_vpc().vpc_id(id).send().await.op("ec2:DeleteVpc"), &["InvalidVpcID.NotFound"])?;
    Ok(())
}
