//! `xray_sampling_rule`: a sampling rule. Name-addressed: GetSamplingRules returns every rule,
//! tags say whether it is ours. The built-in `Default` rule is never ours.

use aws_sdk_xray::Client;
use aws_sdk_xray::types::{SamplingRule as SdkRule, SamplingRuleUpdate, Tag};
use bankinfra_model::props::xray::SamplingRule;
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, Tags};
use futures_util::future::try_join_all;

use crate::error::{OrProviderError, absent_if, has_code};

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];
/// The only rule version X-Ray accepts.
const VERSION: i32 = 1;

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::XraySamplingRule(s) => Some(&s.name),
        _ => None,
    });
    let rules = list(client).await?;
    let reads = rules.into_iter().filter(|r| r.rule_name() != Some("Default")).map(|rule| {
        let declared = &declared;
        async move {
            let (Some(name), Some(arn)) = (rule.rule_name(), rule.rule_arn()) else { return Ok(None) };
            let Some(tags) = absent_if(tags_of(client, arn).await, NOT_FOUND)? else { return Ok(None) };
            let Some(address) = crate::name_addressed(name, declared, &tags, ownership, Kind::XraySamplingRule) else {
                return Ok(None);
            };
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: crate::name_arn_outputs(name, arn),
                physical_id: name.to_string(),
                props: Props::XraySamplingRule(SamplingRule {
                    name: name.to_string(),
                    priority: rule.priority().max(0) as u32,
                    fixed_rate: rule.fixed_rate(),
                    reservoir_size: rule.reservoir_size().max(0) as u32,
                    service_name: rule.service_name().to_string(),
                    service_type: rule.service_type().to_string(),
                    host: rule.host().to_string(),
                    http_method: rule.http_method().to_string(),
                    url_path: rule.url_path().to_string(),
                    resource_arn: rule.resource_arn().to_string(),
                    tags,
                }),
            }))
        }
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

async fn list(client: &Client) -> Result<Vec<SdkRule>, ProviderError> {
    let mut rules = Vec::new();
    let mut token = None;
    loop {
        let page = client.get_sampling_rules().set_next_token(token).send().await.op("xray:GetSamplingRules")?;
        rules.extend(page.sampling_rule_records().iter().filter_map(|r| r.sampling_rule().cloned()));
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.sampling_rule_records().is_empty() {
            return Ok(rules);
        }
    }
}

async fn tags_of(client: &Client, arn: &str) -> Result<Tags, ProviderError> {
    let out = client.list_tags_for_resource().resource_arn(arn).send().await.op("xray:ListTagsForResource")?;
    Ok(out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
}

fn rule_props(resource: &Resource) -> Result<&SamplingRule, ProviderError> {
    match &resource.props {
        Props::XraySamplingRule(r) => Ok(r),
        other => Err(ProviderError::permanent("xray", format!("{} is not a sampling rule", other.kind()))),
    }
}

crate::sdk_tags!(Tag, "xray:Tag");

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let r = rule_props(resource)?;
    let rule = SdkRule::builder()
        .rule_name(&r.name)
        .priority(r.priority as i32)
        .fixed_rate(r.fixed_rate)
        .reservoir_size(r.reservoir_size as i32)
        .service_name(&r.service_name)
        .service_type(&r.service_type)
        .host(&r.host)
        .http_method(&r.http_method)
        .url_path(&r.url_path)
        .resource_arn(&r.resource_arn)
        .version(VERSION)
        .build()
        .map_err(|e| ProviderError::permanent("xray:CreateSamplingRule", e.to_string()))?;
    let created = client
        .create_sampling_rule()
        .sampling_rule(rule)
        .set_tags(Some(sdk_tags(&r.tags)?))
        .send()
        .await
        .op("xray:CreateSamplingRule");
    let arn = match created {
        Ok(out) => out
            .sampling_rule_record()
            .and_then(|s| s.sampling_rule())
            .and_then(|s| s.rule_arn())
            .unwrap_or_default()
            .to_string(),
        // A re-run after a crash: converge the rule that is already there.
        Err(e) if has_code(&e, &["InvalidRequestException"]) && e.message.contains("already exists") => {
            let arn = update_rule(client, r).await?;
            client
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(sdk_tags(&r.tags)?))
                .send()
                .await
                .op("xray:TagResource")?;
            arn
        }
        Err(e) => return Err(e),
    };
    Ok(crate::name_arn_outputs(&r.name, &arn))
}

async fn update_rule(client: &Client, r: &SamplingRule) -> Result<String, ProviderError> {
    let update = SamplingRuleUpdate::builder()
        .rule_name(&r.name)
        .priority(r.priority as i32)
        .fixed_rate(r.fixed_rate)
        .reservoir_size(r.reservoir_size as i32)
        .service_name(&r.service_name)
        .service_type(&r.service_type)
        .host(&r.host)
        .http_method(&r.http_method)
        .url_path(&r.url_path)
        .resource_arn(&r.resource_arn)
        .build();
    let out = client.update_sampling_rule().sampling_rule_update(update).send().await.op("xray:UpdateSamplingRule")?;
    Ok(out
        .sampling_rule_record()
        .and_then(|s| s.sampling_rule())
        .and_then(|s| s.rule_arn())
        .unwrap_or_default()
        .to_string())
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let r = rule_props(desired)?;
    let fields = crate::changed_fields(changes);
    if fields.iter().any(|f| *f != "tags") {
        update_rule(client, r).await?;
    }
    if fields.contains("tags") {
        let arn = live.outputs.get("arn").cloned().unwrap_or_default();
        crate::retag(
            live.props.tags(),
            &r.tags,
            async |keys| {
                client
                    .untag_resource()
                    .resource_arn(&arn)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .op("xray:UntagResource")
                    .map(drop)
            },
            async |tags| {
                client
                    .tag_resource()
                    .resource_arn(&arn)
                    .set_tags(Some(sdk_tags(&tags)?))
                    .send()
                    .await
                    .op("xray:TagResource")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    let deleted = client.delete_sampling_rule().rule_name(&live.physical_id).send().await.op("xray:DeleteSamplingRule");
    match deleted {
        Ok(_) => Ok(()),
        Err(e) if has_code(&e, &["InvalidRequestException"]) && e.message.contains("not found") => Ok(()),
        Err(e) => Err(e),
    }
}
