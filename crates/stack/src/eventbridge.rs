//! The eight system-domain event buses (FR-417): each with its cross-account resource policy,
//! an archive and a KMS-encrypted dead-letter queue for its rules.

use bankinfra_model::props::events::{EventArchive, EventBus};
use bankinfra_model::props::sqs::Queue;
use bankinfra_model::{Address, Kind, Props, Resource};
use serde_json::{Value, json};

use crate::Context;

/// SQS default: how long a data key is reused before KMS is called again (5 minutes).
const DATA_KEY_REUSE_SECONDS: u32 = 300;
const SECONDS_PER_DAY: u32 = 86_400;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let eb = &ctx.specs.stack.eventbridge;
    let mut out = Vec::new();
    for bus in &eb.buses {
        let domain = bus.domain.get_ref();
        let bus_address = Address::new(Kind::EventBus, domain);
        out.push(Resource::new(
            bus_address.clone(),
            Props::EventBus(EventBus {
                name: domain.clone(),
                policy: Some(bus_policy(ctx, domain)),
                tags: ctx.tags(&bus_address),
            }),
        ));
        out.push(Resource::new(
            Address::new(Kind::EventArchive, domain),
            Props::EventArchive(EventArchive {
                name: format!("{domain}-archive"),
                event_source_arn: format!("${{{bus_address}.arn}}"),
                description: format!("{} day archive of {domain} events", eb.archive_retention_days.get_ref()),
                retention_days: *eb.archive_retention_days.get_ref(),
                tags: Default::default(),
            }),
        ));
        let queue_address = Address::new(Kind::SqsQueue, format!("{domain}-dlq"));
        let queue_name = eb.dead_letter_queue_name.replace("{domain}", domain).replace("{stage}", ctx.stage());
        out.push(Resource::new(
            queue_address.clone(),
            Props::SqsQueue(Queue {
                policy: Some(dead_letter_policy(ctx, domain, &queue_name)),
                name: queue_name,
                kms_master_key_id: format!("${{kms_key.{}.arn}}", eb.dead_letter_classification.get_ref()),
                kms_data_key_reuse_period_seconds: DATA_KEY_REUSE_SECONDS,
                message_retention_seconds: eb.dead_letter_retention_days.get_ref() * SECONDS_PER_DAY,
                tags: ctx.tags(&queue_address),
            }),
        ));
    }
    out
}

/// PutEvents for the account itself and for any principal of the organization.
fn bus_policy(ctx: &Context<'_>, domain: &str) -> Value {
    let bus_arn = format!("arn:aws:events:{}:{}:event-bus/{domain}", ctx.region(), ctx.account());
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowAccountPutEvents",
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{}:root", ctx.account())},
                "Action": "events:PutEvents",
                "Resource": bus_arn
            },
            {
                "Sid": "AllowOrganizationPutEvents",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "events:PutEvents",
                "Resource": bus_arn,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ctx.specs.stage.org_id}}
            }
        ]
    })
}

/// EventBridge may deliver failed events from this domain's rules; nothing travels without TLS.
fn dead_letter_policy(ctx: &Context<'_>, domain: &str, queue: &str) -> Value {
    let queue_arn = format!("arn:aws:sqs:{}:{}:{queue}", ctx.region(), ctx.account());
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowEventBridgeDeadLetters",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": format!("arn:aws:events:{}:{}:rule/{domain}/*", ctx.region(), ctx.account())}
                }
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}
            }
        ]
    })
}
