//! EC2 networking. Reads the whole network in a few batched calls: the owned VPCs first, then
//! everything inside them.

mod internet_gateway;
mod route_table;
mod subnet;
mod vpc;
mod vpc_endpoint;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use bankinfra_model::{
    Address, FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, TAG_STACK, TAG_STAGE,
    Tags,
};

use crate::error::OrProviderError;

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let vpcs = vpc::read(client, desired, ownership).await?;
    let vpc_ids: Vec<String> = vpcs.iter().map(|v| v.physical_id.clone()).collect();
    let (subnets, gateways, tables, endpoints) = tokio::try_join!(
        subnet::read(client, &vpc_ids, desired),
        internet_gateway::read(client, &vpc_ids, desired, ownership),
        route_table::read(client, &vpc_ids, desired),
        vpc_endpoint::read(client, &vpc_ids, desired),
    )?;
    Ok([vpcs, subnets, gateways, tables, endpoints].into_iter().flatten().collect())
}

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    match &resource.props {
        Props::Vpc(p) => vpc::create(client, p).await,
        Props::Subnet(p) => subnet::create(client, p).await,
        Props::InternetGateway(p) => internet_gateway::create(client, p).await,
        Props::RouteTable(p) => route_table::create(client, p).await,
        Props::VpcEndpoint(p) => vpc_endpoint::create(client, resource, p).await,
        other => Err(not_ec2(other.kind())),
    }
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let id = &live.physical_id;
    if crate::changed_fields(changes).contains("tags") {
        sync_tags(client, id, live.props.tags(), desired.props.tags()).await?;
    }
    match (&live.props, &desired.props) {
        (Props::Vpc(l), Props::Vpc(d)) => vpc::update(client, id, l, d).await?,
        (Props::Subnet(l), Props::Subnet(d)) => subnet::update(client, id, l, d).await?,
        (Props::InternetGateway(l), Props::InternetGateway(d)) => internet_gateway::update(client, id, l, d).await?,
        (Props::RouteTable(_), Props::RouteTable(d)) => route_table::update(client, id, d).await?,
        (Props::VpcEndpoint(l), Props::VpcEndpoint(d)) => vpc_endpoint::update(client, id, l, d).await?,
        (_, other) => return Err(not_ec2(other.kind())),
    }
    Ok(id_outputs(id.clone()))
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    let id = &live.physical_id;
    match &live.props {
        Props::Vpc(_) => vpc::delete(client, id).await,
        Props::Subnet(_) => subnet::delete(client, id).await,
        Props::InternetGateway(p) => internet_gateway::delete(client, id, p).await,
        Props::RouteTable(_) => route_table::delete(client, id).await,
        Props::VpcEndpoint(_) => vpc_endpoint::delete(client, id).await,
        other => Err(not_ec2(other.kind())),
    }
}

fn not_ec2(kind: Kind) -> ProviderError {
    ProviderError::permanent("ec2", format!("{kind} is not an EC2 resource"))
}

/// The outputs of an EC2 resource: its ID.
pub(super) fn id_outputs(id: String) -> Outputs {
    Outputs::from([("id".to_string(), id)])
}

/// Tags for `TagSpecifications`, so a resource is tagged in the same call that creates it.
pub(super) fn tag_spec(kind: ResourceType, tags: &Tags) -> TagSpecification {
    TagSpecification::builder().resource_type(kind).set_tags(Some(to_sdk(tags))).build()
}

fn to_sdk(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// SDK tags as a map, without the reserved `aws:` keys.
pub(super) fn from_sdk(tags: &[Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .filter(|(k, _)| !k.starts_with("aws:"))
        .collect()
}

pub(super) fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder().name(name).set_values(Some(values.to_vec())).build()
}

pub(super) fn ownership_filters(ownership: &Ownership) -> Vec<Filter> {
    vec![
        filter(&format!("tag:{TAG_STACK}"), std::slice::from_ref(&ownership.stack)),
        filter(&format!("tag:{TAG_STAGE}"), std::slice::from_ref(&ownership.stage)),
    ]
}

/// Which declared resource a live one is: its address tag, else the first declared resource of
/// `kind` for which `matches` holds (its natural key, e.g. a subnet's CIDR inside our VPC).
pub(super) fn identify<'a>(
    tags: &Tags,
    kind: Kind,
    desired: &'a [Resource],
    matches: impl Fn(&'a Props) -> bool,
) -> Option<Address> {
    if let Some(address) = Ownership::address_in(tags).filter(|a| a.kind() == kind) {
        return Some(address);
    }
    desired.iter().find(|r| r.address.kind() == kind && matches(&r.props)).map(|r| r.address.clone())
}

async fn sync_tags(client: &Client, id: &str, live: &Tags, desired: &Tags) -> Result<(), ProviderError> {
    let stale: Vec<Tag> =
        live.keys().filter(|k| !desired.contains_key(*k)).map(|k| Tag::builder().key(k).build()).collect();
    if !stale.is_empty() {
        client.delete_tags().resources(id).set_tags(Some(stale)).send().await.op("ec2:DeleteTags")?;
    }
    // Any change sends the whole desired set: an SCP that, like GOV-005's older form, denies
    // `ec2:CreateTags` without the required request tags lets the call through only when they
    // are all in it (the request tags of CreateTags are exactly the tags it sets).
    if desired.iter().any(|(k, v)| live.get(k) != Some(v)) {
        client.create_tags().resources(id).set_tags(Some(to_sdk(desired))).send().await.op("ec2:CreateTags")?;
    }
    Ok(())
}

/// Deterministic idempotency token for a create call: the same resource gets the same token.
pub(super) fn client_token(resource: &Resource) -> String {
    let tags = resource.props.tags();
    let raw = format!(
        "{}/{}/{}",
        tags.get(TAG_STACK).map_or("", String::as_str),
        tags.get(TAG_STAGE).map_or("", String::as_str),
        resource.address
    );
    raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).take(64).collect()
}
