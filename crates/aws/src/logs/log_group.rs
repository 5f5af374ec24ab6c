//! `log_group`: a log group with retention and KMS encryption. Name-addressed: the declared
//! groups and those whose names contain the stage's name are listed (DescribeLogGroups), and
//! only their tags say whether they are ours.

use std::collections::BTreeMap;

use aws_sdk_cloudwatchlogs::Client;
use bankinfra_model::props::logs::LogGroup;
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, Tags};

use crate::error::{OrProviderError, absent_if, has_code};

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::LogGroup(g) => Some(&g.name),
        _ => None,
    });
    // Streams are read only for groups that declare some, and only those streams.
    let wanted_streams: BTreeMap<String, Vec<String>> = desired
        .iter()
        .filter_map(|r| match &r.props {
            Props::LogGroup(g) if !g.log_streams.is_empty() => Some((g.name.clone(), g.log_streams.clone())),
            _ => None,
        })
        .collect();
    // The account may hold thousands of other groups, and ListTagsForResource of each would
    // take minutes at its quota: only groups that can be ours are looked at. Those are the
    // declared ones, and the undeclared groups we own, whose names (made from the stage's
    // naming patterns) contain the stage's name: found by a server-side substring filter.
    // A small account's groups fit in one unfiltered page (up to 50 groups by default:
    // <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html>),
    // which is all there is to list; a larger one is filtered by the service instead of paged.
    let first = client.describe_log_groups().send().await.op("logs:DescribeLogGroups")?;
    let known: BTreeMap<String, aws_sdk_cloudwatchlogs::types::LogGroup> =
        first.log_groups().iter().filter_map(|g| Some((g.log_group_name()?.to_string(), g.clone()))).collect();
    let stage = ownership.stage.as_str();
    let candidates = match first.next_token() {
        None => known
            .iter()
            .filter(|(name, _)| declared.contains_key(*name) || (!stage.is_empty() && name.contains(stage)))
            .map(|(name, g)| (name.clone(), group_arn(g)))
            .collect(),
        Some(_) => candidates(client, &declared, stage).await?,
    };
    let reads = candidates.into_iter().map(|(name, arn)| {
        let (declared, wanted_streams, known) = (&declared, &wanted_streams, &known);
        async move {
            let Some(tags) = absent_if(tags_of(client, &arn).await, NOT_FOUND)? else { return Ok(None) };
            let Some(address) = crate::name_addressed(&name, declared, &tags, ownership, Kind::LogGroup) else {
                return Ok(None);
            };
            // A pattern's answer leaves out retention and key: the group's own page has them.
            let g = match known.get(&name) {
                Some(g) => g.clone(),
                None => {
                    match list(client, Some(&name)).await?.into_iter().find(|g| g.log_group_name() == Some(&name)) {
                        Some(g) => g,
                        None => return Ok(None),
                    }
                }
            };
            let log_streams = match wanted_streams.get(&name) {
                Some(wanted) => existing_streams(client, &name, wanted).await?,
                None => Vec::new(),
            };
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: crate::name_arn_outputs(&name, &arn),
                physical_id: name.clone(),
                props: Props::LogGroup(LogGroup {
                    name,
                    retention_days: g.retention_in_days().map(|d| d.max(0) as u32),
                    kms_key_id: g.kms_key_id().filter(|k| !k.is_empty()).map(str::to_string),
                    log_streams,
                    tags,
                }),
            }))
        }
    });
    Ok(crate::bounded(crate::READS_IN_FLIGHT_LOGS, reads).await?.into_iter().flatten().collect())
}

