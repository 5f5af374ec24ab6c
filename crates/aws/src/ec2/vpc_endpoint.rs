//! `vpc_endpoint`: gateway endpoints (S3, DynamoDB) routed from our route tables. Found inside
//! our VPCs by address tag, else by service name. Created with a deterministic client token.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{ResourceType, VpcEndpointType};
use bankinfra_model::props::ec2::VpcEndpoint;
use bankinfra_model::{Kind, LiveResource, Outputs, Props, ProviderError, Resource};

use super::{client_token, filter, from_sdk, id_outputs, identify, tag_spec};
use crate::error::OrProviderError;

/// States of an endpoint that is gone or going.
const GONE: &[&str] = &["deleted", "deleting", "rejected", "failed", "expired"];

pub(super) async fn read(
    client: &Client,
    vpc_ids: &[String],
    desired: &[Resource],
) -> Result<Vec<LiveResource>, ProviderError> {
    if vpc_ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = client
        .describe_vpc_endpoints()
        .filters(filter("vpc-id", vpc_ids))
        .send()
        .await
        .op("ec2:DescribeVpcEndpoints")?;
    Ok(out
        .vpc_endpoints()
        .iter()
        .filter(|e| !e.state().is_some_and(|s| GONE.contains(&s.as_str().to_ascii_lowercase().as_str())))
        .filter_map(|e| {
            let id = e.vpc_endpoint_id()?.to_string();
            let tags = from_sdk(e.tags());
            let service = e.service_name().unwrap_or_default().to_string();
            let address = identify(
                &tags,
                Kind::VpcEndpoint,
                desired,
                |p| matches!(p, Props::VpcEndpoint(d) if d.service_name == service),
            )?;
            let mut route_table_ids: Vec<String> = e.route_table_ids().to_vec();
            route_table_ids.sort();
            Some(LiveResource {
                address,
                outputs: Outputs::from([("id".to_string(), id.clone())]),
                physical_id: id,
                props: Props::VpcEndpoint(VpcEndpoint {
                    vpc_id: e.vpc_id().unwrap_or_default().to_string(),
                    service_name: service,
                    vpc_endpoint_type: e.vpc_endpoint_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                    route_table_ids,
                    tags,
                }),
            })
        })
        .collect())
}

pub(super) async fn create(client: &Client, resource: &Resource, p: &VpcEndpoint) -> Result<Outputs, ProviderError> {
    let out = client
        .create_vpc_endpoint()
        .vpc_id(&p.vpc_id)
        .service_name(&p.service_name)
        .vpc_endpoint_type(VpcEndpointType::from(p.vpc_endpoint_type.as_str()))
        .set_route_table_ids(Some(p.route_table_ids.clone()))
        .tag_specifications(tag_spec(ResourceType::VpcEndpoint, &p.tags))
        .client_token(client_token(resource))
        .customize()
        .config_override(crate::sent_once!(aws_sdk_ec2))
        .send()
        .await
        .op("ec2:CreateVpcEndpoint")?;
    let id = out.vpc_endpoint().and_then(|e| e.vpc_endpoint_id()).unwrap_or_default().to_string();
    Ok(id_outputs(id))
}

pub(super) async fn update(
    client: &Client,
    id: &str,
    live: &VpcEndpoint,
    desired: &VpcEndpoint,
) -> Result<(), ProviderError> {
    let add: Vec<String> =
        desired.route_table_ids.iter().filter(|r| !live.route_table_ids.contains(r)).cloned().collect();
    let remove: Vec<String> =
        live.route_table_ids.iter().filter(|r| !desired.route_table_ids.contains(r)).cloned().collect();
    if add.is_empty() && remove.is_empty() {
        return Ok(());
    }
    client
        .modify_vpc_endpoint()
        .vpc_endpoint_id(id)
        .set_add_route_table_ids(Some(add))
        .set_remove_route_table_ids(Some(remove))
        .send()
        .await
        .op("ec2:ModifyVpcEndpoint")?;
    Ok(())
}

pub(super) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    client.delete_vpc_endpoints().vpc_endpoint_ids(id).send().await.op("ec2:DeleteVpcEndpoints")?;
    Ok(())
}
