//! Firehose (FR-420): the CDC and usage delivery streams into the data lake, the role they
//! write with, and the log group their delivery errors go to.

use std::collections::BTreeMap;

use bankinfra_model::props::firehose::DeliveryStream;
use bankinfra_model::props::iam::Role;
use bankinfra_model::props::logs::LogGroup;
use bankinfra_model::{Address, Kind, Props, Resource};
use serde_json::json;

use crate::Context;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let fh = &ctx.specs.stack.firehose;
    let (region, account) = (ctx.region(), ctx.account());
    let key = format!("${{kms_key.{}.arn}}", fh.classification.get_ref());
    let bucket = format!("${{s3_bucket.{}.arn}}", fh.bucket.get_ref());
    let group = Address::new(Kind::LogGroup, "firehose");
    let role = Address::new(Kind::IamRole, "firehose");
    let group_name = ctx.staged(&fh.log_group);
    let log_stream = |name: &str| format!("{name}-delivery");

    let mut out = vec![Resource::new(
        group.clone(),
        Props::LogGroup(LogGroup {
            name: group_name.clone(),
            retention_days: Some(*fh.log_retention_days.get_ref()),
            kms_key_id: Some(format!("${{kms_key.{}.arn}}", ctx.specs.stack.observability.classification.get_ref())),
            log_streams: fh.streams.iter().map(|s| log_stream(s.name.get_ref())).collect(),
            tags: ctx.tags(&group),
        }),
    )];
    let stream_arns: Vec<String> = fh
        .streams
        .iter()
        .map(|s| format!("arn:aws:firehose:{region}:{account}:deliverystream/{}", s.name.get_ref()))
        .collect();
    out.push(Resource::new(
        role.clone(),
        Props::IamRole(Role {
            name: ctx.staged(&fh.role),
            description: "Kinesis Data Firehose delivery into the data lake".into(),
            assume_role_policy: json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "FirehoseOfThisAccount",
                    "Effect": "Allow",
                    "Principal": {"Service": "firehose.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": account}}
                }]
            }),
            max_session_duration: 3600,
            managed_policy_arns: Vec::new(),
            inline_policies: BTreeMap::from([(
                "firehose-delivery".to_string(),
                json!({
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "WriteDataLake",
                            "Effect": "Allow",
                            "Action": [
                                "s3:AbortMultipartUpload",
                                "s3:GetBucketLocation",
                                "s3:GetObject",
                                "s3:ListBucket",
                                "s3:ListBucketMultipartUploads",
                                "s3:PutObject"
                            ],
                            "Resource": [bucket.clone(), format!("{bucket}/*")]
                        },
                        // The data lake uses S3 Bucket Keys, so S3 asks KMS with the bucket's
                        // ARN as encryption context, not the object's (S3 User Guide,
                        // "Changes to note before enabling an S3 Bucket Key",
                        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html).
                        {
                            "Sid": "EncryptObjects",
                            "Effect": "Allow",
                            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                            "Resource": key.clone(),
                            "Condition": {
                                "StringEquals": {
                                    "kms:ViaService": format!("s3.{region}.amazonaws.com"),
                                    "kms:EncryptionContext:aws:s3:arn": bucket.clone()
                                }
                            }
                        },
                        {
                            "Sid": "LogDeliveryErrors",
                            "Effect": "Allow",
                            "Action": "logs:PutLogEvents",
                            "Resource": format!("arn:aws:logs:{region}:{account}:log-group:{group_name}:log-stream:*")
                        },
                        {
                            "Sid": "OwnStreams",
                            "Effect": "Allow",
                            "Action": ["firehose:DescribeDeliveryStream", "firehose:PutRecord", "firehose:PutRecordBatch"],
                            "Resource": stream_arns
                        }
                    ]
                }),
            )]),
            tags: ctx.tags(&role),
        }),
    ));
    for s in &fh.streams {
        let address = Address::new(Kind::FirehoseStream, s.key.get_ref());
        out.push(Resource::new(
            address.clone(),
            Props::FirehoseStream(DeliveryStream {
                name: s.name.get_ref().clone(),
                stream_kms_key_arn: key.clone(),
                role_arn: format!("${{{role}.arn}}"),
                bucket_arn: bucket.clone(),
                prefix: s.prefix.get_ref().clone(),
                error_output_prefix: s.error_output_prefix.get_ref().clone(),
                buffer_size_mb: *fh.buffer_size_mb.get_ref(),
                buffer_interval_seconds: *fh.buffer_interval_seconds.get_ref(),
                compression: fh.compression.get_ref().clone(),
                s3_kms_key_arn: key.clone(),
                log_group: format!("${{{group}.name}}"),
                log_stream: log_stream(s.name.get_ref()),
                tags: ctx.tags(&address),
            }),
        ));
    }
    out
}
