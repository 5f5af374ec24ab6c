//! `cloudtrail_trail`: a trail with its event selectors and logging status. Name-addressed:
//! DescribeTrails returns every trail of the region; tags say whether it is ours. Trails are
//! addressed by name in every call (never by ARN).

use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::types::{DataResource, EventSelector, ReadWriteType, Tag};
use bankinfra_model::props::cloudtrail::Trail;
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, Tags};
use futures_util::future::try_join_all;

use crate::error::{OrProviderError, absent_if, has_code};

const NOT_FOUND: &[&str] = &["TrailNotFoundException"];
const S3_OBJECTS: &str = "AWS::S3::Object";

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::CloudTrailTrail(t) => Some(&t.name),
        _ => None,
    });
    let trails = client.describe_trails().include_shadow_trails(false).send().await.op("cloudtrail:DescribeTrails")?;
    let reads = trails.trail_list().iter().cloned().map(|trail| {
        let declared = &declared;
        async move {
            let (Some(name), Some(arn)) = (trail.name(), trail.trail_arn()) else { return Ok(None) };
            let Some(tags) = absent_if(tags_of(client, arn).await, NOT_FOUND)? else { return Ok(None) };
            let Some(address) = crate::name_addressed(name, declared, &tags, ownership, Kind::CloudTrailTrail) else {
                return Ok(None);
            };
            let (status, selectors) = tokio::try_join!(
                async { client.get_trail_status().name(name).send().await.op("cloudtrail:GetTrailStatus") },
                async { client.get_event_selectors().trail_name(name).send().await.op("cloudtrail:GetEventSelectors") },
            )?;
            let (management_events, s3_data_events) = from_selectors(selectors.event_selectors());
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: crate::name_arn_outputs(name, arn),
                physical_id: name.to_string(),
                props: Props::CloudTrailTrail(Trail {
                    name: name.to_string(),
                    s3_bucket_name: trail.s3_bucket_name().unwrap_or_default().to_string(),
                    kms_key_id: trail.kms_key_id().unwrap_or_default().to_string(),
                    is_multi_region_trail: trail.is_multi_region_trail().unwrap_or(false),
                    include_global_service_events: trail.include_global_service_events().unwrap_or(false),
                    enable_log_file_validation: trail.log_file_validation_enabled().unwrap_or(false),
                    cloud_watch_logs_log_group_arn: trail
                        .cloud_watch_logs_log_group_arn()
                        .unwrap_or_default()
                        .to_string(),
                    cloud_watch_logs_role_arn: trail.cloud_watch_logs_role_arn().unwrap_or_default().to_string(),
                    management_events,
                    s3_data_events,
                    logging: status.is_logging().unwrap_or(false),
                    tags,
                }),
            }))
        }
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

/// (management events, S3 data-event ARN prefixes) recorded by `selectors`.
fn from_selectors(selectors: &[EventSelector]) -> (String, Vec<String>) {
    let management = selectors
        .iter()
        .find(|s| s.include_management_events().unwrap_or(true))
        .map(|s| s.read_write_type().map_or("All", |t| t.as_str()).to_string())
        .unwrap_or_else(|| "None".to_string());
    let data = selectors
        .iter()
        .flat_map(|s| s.data_resources())
        .filter(|d| d.r#type() == Some(S3_OBJECTS))
        .flat_map(|d| d.values().iter().cloned())
        .collect();
    (management, data)
}

fn selector(t: &Trail) -> EventSelector {
    let (read_write, management) = match t.management_events.as_str() {
        "None" => (ReadWriteType::All, false),
        other => (ReadWriteType::from(other), true),
    };
    let mut builder = EventSelector::builder().read_write_type(read_write).include_management_events(management);
    if !t.s3_data_events.is_empty() {
        builder = builder.data_resources(
            DataResource::builder().r#type(S3_OBJECTS).set_values(Some(t.s3_data_events.clone())).build(),
        );
    }
    builder.build()
}

async fn tags_of(client: &Client, arn: &str) -> Result<Tags, ProviderError> {
    let out = client.list_tags().resource_id_list(arn).send().await.op("cloudtrail:ListTags")?;
    Ok(out
        .resource_tag_list()
        .iter()
        .flat_map(|r| r.tags_list())
        .map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string()))
        .collect())
}

fn trail_props(resource: &Resource) -> Result<&Trail, ProviderError> {
    match &resource.props {
        Props::CloudTrailTrail(t) => Ok(t),
        other => Err(ProviderError::permanent("cloudtrail", format!("{} is not a trail", other.kind()))),
    }
}

