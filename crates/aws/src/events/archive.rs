//! `event_archive`: an archive of a bus's events. Archives carry no tags, so only declared
//! archives are read (by name); they are created and deleted with their declaration.

use aws_sdk_eventbridge::Client;
use bankinfra_model::props::events::EventArchive;
use bankinfra_model::{FieldChange, LiveResource, Outputs, Props, ProviderError, Resource};
use futures_util::future::try_join_all;

use crate::error::{OrProviderError, absent_if, has_code};

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

pub(crate) async fn read(client: &Client, desired: &[Resource]) -> Result<Vec<LiveResource>, ProviderError> {
    let reads = desired.iter().filter_map(|r| match &r.props {
        Props::EventArchive(a) => Some((r, a)),
        _ => None,
    });
    let reads = reads.map(|(resource, a)| async move {
        let out = absent_if(
            client.describe_archive().archive_name(&a.name).send().await.op("events:DescribeArchive"),
            NOT_FOUND,
        )?;
        Ok::<_, ProviderError>(out.map(|out| {
            let arn = out.archive_arn().unwrap_or_default().to_string();
            LiveResource {
                address: resource.address.clone(),
                outputs: crate::name_arn_outputs(&a.name, &arn),
                physical_id: a.name.clone(),
                props: Props::EventArchive(EventArchive {
                    name: a.name.clone(),
                    event_source_arn: out.event_source_arn().unwrap_or_default().to_string(),
                    description: out.description().unwrap_or_default().to_string(),
                    retention_days: out.retention_days().unwrap_or(0).max(0) as u32,
                    tags: Default::default(),
                }),
            }
        }))
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

fn archive_props(resource: &Resource) -> Result<&EventArchive, ProviderError> {
    match &resource.props {
        Props::EventArchive(a) => Ok(a),
        other => Err(ProviderError::permanent("events", format!("{} is not an event archive", other.kind()))),
    }
}

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let a = archive_props(resource)?;
    let created = client
        .create_archive()
        .archive_name(&a.name)
        .event_source_arn(&a.event_source_arn)
        .description(&a.description)
        .retention_days(a.retention_days as i32)
        .send()
        .await
        .op("events:CreateArchive");
    let arn = match created {
        Ok(out) => out.archive_arn().unwrap_or_default().to_string(),
        // A re-run after a crash: converge the existing archive.
        Err(e) if has_code(&e, &["ResourceAlreadyExistsException"]) => update_archive(client, a).await?,
        Err(e) => return Err(e),
    };
    Ok(crate::name_arn_outputs(&a.name, &arn))
}

async fn update_archive(client: &Client, a: &EventArchive) -> Result<String, ProviderError> {
    let out = client
        .update_archive()
        .archive_name(&a.name)
        .description(&a.description)
        .retention_days(a.retention_days as i32)
        .send()
        .await
        .op("events:UpdateArchive")?;
    Ok(out.archive_arn().unwrap_or_default().to_string())
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    _changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    update_archive(client, archive_props(desired)?).await?;
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(
        client.delete_archive().archive_name(&live.physical_id).send().await.op("events:DeleteArchive"),
        NOT_FOUND,
    )?;
    Ok(())
}
