//! `firehose_stream`: a DirectPut delivery stream into S3 (ExtendedS3 destination), encrypted
//! with a customer-managed key. Name-addressed: ListDeliveryStreams gives every name; tags say
//! whether it is ours. Destination changes go through UpdateDestination with the stream's
//! current version.

use aws_sdk_firehose::Client;
use aws_sdk_firehose::types::{
    BufferingHints, CloudWatchLoggingOptions, CompressionFormat, DeliveryStreamEncryptionConfigurationInput,
    DeliveryStreamStatus, DeliveryStreamType, EncryptionConfiguration, ExtendedS3DestinationConfiguration,
    ExtendedS3DestinationUpdate, KeyType, KmsEncryptionConfig, Tag,
};
use bankinfra_model::props::firehose::DeliveryStream;
use bankinfra_model::{
    Address, FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, Tags,
};
use futures_util::future::try_join_all;

use crate::error::{OrProviderError, absent_if, has_code};

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::FirehoseStream(s) => Some(&s.name),
        _ => None,
    });
    let names = list(client).await?;
    let reads = names.into_iter().map(|name| {
        let declared = &declared;
        async move {
            let Some(tags) = absent_if(tags_of(client, &name).await, NOT_FOUND)? else { return Ok(None) };
            let Some(address) = crate::name_addressed(&name, declared, &tags, ownership, Kind::FirehoseStream) else {
                return Ok(None);
            };
            let Some(described) = describe(client, &name).await? else { return Ok(None) };
            Ok::<_, ProviderError>(Some(LiveResource { address, ..live_from(&name, &described, tags) }))
        }
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

async fn list(client: &Client) -> Result<Vec<String>, ProviderError> {
    let mut names: Vec<String> = Vec::new();
    loop {
        let page = client
            .list_delivery_streams()
            .limit(100)
            .set_exclusive_start_delivery_stream_name(names.last().cloned())
            .send()
            .await
            .op("firehose:ListDeliveryStreams")?;
        names.extend(page.delivery_stream_names().iter().cloned());
        if !page.has_more_delivery_streams() || page.delivery_stream_names().is_empty() {
            return Ok(names);
        }
    }
}

async fn describe(
    client: &Client,
    name: &str,
) -> Result<Option<aws_sdk_firehose::types::DeliveryStreamDescription>, ProviderError> {
    let out = absent_if(
        client.describe_delivery_stream().delivery_stream_name(name).send().await.op("firehose:DescribeDeliveryStream"),
        NOT_FOUND,
    )?;
    Ok(out.and_then(|o| o.delivery_stream_description().cloned()))
}

/// Waits, polling DescribeDeliveryStream, until a new stream leaves CREATING: CreateDeliveryStream
/// returns while the stream is CREATING, and only an ACTIVE stream takes data or changes
/// (Firehose API reference, CreateDeliveryStream; the Terraform AWS provider waits the same way,
/// internal/service/firehose/delivery_stream.go waitDeliveryStreamCreated, up to 20 minutes). A
/// stream that ends in CREATING_FAILED fails the create with AWS's reason.
async fn wait_until_active(client: &Client, name: &str) -> Result<(), ProviderError> {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(20 * 60);
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(200);
    loop {
        let status = describe(client, name).await?.map(|d| {
            let reason = d.failure_description().map(|f| f.details().to_string()).unwrap_or_default();
            (d.delivery_stream_status().clone(), reason)
        });
        match status {
            Some((DeliveryStreamStatus::Active, _)) => return Ok(()),
            Some((DeliveryStreamStatus::CreatingFailed, reason)) => {
                return Err(ProviderError::permanent(
                    "firehose:CreateDeliveryStream",
                    format!("stream {name} ended in CREATING_FAILED: {reason}"),
                ));
            }
            _ if started.elapsed() > LIMIT => {
                return Err(ProviderError::permanent(
                    "firehose:DescribeDeliveryStream",
                    format!("stream {name} was not ACTIVE after {} minutes", LIMIT.as_secs() / 60),
                ));
            }
            // CREATING, or not visible yet.
            _ => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(std::time::Duration::from_secs(5));
            }
        }
    }
}

async fn tags_of(client: &Client, name: &str) -> Result<Tags, ProviderError> {
    let out = client
        .list_tags_for_delivery_stream()
        .delivery_stream_name(name)
        .limit(50)
        .send()
        .await
        .op("firehose:ListTagsForDeliveryStream")?;
    Ok(out.tags().iter().map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string())).collect())
}