crate::sdk_tags!(Tag, "cloudtrail:Tag");

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let t = trail_props(resource)?;
    let created = client
        .create_trail()
        .name(&t.name)
        .s3_bucket_name(&t.s3_bucket_name)
        .kms_key_id(&t.kms_key_id)
        .is_multi_region_trail(t.is_multi_region_trail)
        .include_global_service_events(t.include_global_service_events)
        .enable_log_file_validation(t.enable_log_file_validation)
        .cloud_watch_logs_log_group_arn(&t.cloud_watch_logs_log_group_arn)
        .cloud_watch_logs_role_arn(&t.cloud_watch_logs_role_arn)
        .set_tags_list(Some(sdk_tags(&t.tags)?))
        .send()
        .await
        .op("cloudtrail:CreateTrail");
    let arn = match created {
        Ok(out) => out.trail_arn().unwrap_or_default().to_string(),
        // A re-run after a crash: converge the trail that is already there.
        Err(e) if has_code(&e, &["TrailAlreadyExistsException"]) => {
            let out = update_trail(client, t).await?;
            client
                .add_tags()
                .resource_id(&out)
                .set_tags_list(Some(sdk_tags(&t.tags)?))
                .send()
                .await
                .op("cloudtrail:AddTags")?;
            out
        }
        Err(e) => return Err(e),
    };
    client
        .put_event_selectors()
        .trail_name(&t.name)
        .event_selectors(selector(t))
        .send()
        .await
        .op("cloudtrail:PutEventSelectors")?;
    set_logging(client, t).await?;
    Ok(crate::name_arn_outputs(&t.name, &arn))
}

async fn update_trail(client: &Client, t: &Trail) -> Result<String, ProviderError> {
    let out = client
        .update_trail()
        .name(&t.name)
        .s3_bucket_name(&t.s3_bucket_name)
        .kms_key_id(&t.kms_key_id)
        .is_multi_region_trail(t.is_multi_region_trail)
        .include_global_service_events(t.include_global_service_events)
        .enable_log_file_validation(t.enable_log_file_validation)
        .cloud_watch_logs_log_group_arn(&t.cloud_watch_logs_log_group_arn)
        .cloud_watch_logs_role_arn(&t.cloud_watch_logs_role_arn)
        .send()
        .await
        .op("cloudtrail:UpdateTrail")?;
    Ok(out.trail_arn().unwrap_or_default().to_string())
}

async fn set_logging(client: &Client, t: &Trail) -> Result<(), ProviderError> {
    if t.logging {
        client.start_logging().name(&t.name).send().await.op("cloudtrail:StartLogging")?;
    } else {
        client.stop_logging().name(&t.name).send().await.op("cloudtrail:StopLogging")?;
    }
    Ok(())
}

const TRAIL_FIELDS: &[&str] = &[
    "s3_bucket_name",
    "kms_key_id",
    "is_multi_region_trail",
    "include_global_service_events",
    "enable_log_file_validation",
    "cloud_watch_logs_log_group_arn",
    "cloud_watch_logs_role_arn",
];

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let t = trail_props(desired)?;
    let fields = crate::changed_fields(changes);
    if TRAIL_FIELDS.iter().any(|f| fields.contains(f)) {
        update_trail(client, t).await?;
    }
    if fields.contains("management_events") || fields.contains("s3_data_events") {
        client
            .put_event_selectors()
            .trail_name(&t.name)
            .event_selectors(selector(t))
            .send()
            .await
            .op("cloudtrail:PutEventSelectors")?;
    }
    if fields.contains("logging") {
        set_logging(client, t).await?;
    }
    if fields.contains("tags") {
        let arn = live.outputs.get("arn").cloned().unwrap_or_default();
        crate::retag(
            live.props.tags(),
            &t.tags,
            async |keys| {
                let keys: Vec<Tag> = keys.iter().filter_map(|k| Tag::builder().key(k).build().ok()).collect();
                client
                    .remove_tags()
                    .resource_id(&arn)
                    .set_tags_list(Some(keys))
                    .send()
                    .await
                    .op("cloudtrail:RemoveTags")
                    .map(drop)
            },
            async |tags| {
                client
                    .add_tags()
                    .resource_id(&arn)
                    .set_tags_list(Some(sdk_tags(&tags)?))
                    .send()
                    .await
                    .op("cloudtrail:AddTags")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(client.delete_trail().name(&live.physical_id).send().await.op("cloudtrail:DeleteTrail"), NOT_FOUND)?;
    Ok(())
}
