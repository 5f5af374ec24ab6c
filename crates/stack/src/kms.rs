//! The three classification CMKs (FR-419) with aliases, annual rotation and key policies.

use bankinfra_model::props::kms::Key;
use bankinfra_model::{Address, Kind, Props, Resource};
use serde_json::{Value, json};

use crate::Context;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    ctx.specs
        .stack
        .kms
        .keys
        .iter()
        .map(|k| {
            let class = k.classification.get_ref().as_str();
            let address = Address::new(Kind::KmsKey, class);
            let services: Vec<&str> = k.service_principals.iter().map(|s| s.get_ref().as_str()).collect();
            Resource::new(
                address.clone(),
                Props::KmsKey(Key {
                    alias: format!("alias/bank/{class}"),
                    description: k.description.clone(),
                    key_usage: "ENCRYPT_DECRYPT".into(),
                    key_spec: "SYMMETRIC_DEFAULT".into(),
                    enabled: true,
                    rotation_period_days: Some(*k.rotation_period_days.get_ref()),
                    policy: key_policy(ctx, class, &services),
                    tags: ctx.tags(&address),
                }),
            )
        })
        .collect()
}

/// Root-account administration, plus use by the listed AWS services scoped to this account.
fn key_policy(ctx: &Context<'_>, class: &str, services: &[&str]) -> Value {
    let (account, region) = (ctx.account(), ctx.region());
    let mut statements = vec![json!({
        "Sid": "EnableRootAccountPermissions",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
        "Action": "kms:*",
        "Resource": "*"
    })];
    for service in services {
        statements.extend(match *service {
            "cloudtrail" => vec![
                json!({
                    "Sid": "AllowCloudTrailEncryptLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:GenerateDataKey*",
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": format!("arn:aws:cloudtrail:*:{account}:trail/*")}
                    }
                }),
                // The trail bucket uses an S3 Bucket Key: "kms:Decrypt permissions are required
                // to create or update a trail with SSE-KMS encryption enabled" (CloudTrail User
                // Guide, "Configure AWS KMS key policies for CloudTrail",
                // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).
                json!({
                    "Sid": "AllowCloudTrailDecryptWithBucketKey",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:Decrypt",
                    "Resource": "*"
                }),
                json!({
                    "Sid": "AllowCloudTrailDescribeKey",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:DescribeKey",
                    "Resource": "*"
                }),
            ],
            "logs" => vec![json!({
                "Sid": "AllowCloudWatchLogs",
                "Effect": "Allow",
                "Principal": {"Service": format!("logs.{region}.amazonaws.com")},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": format!("arn:aws:logs:{region}:{account}:*")}}
            })],
            "sns" => vec![json!({
                "Sid": "AllowSnsTopicEncryption",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}}
            })],
            // EventBridge writes undeliverable events into the KMS-encrypted dead-letter queues.
            // AWS documents this statement without a condition (SQS Developer Guide, "Enable
            // compatibility between event sources from AWS services and encrypted queues",
            // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html#compatibility-with-aws-services)
            // and documents no aws:SourceAccount on the KMS call SQS makes for it; which rules
            // may send is the queue policy's aws:SourceArn condition.
            "events" => vec![json!({
                "Sid": "AllowEventBridgeDeadLetterQueues",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*"
            })],
            // CloudWatch alarms publish to the encrypted alerts topic as this service, which
            // needs the key (SNS Developer Guide, "Enabling compatibility between event sources
            // from AWS services and encrypted topics",
            // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
            "cloudwatch" => vec![json!({
                "Sid": "AllowCloudWatchAlarmsToEncryptedTopics",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*"
            })],
            // The spec loader accepts only the services above.
            _ => Vec::new(),
        });
    }
    json!({"Version": "2012-10-17", "Id": format!("bank-{class}-key-policy"), "Statement": statements})
}
