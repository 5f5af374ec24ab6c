//! `subnet`: one subnet in one AZ. Found inside our VPCs by address tag, else by CIDR.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};
use bankinfra_model::props::ec2::Subnet;
use bankinfra_model::{Kind, LiveResource, Outputs, Props, ProviderError, Resource};

use super::{filter, from_sdk, id_outputs, identify, tag_spec};
use crate::error::{OrProviderError, absent_if};

pub(super) async fn read(
    client: &Client,
    vpc_ids: &[String],
    desired: &[Resource],
) -> Result<Vec<LiveResource>, ProviderError> {
    if vpc_ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = client.describe_subnets().filters(filter("vpc-id", vpc_ids)).send().await.op("ec2:DescribeSubnets")?;
    Ok(out
        .subnets()
        .iter()
        .filter_map(|s| {
            let id = s.subnet_id()?.to_string();
            let tags = from_sdk(s.tags());
            let cidr = s.cidr_block().unwrap_or_default().to_string();
            let address =
                identify(&tags, Kind::Subnet, desired, |p| matches!(p, Props::Subnet(d) if d.cidr_block == cidr))?;
            Some(LiveResource {
                address,
                outputs: Outputs::from([("id".to_string(), id.clone())]),
                physical_id: id,
                props: Props::Subnet(Subnet {
                    vpc_id: s.vpc_id().unwrap_or_default().to_string(),
                    cidr_block: cidr,
                    availability_zone: s.availability_zone().unwrap_or_default().to_string(),
                    map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
                    tags,
                }),
            })
        })
        .collect())
}

pub(super) async fn create(client: &Client, p: &Subnet) -> Result<Outputs, ProviderError> {
    let out = client
        .create_subnet()
        .vpc_id(&p.vpc_id)
        .cidr_block(&p.cidr_block)
        .availability_zone(&p.availability_zone)
        .tag_specifications(tag_spec(ResourceType::Subnet, &p.tags))
        .customize()
        .config_override(crate::sent_once!(aws_sdk_ec2))
        .send()
        .await
        .op("ec2:CreateSubnet")?;
    let id = out.subnet().and_then(|s| s.subnet_id()).unwrap_or_default().to_string();
    if p.map_public_ip_on_launch {
        crate::after_create(|| set_public_ip(client, &id, true)).await?;
    }
    Ok(id_outputs(id))
}

pub(super) async fn update(client: &Client, id: &str, live: &Subnet, desired: &Subnet) -> Result<(), ProviderError> {
    if live.map_public_ip_on_launch != desired.map_public_ip_on_launch {
        set_public_ip(client, id, desired.map_public_ip_on_launch).await?;
    }
    Ok(())
}

async fn set_public_ip(client: &Client, id: &str, on: bool) -> Result<(), ProviderError> {
    client
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(on).build())
        .send()
        .await
        .op("ec2:ModifySubnetAttribute")?;
    Ok(())
}

pub(super) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    absent_if(client.delete_subnet().subnet_id(id).send().await.op("ec2:DeleteSubnet"), &["InvalidSubnetID.NotFound"])?;
    Ok(())
}
