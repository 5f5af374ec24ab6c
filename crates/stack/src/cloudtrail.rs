//! CloudTrail (FR-420, GOV-006): the multi-region trail into the Object-Locked trail bucket and
//! a CloudWatch Logs group, with the role CloudTrail writes to the group with.

use std::collections::BTreeMap;

use bankinfra_model::props::cloudtrail::Trail;
use bankinfra_model::props::iam::Role;
use bankinfra_model::props::logs::LogGroup;
use bankinfra_model::{Address, Kind, Props, Resource};
use serde_json::json;

use crate::Context;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let spec = &ctx.specs.stack.cloudtrail;
    let key = format!("${{kms_key.{}.arn}}", spec.classification.get_ref());
    let group = Address::new(Kind::LogGroup, "cloudtrail");
    let role = Address::new(Kind::IamRole, "cloudtrail-logs");
    let trail = Address::new(Kind::CloudTrailTrail, spec.name.get_ref());
    vec![
        Resource::new(
            group.clone(),
            Props::LogGroup(LogGroup {
                name: ctx.staged(&spec.log_group),
                retention_days: Some(*spec.log_retention_days.get_ref()),
                kms_key_id: Some(key.clone()),
                log_streams: Vec::new(),
                tags: ctx.tags(&group),
            }),
        ),
        Resource::new(
            role.clone(),
            Props::IamRole(Role {
                name: ctx.staged(&spec.logs_role),
                description: format!("CloudTrail {} delivery to CloudWatch Logs", spec.name.get_ref()),
                assume_role_policy: json!({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "CloudTrailOfThisAccount",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account()}}
                    }]
                }),
                max_session_duration: 3600,
                managed_policy_arns: Vec::new(),
                // CloudTrail writes with a session of this role, whose requests carry no
                // aws:SourceArn (bankinfra_policy::SERVICE_PRINCIPAL_ONLY_KEYS): the role is
                // scoped by its trust policy instead, as AWS's documented policy for it is
                // (CloudTrail User Guide, "Sending events to CloudWatch Logs",
                // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html).
                inline_policies: BTreeMap::from([(
                    "cloudtrail-to-cloudwatch-logs".to_string(),
                    json!({
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "DeliverTrailEvents",
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": format!("${{{group}.arn}}:log-stream:*")
                        }]
                    }),
                )]),
                tags: ctx.tags(&role),
            }),
        ),
        Resource::new(
            trail.clone(),
            Props::CloudTrailTrail(Trail {
                name: spec.name.get_ref().clone(),
                s3_bucket_name: format!("${{s3_bucket.{}.name}}", spec.bucket.get_ref()),
                kms_key_id: key,
                is_multi_region_trail: true,
                include_global_service_events: true,
                enable_log_file_validation: true,
                cloud_watch_logs_log_group_arn: format!("${{{group}.arn}}:*"),
                cloud_watch_logs_role_arn: format!("${{{role}.arn}}"),
                management_events: "All".into(),
                s3_data_events: vec!["arn:aws:s3".into()],
                logging: true,
                tags: ctx.tags(&trail),
            }),
        ),
    ]
}
