//! `sns_topic`: a standard topic with SSE-KMS. Name-addressed: ListTopics gives every topic's
//! ARN (whose last part is its name); tags say whether it is ours.

use std::collections::HashMap;

use aws_sdk_sns::Client;
use aws_sdk_sns::types::Tag;
use bankinfra_model::props::sns::Topic;
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, Tags};
use futures_util::future::try_join_all;

use crate::error::{OrProviderError, absent_if};

const NOT_FOUND: &[&str] = &["NotFound", "NotFoundException", "ResourceNotFound", "ResourceNotFoundException"];

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::SnsTopic(t) => Some(&t.name),
        _ => None,
    });
    let arns = list(client).await?;
    let reads = arns.into_iter().map(|arn| {
        let declared = &declared;
        async move {
            let name = arn.rsplit(':').next().unwrap_or_default().to_string();
            let Some(tags) = absent_if(tags_of(client, &arn).await, NOT_FOUND)? else { return Ok(None) };
            let Some(address) = crate::name_addressed(&name, declared, &tags, ownership, Kind::SnsTopic) else {
                return Ok(None);
            };
            let Some(attributes) = absent_if(
                client.get_topic_attributes().topic_arn(&arn).send().await.op("sns:GetTopicAttributes"),
                NOT_FOUND,
            )?
            else {
                return Ok(None);
            };
            let empty = HashMap::new();
            let attributes = attributes.attributes().unwrap_or(&empty);
            let attr = |k: &str| attributes.get(k).cloned().unwrap_or_default();
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: crate::name_arn_outputs(&name, &arn),
                physical_id: arn.clone(),
                props: Props::SnsTopic(Topic {
                    name,
                    display_name: attr("DisplayName"),
                    kms_master_key_id: attr("KmsMasterKeyId"),
                    tags,
                }),
            }))
        }
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

async fn list(client: &Client) -> Result<Vec<String>, ProviderError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = client.list_topics().set_next_token(token).send().await.op("sns:ListTopics")?;
        arns.extend(page.topics().iter().filter_map(|t| t.topic_arn()).map(str::to_string));
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.topics().is_empty() {
            return Ok(arns);
        }
    }
}

async fn tags_of(client: &Client, arn: &str) -> Result<Tags, ProviderError> {
    let out = client.list_tags_for_resource().resource_arn(arn).send().await.op("sns:ListTagsForResource")?;
    Ok(out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
}

fn topic_props(resource: &Resource) -> Result<&Topic, ProviderError> {
    match &resource.props {
        Props::SnsTopic(t) => Ok(t),
        other => Err(ProviderError::permanent("sns", format!("{} is not an SNS topic", other.kind()))),
    }
}

crate::sdk_tags!(Tag, "sns:Tag");

/// CreateTopic is idempotent for a topic of the same name: a re-run after a crash gets the same
/// ARN back, and the attributes and tags are then set again.
pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let t = topic_props(resource)?;
    let out = client
        .create_topic()
        .name(&t.name)
        .attributes("KmsMasterKeyId", &t.kms_master_key_id)
        .attributes("DisplayName", &t.display_name)
        .set_tags(Some(sdk_tags(&t.tags)?))
        .send()
        .await
        .op("sns:CreateTopic")?;
    let arn = out.topic_arn().unwrap_or_default().to_string();
    Ok(crate::name_arn_outputs(&t.name, &arn))
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let t = topic_props(desired)?;
    let arn = &live.physical_id;
    let fields = crate::changed_fields(changes);
    for (field, attribute, value) in [
        ("kms_master_key_id", "KmsMasterKeyId", &t.kms_master_key_id),
        ("display_name", "DisplayName", &t.display_name),
    ] {
        if fields.contains(field) {
            client
                .set_topic_attributes()
                .topic_arn(arn)
                .attribute_name(attribute)
                .attribute_value(value)
                .send()
                .await
                .op("sns:SetTopicAttributes")?;
        }
    }
    if fields.contains("tags") {
        crate::retag(
            live.props.tags(),
            &t.tags,
            async |keys| {
                client
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .op("sns:UntagResource")
                    .map(drop)
            },
            async |tags| {
                client
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(sdk_tags(&tags)?))
                    .send()
                    .await
                    .op("sns:TagResource")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(client.delete_topic().topic_arn(&live.physical_id).send().await.op("sns:DeleteTopic"), NOT_FOUND)?;
    Ok(())
}