/// Name → ARN of every group that may be ours: those whose names contain `stage`
/// (DescribeLogGroups' `logGroupNamePattern`, "a case-sensitive substring search", mutually
/// exclusive with `logGroupNamePrefix`, and answering "only arn, creationTime, and
/// logGroupName":
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html>),
/// and the declared names that do not contain it, each looked up by its own name.
async fn candidates(
    client: &Client,
    declared: &BTreeMap<String, bankinfra_model::Address>,
    stage: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let mut found = BTreeMap::new();
    if !stage.is_empty() {
        let mut token = None;
        loop {
            let page = client
                .describe_log_groups()
                .log_group_name_pattern(stage)
                .set_next_token(token)
                .send()
                .await
                .op("logs:DescribeLogGroups")?;
            for g in page.log_groups() {
                if let Some(name) = g.log_group_name() {
                    found.insert(name.to_string(), group_arn(g));
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() || page.log_groups().is_empty() {
                break;
            }
        }
    }
    let elsewhere: Vec<String> =
        declared.keys().filter(|name| stage.is_empty() || !name.contains(stage)).cloned().collect();
    let looked_up = crate::bounded(
        crate::READS_IN_FLIGHT_LOGS,
        elsewhere.into_iter().map(|name| async move {
            let groups = list(client, Some(&name)).await?;
            Ok::<_, ProviderError>(groups.into_iter().find(|g| g.log_group_name() == Some(name.as_str())))
        }),
    )
    .await?;
    for g in looked_up.into_iter().flatten() {
        found.insert(g.log_group_name().unwrap_or_default().to_string(), group_arn(&g));
    }
    Ok(found)
}

/// Which of `wanted` exist in the group, in `wanted`'s order.
async fn existing_streams(client: &Client, group: &str, wanted: &[String]) -> Result<Vec<String>, ProviderError> {
    let mut found = std::collections::BTreeSet::new();
    let mut token = None;
    loop {
        let page = client
            .describe_log_streams()
            .log_group_name(group)
            .set_next_token(token)
            .send()
            .await
            .op("logs:DescribeLogStreams")?;
        found.extend(page.log_streams().iter().filter_map(|s| s.log_stream_name()).map(str::to_string));
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.log_streams().is_empty() {
            return Ok(wanted.iter().filter(|w| found.contains(*w)).cloned().collect());
        }
    }
}

/// Creates the streams of `g` missing from `live` (an existing stream is not an error).
async fn create_streams(client: &Client, g: &LogGroup, live: &[String]) -> Result<(), ProviderError> {
    for stream in g.log_streams.iter().filter(|s| !live.contains(s)) {
        let created = client
            .create_log_stream()
            .log_group_name(&g.name)
            .log_stream_name(stream)
            .send()
            .await
            .op("logs:CreateLogStream");
        match created {
            Ok(_) => {}
            Err(e) if has_code(&e, &["ResourceAlreadyExistsException"]) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The group's ARN without the `:*` that DescribeLogGroups appends to `arn`.
fn group_arn(g: &aws_sdk_cloudwatchlogs::types::LogGroup) -> String {
    g.log_group_arn()
        .map(str::to_string)
        .unwrap_or_else(|| g.arn().unwrap_or_default().trim_end_matches(":*").to_string())
}

/// Every log group, or those whose names start with `prefix`.
async fn list(
    client: &Client,
    prefix: Option<&str>,
) -> Result<Vec<aws_sdk_cloudwatchlogs::types::LogGroup>, ProviderError> {
    let mut groups = Vec::new();
    let mut token = None;
    loop {
        let request = client.describe_log_groups().set_log_group_name_prefix(prefix.map(str::to_string));
        let page = request.set_next_token(token).send().await.op("logs:DescribeLogGroups")?;
        groups.extend(page.log_groups().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.log_groups().is_empty() {
            return Ok(groups);
        }
    }
}

async fn tags_of(client: &Client, arn: &str) -> Result<Tags, ProviderError> {
    let out = client.list_tags_for_resource().resource_arn(arn).send().await.op("logs:ListTagsForResource")?;
    Ok(out.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default())
}

fn group_props(resource: &Resource) -> Result<&LogGroup, ProviderError> {
    match &resource.props {
        Props::LogGroup(g) => Ok(g),
        other => Err(ProviderError::permanent("logs", format!("{} is not a log group", other.kind()))),
    }
}

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let g = group_props(resource)?;
    let created = client
        .create_log_group()
        .log_group_name(&g.name)
        .set_kms_key_id(g.kms_key_id.clone())
        .set_tags(Some(g.tags.clone().into_iter().collect()))
        .send()
        .await
        .op("logs:CreateLogGroup");
    let existed = match created {
        Ok(_) => false,
        // A re-run after a crash: converge the group that is already there.
        Err(e) if has_code(&e, &["ResourceAlreadyExistsException"]) => true,
        Err(e) => return Err(e),
    };
    let described =
        client.describe_log_groups().log_group_name_prefix(&g.name).send().await.op("logs:DescribeLogGroups")?;
    let found = described.log_groups().iter().find(|l| l.log_group_name() == Some(g.name.as_str()));
    let arn = found.map(group_arn).unwrap_or_default();
    if existed {
        client
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(g.tags.clone().into_iter().collect()))
            .send()
            .await
            .op("logs:TagResource")?;
        set_kms_key(client, g).await?;
    }
    set_retention(client, g).await?;
    create_streams(client, g, &[]).await?;
    Ok(crate::name_arn_outputs(&g.name, &arn))
}

async fn set_retention(client: &Client, g: &LogGroup) -> Result<(), ProviderError> {
    match g.retention_days {
        Some(days) => {
            client
                .put_retention_policy()
                .log_group_name(&g.name)
                .retention_in_days(days as i32)
                .send()
                .await
                .op("logs:PutRetentionPolicy")?;
        }
        None => {
            client.delete_retention_policy().log_group_name(&g.name).send().await.op("logs:DeleteRetentionPolicy")?;
        }
    }
    Ok(())
}

async fn set_kms_key(client: &Client, g: &LogGroup) -> Result<(), ProviderError> {
    match &g.kms_key_id {
        Some(key) => {
            client
                .associate_kms_key()
                .log_group_name(&g.name)
                .kms_key_id(key)
                .send()
                .await
                .op("logs:AssociateKmsKey")?;
        }
        None => {
            client.disassociate_kms_key().log_group_name(&g.name).send().await.op("logs:DisassociateKmsKey")?;
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
    let g = group_props(desired)?;
    let fields = crate::changed_fields(changes);
    if fields.contains("retention_days") {
        set_retention(client, g).await?;
    }
    if fields.contains("kms_key_id") {
        set_kms_key(client, g).await?;
    }
    if fields.contains("log_streams") {
        let Props::LogGroup(l) = &live.props else { return Err(ProviderError::permanent("logs", "not a log group")) };
        create_streams(client, g, &l.log_streams).await?;
    }
    if fields.contains("tags") {
        let arn = live.outputs.get("arn").cloned().unwrap_or_default();
        crate::retag(
            live.props.tags(),
            &g.tags,
            async |keys| {
                client
                    .untag_resource()
                    .resource_arn(&arn)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .op("logs:UntagResource")
                    .map(drop)
            },
            async |tags| {
                client
                    .tag_resource()
                    .resource_arn(&arn)
                    .set_tags(Some(tags.into_iter().collect()))
                    .send()
                    .await
                    .op("logs:TagResource")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(
        client.delete_log_group().log_group_name(&live.physical_id).send().await.op("logs:DeleteLogGroup"),
        NOT_FOUND,
    )?;
    Ok(())
}

/// What deleting the group would lose: its stored log events (DescribeLogGroups' storedBytes,
/// which AWS updates with some delay). `None` when the group is gone.
pub(crate) async fn data_at_risk(
    client: &Client,
    live: &LiveResource,
) -> Result<Option<bankinfra_model::DataAtRisk>, ProviderError> {
    let name = live.physical_id.as_str();
    let groups = list(client, Some(name)).await?;
    let Some(group) = groups.iter().find(|g| g.log_group_name() == Some(name)) else { return Ok(None) };
    let bytes = group.stored_bytes().unwrap_or(0).max(0) as u64;
    let mut stored = bankinfra_model::DataAtRisk::bytes(bytes, true);
    // storedBytes lags behind recent events: a group with streams is not called empty.
    let streams = client.describe_log_streams().log_group_name(name).limit(1).send().await;
    let has_streams = !streams.op("logs:DescribeLogStreams")?.log_streams().is_empty();
    if bytes == 0 && has_streams {
        stored.push_str(" so far (AWS counts recent events with a delay)");
    }
    Ok(Some(bankinfra_model::DataAtRisk {
        facts: vec![("stored".to_string(), stored)],
        empty: bytes == 0 && !has_streams,
    }))
}
