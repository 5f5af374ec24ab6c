//! `route_table`: routes to gateways plus subnet associations. Found inside our VPCs by address
//! tag, else by `Name` tag. The VPC's main route table is never ours.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::ResourceType;
use bankinfra_model::props::ec2::{Route, RouteTable};
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
    let out =
        client.describe_route_tables().filters(filter("vpc-id", vpc_ids)).send().await.op("ec2:DescribeRouteTables")?;
    Ok(out
        .route_tables()
        .iter()
        .filter(|t| !t.associations().iter().any(|a| a.main() == Some(true)))
        .filter_map(|t| {
            let id = t.route_table_id()?.to_string();
            let tags = from_sdk(t.tags());
            let name = tags.get("Name").cloned();
            let address = identify(
                &tags,
                Kind::RouteTable,
                desired,
                |p| matches!(p, Props::RouteTable(d) if name.is_some() && d.tags.get("Name") == name.as_ref()),
            )?;
            Some(LiveResource {
                address,
                outputs: Outputs::from([("id".to_string(), id.clone())]),
                physical_id: id,
                props: Props::RouteTable(parse(t, tags)),
            })
        })
        .collect())
}

fn parse(t: &aws_sdk_ec2::types::RouteTable, tags: bankinfra_model::Tags) -> RouteTable {
    // Every route but the VPC's local one, whatever it points at (a route to a NAT gateway or a
    // peering connection is drift as much as one to a gateway). Prefix-list routes are the
    // gateway endpoints' own, compared as their route tables.
    let mut routes: Vec<Route> = t
        .routes()
        .iter()
        .filter_map(|r| {
            let destination = r.destination_cidr_block().or(r.destination_ipv6_cidr_block())?;
            let target = [
                r.gateway_id(),
                r.nat_gateway_id(),
                r.transit_gateway_id(),
                r.vpc_peering_connection_id(),
                r.egress_only_internet_gateway_id(),
                r.instance_id(),
                r.network_interface_id(),
                r.local_gateway_id(),
                r.carrier_gateway_id(),
                r.core_network_arn(),
            ]
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_default();
            (target != "local")
                .then(|| Route { destination_cidr_block: destination.to_string(), gateway_id: target.to_string() })
        })
        .collect();
    routes.sort();
    let mut subnet_ids: Vec<String> =
        t.associations().iter().filter_map(|a| a.subnet_id().map(str::to_string)).collect();
    subnet_ids.sort();
    RouteTable { vpc_id: t.vpc_id().unwrap_or_default().to_string(), routes, subnet_ids, tags }
}

pub(super) async fn create(client: &Client, p: &RouteTable) -> Result<Outputs, ProviderError> {
    let out = client
        .create_route_table()
        .vpc_id(&p.vpc_id)
        .tag_specifications(tag_spec(ResourceType::RouteTable, &p.tags))
        .customize()
        .config_override(crate::sent_once!(aws_sdk_ec2))
        .send()
        .await
        .op("ec2:CreateRouteTable")?;
    let id = out.route_table().and_then(|t| t.route_table_id()).unwrap_or_default().to_string();
    let empty = RouteTable { routes: Vec::new(), subnet_ids: Vec::new(), ..p.clone() };
    crate::after_create(|| converge(client, &id, &empty, &[], p)).await?;
    Ok(id_outputs(id))
}

/// Re-reads the table (for association IDs) and converges routes and associations.
pub(super) async fn update(client: &Client, id: &str, desired: &RouteTable) -> Result<(), ProviderError> {
    let out = client.describe_route_tables().route_table_ids(id).send().await.op("ec2:DescribeRouteTables")?;
    let table = out
        .route_tables()
        .first()
        .ok_or_else(|| ProviderError::permanent("ec2:DescribeRouteTables", format!("route table {id} disappeared")))?;
    let associations: Vec<(String, String)> = table
        .associations()
        .iter()
        .filter_map(|a| Some((a.subnet_id()?.to_string(), a.route_table_association_id()?.to_string())))
        .collect();
    let live = parse(table, Default::default());
    converge(client, id, &live, &associations, desired).await
}

async fn converge(
    client: &Client,
    id: &str,
    live: &RouteTable,
    associations: &[(String, String)],
    desired: &RouteTable,
) -> Result<(), ProviderError> {
    for route in live.routes.iter().filter(|r| !desired.routes.contains(r)) {
        let delete = client.delete_route().route_table_id(id);
        let delete = if route.destination_cidr_block.contains(':') {
            delete.destination_ipv6_cidr_block(&route.destination_cidr_block)
        } else {
            delete.destination_cidr_block(&route.destination_cidr_block)
        };
        absent_if(delete.send().await.op("ec2:DeleteRoute"), &["InvalidRoute.NotFound"])?;
    }
    for route in desired.routes.iter().filter(|r| !live.routes.contains(r)) {
        client
            .create_route()
            .route_table_id(id)
            .destination_cidr_block(&route.destination_cidr_block)
            .gateway_id(&route.gateway_id)
            .send()
            .await
            .op("ec2:CreateRoute")?;
    }
    for (subnet, association) in associations.iter().filter(|(s, _)| !desired.subnet_ids.contains(s)) {
        let _ = subnet;
        absent_if(
            client.disassociate_route_table().association_id(association).send().await.op("ec2:DisassociateRouteTable"),
            &["InvalidAssociationID.NotFound"],
        )?;
    }
    for subnet in desired.subnet_ids.iter().filter(|s| !live.subnet_ids.contains(s)) {
        client
            .associate_route_table()
            .route_table_id(id)
            .subnet_id(subnet)
            .send()
            .await
            .op("ec2:AssociateRouteTable")?;
    }
    Ok(())
}

pub(super) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let out = absent_if(
        client.describe_route_tables().route_table_ids(id).send().await.op("ec2:DescribeRouteTables"),
        &["InvalidRouteTableID.NotFound"],
    )?;
    for table in out.iter().flat_map(|o| o.route_tables()) {
        for association in table.associations().iter().filter(|a| a.main() != Some(true)) {
            if let Some(assoc) = association.route_table_association_id() {
                absent_if(
                    client
                        .disassociate_route_table()
                        .association_id(assoc)
                        .send()
                        .await
                        .op("ec2:DisassociateRouteTable"),
                    &["InvalidAssociationID.NotFound"],
                )?;
            }
        }
    }
    absent_if(
        client.delete_route_table().route_table_id(id).send().await.op("ec2:DeleteRouteTable"),
        &["InvalidRouteTableID.NotFound"],
    )?;
    Ok(())
}