/// The stream as described, under a provisional address (the caller sets the real one).
fn live_from(name: &str, d: &aws_sdk_firehose::types::DeliveryStreamDescription, tags: Tags) -> LiveResource {
    let s3 = d.destinations().first().and_then(|dest| dest.extended_s3_destination_description());
    let hints = s3.and_then(|s| s.buffering_hints());
    let logging = s3.and_then(|s| s.cloud_watch_logging_options());
    let arn = d.delivery_stream_arn().to_string();
    LiveResource {
        address: Address::new(Kind::FirehoseStream, name),
        outputs: crate::name_arn_outputs(name, &arn),
        physical_id: name.to_string(),
        props: Props::FirehoseStream(DeliveryStream {
            name: name.to_string(),
            stream_kms_key_arn: d
                .delivery_stream_encryption_configuration()
                .filter(|e| e.key_type() == Some(&KeyType::CustomerManagedCmk))
                .and_then(|e| e.key_arn())
                .unwrap_or_default()
                .to_string(),
            role_arn: s3.map(|s| s.role_arn().to_string()).unwrap_or_default(),
            bucket_arn: s3.map(|s| s.bucket_arn().to_string()).unwrap_or_default(),
            prefix: s3.and_then(|s| s.prefix()).unwrap_or_default().to_string(),
            error_output_prefix: s3.and_then(|s| s.error_output_prefix()).unwrap_or_default().to_string(),
            buffer_size_mb: hints.and_then(|h| h.size_in_mbs()).unwrap_or(0).max(0) as u32,
            buffer_interval_seconds: hints.and_then(|h| h.interval_in_seconds()).unwrap_or(0).max(0) as u32,
            compression: s3.map(|s| s.compression_format().as_str().to_string()).unwrap_or_default(),
            s3_kms_key_arn: s3
                .and_then(|s| s.encryption_configuration())
                .and_then(|e| e.kms_encryption_config())
                .map(|k| k.awskms_key_arn().to_string())
                .unwrap_or_default(),
            log_group: logging
                .filter(|l| l.enabled() == Some(true))
                .and_then(|l| l.log_group_name())
                .unwrap_or_default()
                .to_string(),
            log_stream: logging
                .filter(|l| l.enabled() == Some(true))
                .and_then(|l| l.log_stream_name())
                .unwrap_or_default()
                .to_string(),
            tags,
        }),
    }
}

fn stream_props(resource: &Resource) -> Result<&DeliveryStream, ProviderError> {
    match &resource.props {
        Props::FirehoseStream(s) => Ok(s),
        other => Err(ProviderError::permanent("firehose", format!("{} is not a delivery stream", other.kind()))),
    }
}

fn invalid(op: &str) -> impl Fn(aws_sdk_firehose::error::BuildError) -> ProviderError + '_ {
    move |e| ProviderError::permanent(op, e.to_string())
}

crate::sdk_tags!(Tag, "firehose:Tag");

fn encryption(s: &DeliveryStream) -> Result<DeliveryStreamEncryptionConfigurationInput, ProviderError> {
    DeliveryStreamEncryptionConfigurationInput::builder()
        .key_type(KeyType::CustomerManagedCmk)
        .key_arn(&s.stream_kms_key_arn)
        .build()
        .map_err(invalid("firehose:DeliveryStreamEncryptionConfigurationInput"))
}

fn hints(s: &DeliveryStream) -> BufferingHints {
    BufferingHints::builder()
        .size_in_mbs(s.buffer_size_mb as i32)
        .interval_in_seconds(s.buffer_interval_seconds as i32)
        .build()
}

fn object_encryption(s: &DeliveryStream) -> Result<EncryptionConfiguration, ProviderError> {
    let kms = KmsEncryptionConfig::builder()
        .awskms_key_arn(&s.s3_kms_key_arn)
        .build()
        .map_err(invalid("firehose:KMSEncryptionConfig"))?;
    Ok(EncryptionConfiguration::builder().kms_encryption_config(kms).build())
}

