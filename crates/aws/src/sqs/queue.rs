//! `sqs_queue`: a standard queue with SSE-KMS, retention and an access policy. Name-addressed:
//! every queue is listed once, its tags say whether it is ours or declared.

use std::collections::HashMap;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::QueueAttributeName;
use bankinfra_model::props::sqs::Queue;
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource};
use futures_util::future::try_join_all;

use crate::error::{OrProviderError, absent_if, has_code};

const NOT_FOUND: &[&str] = &["AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"];

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::SqsQueue(q) => Some(&q.name),
        _ => None,
    });
    let urls = list_queue_urls(client).await?;
    let reads = urls.into_iter().map(|url| {
        let declared = &declared;
        async move {
            let name = url.rsplit('/').next().unwrap_or_default().to_string();
            let Some(tags) = absent_if(tags_of(client, &url).await, NOT_FOUND)? else { return Ok(None) };
            let Some(address) = crate::name_addressed(&name, declared, &tags, ownership, Kind::SqsQueue) else {
                return Ok(None);
            };
            let Some(attributes) = absent_if(attributes_of(client, &url).await, NOT_FOUND)? else { return Ok(None) };
            let attr = |a: QueueAttributeName| attributes.get(&a).cloned().unwrap_or_default();
            let number = |a: QueueAttributeName| attr(a).parse::<u32>().unwrap_or(0);
            let policy = attr(QueueAttributeName::Policy);
            let arn = attr(QueueAttributeName::QueueArn);
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: outputs(&name, &url, &arn),
                physical_id: url.clone(),
                props: Props::SqsQueue(Queue {
                    kms_master_key_id: attr(QueueAttributeName::KmsMasterKeyId),
                    kms_data_key_reuse_period_seconds: number(QueueAttributeName::KmsDataKeyReusePeriodSeconds),
                    message_retention_seconds: number(QueueAttributeName::MessageRetentionPeriod),
                    policy: crate::parse_policy(&policy),
                    name,
                    tags,
                }),
            }))
        }
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

async fn list_queue_urls(client: &Client) -> Result<Vec<String>, ProviderError> {
    let mut urls = Vec::new();
    let mut token = None;
    loop {
        let page = client.list_queues().max_results(1000).set_next_token(token).send().await.op("sqs:ListQueues")?;
        urls.extend(page.queue_urls().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(urls);
        }
    }
}

async fn tags_of(client: &Client, url: &str) -> Result<bankinfra_model::Tags, ProviderError> {
    let out = client.list_queue_tags().queue_url(url).send().await.op("sqs:ListQueueTags")?;
    Ok(out.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default())
}

async fn attributes_of(client: &Client, url: &str) -> Result<HashMap<QueueAttributeName, String>, ProviderError> {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .op("sqs:GetQueueAttributes")?;
    Ok(out.attributes().cloned().unwrap_or_default())
}

fn outputs(name: &str, url: &str, arn: &str) -> Outputs {
    Outputs::from([
        ("name".to_string(), name.to_string()),
        ("url".to_string(), url.to_string()),
        ("arn".to_string(), arn.to_string()),
    ])
}

fn queue_props(resource: &Resource) -> Result<&Queue, ProviderError> {
    match &resource.props {
        Props::SqsQueue(q) => Ok(q),
        other => Err(ProviderError::permanent("sqs", format!("{} is not an SQS queue", other.kind()))),
    }
}

/// The settable attributes of `q`; an absent policy is the empty string (SQS removes it).
fn attributes(q: &Queue) -> HashMap<QueueAttributeName, String> {
    HashMap::from([
        (QueueAttributeName::KmsMasterKeyId, q.kms_master_key_id.clone()),
        (QueueAttributeName::KmsDataKeyReusePeriodSeconds, q.kms_data_key_reuse_period_seconds.to_string()),
        (QueueAttributeName::MessageRetentionPeriod, q.message_retention_seconds.to_string()),
        (QueueAttributeName::Policy, q.policy.as_ref().map(|p| p.to_string()).unwrap_or_default()),
    ])
}

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let q = queue_props(resource)?;
    let created = client
        .create_queue()
        .queue_name(&q.name)
        .set_attributes(Some(attributes(q)))
        .set_tags(Some(q.tags.clone().into_iter().collect()))
        .send()
        .await
        .op("sqs:CreateQueue");
    let url = match created {
        Ok(out) => out.queue_url().unwrap_or_default().to_string(),
        // A re-run after a crash, with other attributes: converge the existing queue.
        Err(e) if has_code(&e, &["QueueAlreadyExists", "QueueNameExists"]) => {
            let url = client.get_queue_url().queue_name(&q.name).send().await.op("sqs:GetQueueUrl")?;
            let url = url.queue_url().unwrap_or_default().to_string();
            set_attributes(client, &url, attributes(q)).await?;
            client
                .tag_queue()
                .queue_url(&url)
                .set_tags(Some(q.tags.clone().into_iter().collect()))
                .send()
                .await
                .op("sqs:TagQueue")?;
            url
        }
        Err(e) => return Err(e),
    };
    let arn = attributes_of(client, &url).await?.remove(&QueueAttributeName::QueueArn).unwrap_or_default();
    Ok(outputs(&q.name, &url, &arn))
}

async fn set_attributes(
    client: &Client,
    url: &str,
    attributes: HashMap<QueueAttributeName, String>,
) -> Result<(), ProviderError> {
    client
        .set_queue_attributes()
        .queue_url(url)
        .set_attributes(Some(attributes))
        .send()
        .await
        .op("sqs:SetQueueAttributes")?;
    Ok(())
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let q = queue_props(desired)?;
    let url = &live.physical_id;
    let fields = crate::changed_fields(changes);
    let wanted = attributes(q);
    let changed: HashMap<QueueAttributeName, String> = [
        ("kms_master_key_id", QueueAttributeName::KmsMasterKeyId),
        ("kms_data_key_reuse_period_seconds", QueueAttributeName::KmsDataKeyReusePeriodSeconds),
        ("message_retention_seconds", QueueAttributeName::MessageRetentionPeriod),
        ("policy", QueueAttributeName::Policy),
    ]
    .into_iter()
    .filter(|(field, _)| fields.contains(field))
    .map(|(_, a)| (a.clone(), wanted[&a].clone()))
    .collect();
    if !changed.is_empty() {
        set_attributes(client, url, changed).await?;
    }
    if fields.contains("tags") {
        crate::retag(
            live.props.tags(),
            &q.tags,
            async |keys| {
                client.untag_queue().queue_url(url).set_tag_keys(Some(keys)).send().await.op("sqs:UntagQueue").map(drop)
            },
            async |tags| {
                client
                    .tag_queue()
                    .queue_url(url)
                    .set_tags(Some(tags.into_iter().collect()))
                    .send()
                    .await
                    .op("sqs:TagQueue")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(client.delete_queue().queue_url(&live.physical_id).send().await.op("sqs:DeleteQueue"), NOT_FOUND)?;
    Ok(())
}
