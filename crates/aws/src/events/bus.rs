//! `event_bus`: a custom bus, tagged at creation, with its resource policy. Name-addressed:
//! ListEventBuses returns every bus with its policy; tags say whose it is.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::Tag;
use bankinfra_model::props::events::EventBus;
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, Tags};
use futures_util::future::try_join_all;

use crate::error::{OrProviderError, absent_if, has_code};

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::EventBus(b) => Some(&b.name),
        _ => None,
    });
    let buses = list(client).await?;
    let reads = buses.into_iter().filter(|b| b.name() != Some("default")).map(|bus| {
        let declared = &declared;
        async move {
            let (Some(name), Some(arn)) = (bus.name(), bus.arn()) else { return Ok(None) };
            let Some(tags) = absent_if(tags_of(client, arn).await, NOT_FOUND)? else { return Ok(None) };
            let Some(address) = crate::name_addressed(name, declared, &tags, ownership, Kind::EventBus) else {
                return Ok(None);
            };
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: crate::name_arn_outputs(name, arn),
                physical_id: name.to_string(),
                props: Props::EventBus(EventBus {
                    name: name.to_string(),
                    policy: bus.policy().and_then(crate::parse_policy),
                    tags,
                }),
            }))
        }
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

async fn list(client: &Client) -> Result<Vec<aws_sdk_eventbridge::types::EventBus>, ProviderError> {
    let mut buses = Vec::new();
    let mut token = None;
    loop {
        let page =
            client.list_event_buses().limit(100).set_next_token(token).send().await.op("events:ListEventBuses")?;
        buses.extend(page.event_buses().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.event_buses().is_empty() {
            return Ok(buses);
        }
    }
}

async fn tags_of(client: &Client, arn: &str) -> Result<Tags, ProviderError> {
    let out = client.list_tags_for_resource().resource_arn(arn).send().await.op("events:ListTagsForResource")?;
    Ok(out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
}

fn bus_props(resource: &Resource) -> Result<&EventBus, ProviderError> {
    match &resource.props {
        Props::EventBus(b) => Ok(b),
        other => Err(ProviderError::permanent("events", format!("{} is not an event bus", other.kind()))),
    }
}

crate::sdk_tags!(Tag, "events:Tag");

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let b = bus_props(resource)?;
    let created = client
        .create_event_bus()
        .name(&b.name)
        .set_tags(Some(sdk_tags(&b.tags)?))
        .send()
        .await
        .op("events:CreateEventBus");
    let arn = match created {
        Ok(out) => out.event_bus_arn().unwrap_or_default().to_string(),
        // A re-run after a crash: converge the existing bus.
        Err(e) if has_code(&e, &["ResourceAlreadyExistsException"]) => {
            let out = client.describe_event_bus().name(&b.name).send().await.op("events:DescribeEventBus")?;
            let arn = out.arn().unwrap_or_default().to_string();
            client
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(sdk_tags(&b.tags)?))
                .send()
                .await
                .op("events:TagResource")?;
            arn
        }
        Err(e) => return Err(e),
    };
    set_policy(client, &b.name, b.policy.as_ref()).await?;
    Ok(crate::name_arn_outputs(&b.name, &arn))
}

async fn set_policy(client: &Client, bus: &str, policy: Option<&serde_json::Value>) -> Result<(), ProviderError> {
    match policy {
        Some(p) => {
            client
                .put_permission()
                .event_bus_name(bus)
                .policy(p.to_string())
                .send()
                .await
                .op("events:PutPermission")?;
        }
        None => {
            absent_if(
                client
                    .remove_permission()
                    .event_bus_name(bus)
                    .remove_all_permissions(true)
                    .send()
                    .await
                    .op("events:RemovePermission"),
                NOT_FOUND,
            )?;
        }
    }
    Ok(())
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let b = bus_props(desired)?;
    let fields = crate::changed_fields(changes);
    if fields.contains("policy") {
        set_policy(client, &b.name, b.policy.as_ref()).await?;
    }
    if fields.contains("tags") {
        let arn = live.outputs.get("arn").cloned().unwrap_or_default();
        crate::retag(
            live.props.tags(),
            &b.tags,
            async |keys| {
                client
                    .untag_resource()
                    .resource_arn(&arn)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .op("events:UntagResource")
                    .map(drop)
            },
            async |tags| {
                client
                    .tag_resource()
                    .resource_arn(&arn)
                    .set_tags(Some(sdk_tags(&tags)?))
                    .send()
                    .await
                    .op("events:TagResource")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(client.delete_event_bus().name(&live.physical_id).send().await.op("events:DeleteEventBus"), NOT_FOUND)?;
    Ok(())
}