fn logging(s: &DeliveryStream) -> CloudWatchLoggingOptions {
    CloudWatchLoggingOptions::builder()
        .enabled(!s.log_group.is_empty())
        .log_group_name(&s.log_group)
        .log_stream_name(&s.log_stream)
        .build()
}

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let s = stream_props(resource)?;
    let destination = ExtendedS3DestinationConfiguration::builder()
        .role_arn(&s.role_arn)
        .bucket_arn(&s.bucket_arn)
        .prefix(&s.prefix)
        .error_output_prefix(&s.error_output_prefix)
        .buffering_hints(hints(s))
        .compression_format(CompressionFormat::from(s.compression.as_str()))
        .encryption_configuration(object_encryption(s)?)
        .cloud_watch_logging_options(logging(s))
        .build()
        .map_err(invalid("firehose:ExtendedS3DestinationConfiguration"))?;
    let created = client
        .create_delivery_stream()
        .delivery_stream_name(&s.name)
        .delivery_stream_type(DeliveryStreamType::DirectPut)
        .delivery_stream_encryption_configuration_input(encryption(s)?)
        .extended_s3_destination_configuration(destination)
        .set_tags(Some(sdk_tags(&s.tags)?))
        .send()
        .await
        .op("firehose:CreateDeliveryStream");
    match created {
        Ok(out) => {
            wait_until_active(client, &s.name).await?;
            Ok(crate::name_arn_outputs(&s.name, out.delivery_stream_arn().unwrap_or_default()))
        }
        // A re-run after a crash: converge the stream that is already there.
        Err(e) if has_code(&e, &["ResourceInUseException"]) => {
            let tags = tags_of(client, &s.name).await?;
            let described = describe(client, &s.name)
                .await?
                .ok_or_else(|| ProviderError::permanent("firehose:DescribeDeliveryStream", "stream vanished"))?;
            let live = LiveResource { address: resource.address.clone(), ..live_from(&s.name, &described, tags) };
            let changes = bankinfra_model::diff(&live.props, &resource.props);
            update(client, &live, resource, &changes).await
        }
        Err(e) => Err(e),
    }
}

const DESTINATION_FIELDS: &[&str] = &[
    "role_arn",
    "bucket_arn",
    "prefix",
    "error_output_prefix",
    "buffer_size_mb",
    "buffer_interval_seconds",
    "compression",
    "s3_kms_key_arn",
    "log_group",
    "log_stream",
];

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let s = stream_props(desired)?;
    let fields = crate::changed_fields(changes);
    if DESTINATION_FIELDS.iter().any(|f| fields.contains(f)) {
        let described = describe(client, &s.name)
            .await?
            .ok_or_else(|| ProviderError::permanent("firehose:DescribeDeliveryStream", "stream vanished"))?;
        let destination_id =
            described.destinations().first().map(|d| d.destination_id().to_string()).unwrap_or_default();
        let update = ExtendedS3DestinationUpdate::builder()
            .role_arn(&s.role_arn)
            .bucket_arn(&s.bucket_arn)
            .prefix(&s.prefix)
            .error_output_prefix(&s.error_output_prefix)
            .buffering_hints(hints(s))
            .compression_format(CompressionFormat::from(s.compression.as_str()))
            .encryption_configuration(object_encryption(s)?)
            .cloud_watch_logging_options(logging(s))
            .build();
        client
            .update_destination()
            .delivery_stream_name(&s.name)
            .current_delivery_stream_version_id(described.version_id())
            .destination_id(destination_id)
            .extended_s3_destination_update(update)
            .send()
            .await
            .op("firehose:UpdateDestination")?;
    }
    if fields.contains("stream_kms_key_arn") {
        client
            .start_delivery_stream_encryption()
            .delivery_stream_name(&s.name)
            .delivery_stream_encryption_configuration_input(encryption(s)?)
            .send()
            .await
            .op("firehose:StartDeliveryStreamEncryption")?;
    }
    if fields.contains("tags") {
        crate::retag(
            live.props.tags(),
            &s.tags,
            async |keys| {
                client
                    .untag_delivery_stream()
                    .delivery_stream_name(&s.name)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .op("firehose:UntagDeliveryStream")
                    .map(drop)
            },
            async |tags| {
                client
                    .tag_delivery_stream()
                    .delivery_stream_name(&s.name)
                    .set_tags(Some(sdk_tags(&tags)?))
                    .send()
                    .await
                    .op("firehose:TagDeliveryStream")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(
        client
            .delete_delivery_stream()
            .delivery_stream_name(&live.physical_id)
            .send()
            .await
            .op("firehose:DeleteDeliveryStream"),
        NOT_FOUND,
    )?;
    Ok(())
}
