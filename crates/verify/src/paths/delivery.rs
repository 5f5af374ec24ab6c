//! Delivery paths: Firehose into the data lake (FR-420), EventBridge into the dead-letter
//! queues (FR-417), CloudWatch alarms into the encrypted alerts topic (FR-420).

use bankinfra_model::Kind;
use bankinfra_policy::{Principal, Request};
use bankinfra_spec::Specs;

use super::policies::{queue_policy_name, role_arn, session_of};
use super::{Case, DataPath, Row};
use crate::facts::Facts;

const FIREHOSE_ACCESS: &str = "https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html";
/// UploadPart and CompleteMultipartUpload are authorised as `s3:PutObject`; they cannot carry
/// the SSE headers, which CreateMultipartUpload sets for the whole upload. That S3 evaluates
/// them in the upload's SSE context is shown by AWS's own Mountpoint for S3, which writes only
/// through multipart uploads and whose integration test `write_with_sse_settings_test`
/// (awslabs/mountpoint-s3, `mountpoint-s3-fs/tests/fuse_tests/write_test.rs`) expects SSE-KMS
/// writes to succeed under `Deny s3:PutObject` unless `s3:x-amz-server-side-encryption` is
/// `aws:kms`.
const MULTIPART: &str = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions";
const BUCKET_KEY: &str = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html";
const DLQ: &str = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html";
const SQS_KEY: &str = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html#compatibility-with-aws-services";
const SNS_KEY: &str =
    "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services";

/// The stream's bucket name, a batch object in it, and the key its objects are encrypted with.
fn batch(f: &Facts<'_>, stream: &str) -> Result<(String, String, String), String> {
    let (s, _) = f.stream(stream)?;
    let bucket = s.bucket_arn.trim_start_matches("arn:aws:s3:::").to_string();
    let object = format!("{}/{}{}-1-2026-12-02-00-00-00-batch.gz", s.bucket_arn, s.prefix, s.name);
    Ok((bucket, object, s.s3_kms_key_arn.clone()))
}

/// The bucket declared with the name `bucket`.
fn bucket_purpose(f: &Facts<'_>, bucket: &str) -> Result<String, String> {
    f.specs
        .stack
        .storage
        .buckets
        .iter()
        .map(|b| b.purpose.get_ref().clone())
        .find(|p| f.bucket(p).is_ok_and(|(b, _)| b.bucket == bucket))
        .ok_or_else(|| format!("bucket {bucket} is not one of the stack's"))
}

fn firehose(specs: &Specs) -> Vec<DataPath<'_>> {
    let fh = &specs.stack.firehose;
    let lake = specs.stack.storage.bucket_name.replace("{purpose}", fh.bucket.get_ref());
    let session = "session of the Firehose role";
    let mut out = vec![
        Row::new("FR-420", "Firehose assumes its delivery role", FIREHOSE_ACCESS)
            .call("firehose.amazonaws.com", "sts:AssumeRole", "role {firehose role}")
            .context("sts:ExternalId = {account}")
            .build(|f| {
                let request = Request::new(
                    Principal::service("firehose.amazonaws.com"),
                    "sts:AssumeRole",
                    &role_arn(f, "firehose")?,
                )
                .with("sts:ExternalId", f.specs.stage.account_id.as_str());
                Case::new(request).trust_policy(f, "firehose")
            }),
    ];
    for stream in &fh.streams {
        let key = stream.key.get_ref().as_str();
        let name = stream.name.get_ref();
        out.push(
            Row::new("FR-420", format!("{name} writes a batch into the data lake (PutObject, or CreateMultipartUpload, UploadPart and CompleteMultipartUpload in the upload's SSE context)"), MULTIPART)
                .call(session, "s3:PutObject", format!("{lake}/{}...", stream.prefix.get_ref()))
                .context("SSE-KMS with the stream's key (named); aws:SecureTransport = true")
                .build(move |f| {
                    let (bucket, object, sse_key) = batch(f, key)?;
                    let request = Request::new(session_of(f, "firehose", "FirehoseDelivery")?, "s3:PutObject", &object)
                        .with("s3:x-amz-server-side-encryption", "aws:kms")
                        .with("s3:x-amz-server-side-encryption-aws-kms-key-id", sse_key)
                        .with("aws:SecureTransport", "true");
                    Case::new(request).role_identity(f, "firehose")?.bucket_policy(f, &bucket_purpose(f, &bucket)?)
                }),
        );
        out.push(
            Row::new("FR-420", format!("{name} aborts a failed multipart upload"), MULTIPART)
                .call(session, "s3:AbortMultipartUpload", format!("{lake}/{}...", stream.prefix.get_ref()))
                .context("aws:SecureTransport = true")
                .build(move |f| {
                    let (bucket, object, _) = batch(f, key)?;
                    let request = Request::new(
                        session_of(f, "firehose", "FirehoseDelivery")?,
                        "s3:AbortMultipartUpload",
                        &object,
                    )
                    .with("aws:SecureTransport", "true");
                    Case::new(request).role_identity(f, "firehose")?.bucket_policy(f, &bucket_purpose(f, &bucket)?)
                }),
        );
        for action in ["kms:GenerateDataKey", "kms:Decrypt"] {
            out.push(
                Row::new("FR-420", format!("{name}: S3 uses the data lake's key for the Firehose role ({action})"), BUCKET_KEY)
                    .call(session, action, "the stream's S3 key")
                    .context("kms:ViaService = s3.{region}.amazonaws.com; kms:EncryptionContext:aws:s3:arn = the bucket's ARN (S3 Bucket Key; the object's ARN without one)")
                    .build(move |f| {
                        let (bucket, object, sse_key) = batch(f, key)?;
                        let (b, _) = f.bucket(&bucket_purpose(f, &bucket)?)?;
                        let context_arn = if b.bucket_key_enabled { format!("arn:aws:s3:::{bucket}") } else { object };
                        let request = Request::new(session_of(f, "firehose", "FirehoseDelivery")?, action, &sse_key)
                            .with("kms:ViaService", format!("s3.{}.amazonaws.com", f.specs.stage.region))
                            .with("kms:EncryptionContext:aws:s3:arn", context_arn);
                        Case::new(request).role_identity(f, "firehose")?.key_policy(f, &sse_key)
                    }),
            );
        }
        out.push(
            Row::new("FR-420", format!("{name} logs delivery errors"), FIREHOSE_ACCESS)
                .call(session, "logs:PutLogEvents", "the Firehose log group's delivery stream")
                .build(move |f| {
                    let (s, _) = f.stream(key)?;
                    let stream = format!(
                        "arn:aws:logs:{}:{}:log-group:{}:log-stream:{}",
                        f.specs.stage.region, f.specs.stage.account_id, s.log_group, s.log_stream
                    );
                    let request =
                        Request::new(session_of(f, "firehose", "FirehoseDelivery")?, "logs:PutLogEvents", &stream);
                    Case::new(request).role_identity(f, "firehose")
                }),
        );
    }
    out
}

