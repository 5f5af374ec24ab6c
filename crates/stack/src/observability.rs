//! Observability: the shared infrastructure log group, the alerts topic and the default X-Ray
//! sampling rule, encrypted with the observability classification key.

use bankinfra_model::props::logs::LogGroup;
use bankinfra_model::props::sns::Topic;
use bankinfra_model::props::xray::SamplingRule;
use bankinfra_model::{Address, Kind, Props, Resource};

use crate::Context;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let obs = &ctx.specs.stack.observability;
    let key = format!("${{kms_key.{}.arn}}", obs.classification.get_ref());
    let group = Address::new(Kind::LogGroup, "bank-platform");
    let topic = Address::new(Kind::SnsTopic, "alerts");
    let rule = Address::new(Kind::XraySamplingRule, "default");
    vec![
        Resource::new(
            group.clone(),
            Props::LogGroup(LogGroup {
                name: ctx.staged(&obs.log_group),
                retention_days: Some(*obs.log_retention_days.get_ref()),
                kms_key_id: Some(key.clone()),
                log_streams: Vec::new(),
                tags: ctx.tags(&group),
            }),
        ),
        Resource::new(
            topic.clone(),
            Props::SnsTopic(Topic {
                name: ctx.staged(&obs.alerts_topic),
                display_name: format!("bank-platform alerts ({})", ctx.stage()),
                kms_master_key_id: key,
                tags: ctx.tags(&topic),
            }),
        ),
        Resource::new(
            rule.clone(),
            Props::XraySamplingRule(SamplingRule {
                name: ctx.staged(obs.sampling_rule.get_ref()),
                priority: *obs.sampling_priority.get_ref(),
                fixed_rate: *obs.sampling_fixed_rate.get_ref(),
                reservoir_size: obs.sampling_reservoir_size,
                service_name: "*".into(),
                service_type: "*".into(),
                host: "*".into(),
                http_method: "*".into(),
                url_path: "*".into(),
                resource_arn: "*".into(),
                tags: ctx.tags(&rule),
            }),
        ),
    ]
}