fn dead_letters(specs: &Specs) -> Vec<DataPath<'_>> {
    let mut out = Vec::new();
    for bus in &specs.stack.eventbridge.buses {
        let domain = bus.domain.get_ref().as_str();
        let queue = specs.stack.eventbridge.dead_letter_queue_name.replace("{domain}", domain);
        out.push(
            Row::new(
                "FR-417",
                format!("EventBridge sends an undeliverable {domain} event to its dead-letter queue"),
                DLQ,
            )
            .call("events.amazonaws.com", "sqs:SendMessage", queue.clone())
            .context(format!("aws:SourceArn = a rule of bus {domain}; aws:SecureTransport = true"))
            .build(move |f| {
                let (q, _) = f.queue(&format!("{domain}-dlq"))?;
                let arn = f.output(Kind::SqsQueue, &format!("{domain}-dlq"), "arn")?;
                let rule = format!(
                    "arn:aws:events:{}:{}:rule/{domain}/{domain}-handler",
                    f.specs.stage.region, f.specs.stage.account_id
                );
                let request = Request::new(Principal::service("events.amazonaws.com"), "sqs:SendMessage", &arn)
                    .with("aws:SourceArn", rule)
                    .with("aws:SourceAccount", f.specs.stage.account_id.as_str())
                    .with("aws:SecureTransport", "true");
                let policy = q.policy.clone().ok_or_else(|| format!("queue {} has no policy", q.name))?;
                Case::new(request).resource(&queue_policy_name(&q.name), &policy)
            }),
        );
        out.push(
            Row::new(
                "FR-417",
                format!("SQS encrypts {domain}'s dead letters with the queue's key for EventBridge"),
                SQS_KEY,
            )
            .call("events.amazonaws.com", "kms:GenerateDataKey", format!("the key of {queue}"))
            .context("kms:EncryptionContext:aws:sqs:arn = the queue's ARN")
            .build(move |f| {
                let (q, _) = f.queue(&format!("{domain}-dlq"))?;
                let arn = f.output(Kind::SqsQueue, &format!("{domain}-dlq"), "arn")?;
                let request = Request::new(
                    Principal::service("events.amazonaws.com"),
                    "kms:GenerateDataKey",
                    &q.kms_master_key_id,
                )
                .with("kms:EncryptionContext:aws:sqs:arn", arn);
                Case::new(request).key_policy(f, &q.kms_master_key_id)
            }),
        );
    }
    out
}

fn alarms() -> Vec<DataPath<'static>> {
    ["kms:GenerateDataKey", "kms:Decrypt"]
        .into_iter()
        .map(|action| {
            Row::new("FR-420", format!("CloudWatch alarms publish to the encrypted alerts topic ({action})"), SNS_KEY)
                .call("cloudwatch.amazonaws.com", action, "the alerts topic's key")
                .build(move |f| {
                    let (t, _) = f.topic("alerts")?;
                    let request =
                        Request::new(Principal::service("cloudwatch.amazonaws.com"), action, &t.kms_master_key_id);
                    Case::new(request).key_policy(f, &t.kms_master_key_id)
                })
        })
        .collect()
}

pub(crate) fn paths(specs: &Specs) -> Vec<DataPath<'_>> {
    let mut out = firehose(specs);
    out.extend(dead_letters(specs));
    out.extend(alarms());
    out
}
