//! The seven buckets (FR-418): SSE-KMS with the classification key, versioning, all four
//! public-access-block flags, the TLS/encryption deny statements, lifecycle and Object Lock.

use bankinfra_model::props::s3::{Bucket, DefaultRetention, LifecycleRule, PublicAccessBlock, Transition};
use bankinfra_model::{Address, Kind, Props, Resource};
use bankinfra_spec::BucketSpec;
use serde_json::{Value, json};

use crate::Context;

/// Incomplete multipart uploads are cleaned up after this many days on every lifecycle rule.
const ABORT_MULTIPART_DAYS: u32 = 7;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let storage = &ctx.specs.stack.storage;
    storage
        .buckets
        .iter()
        .map(|b| {
            let purpose = b.purpose.get_ref();
            let address = Address::new(Kind::S3Bucket, purpose);
            let name = storage.bucket_name.replace("{purpose}", purpose).replace("{stage}", ctx.stage());
            let key_arn = format!("${{kms_key.{}.arn}}", b.classification);
            Resource::new(
                address.clone(),
                Props::S3Bucket(Bucket {
                    policy: bucket_policy(ctx, &name, &key_arn, b),
                    bucket: name,
                    kms_key_arn: key_arn,
                    bucket_key_enabled: true,
                    versioning: "Enabled".into(),
                    public_access_block: PublicAccessBlock::ALL,
                    lifecycle_rules: lifecycle(b),
                    object_lock_enabled: b.object_lock.is_some(),
                    object_lock_retention: b
                        .object_lock
                        .as_ref()
                        .map(|l| DefaultRetention { mode: l.mode.get_ref().clone(), years: *l.years.get_ref() }),
                    tags: ctx.tags(&address),
                }),
            )
        })
        .collect()
}

fn lifecycle(b: &BucketSpec) -> Vec<LifecycleRule> {
    let glacier = b.lifecycle.glacier_after_days.as_ref().map(|d| *d.get_ref());
    let expire = b.lifecycle.expire_after_days.as_ref().map(|d| *d.get_ref());
    if glacier.is_none() && expire.is_none() {
        return Vec::new();
    }
    vec![LifecycleRule {
        id: "retention".into(),
        enabled: true,
        transitions: glacier.map(|days| Transition { days, storage_class: "GLACIER".into() }).into_iter().collect(),
        expiration_days: expire,
        // Versioned buckets keep old versions after expiry; they go after the same period.
        noncurrent_version_expiration_days: expire,
        abort_incomplete_multipart_upload_days: Some(ABORT_MULTIPART_DAYS),
    }]
}

/// SSL-only, DenyUnencryptedPut, DenyIncorrectEncryption and DenyWrongKmsKey for every bucket;
/// the explicit delete deny and CloudTrail delivery where the spec asks for them.
///
/// DenyUnencryptedPut catches a PUT without an SSE header, DenyIncorrectEncryption a header
/// other than `aws:kms`, DenyWrongKmsKey any key but the bucket's: a PUT that asks for `aws:kms`
/// without naming a key is encrypted with the AWS managed key `aws/s3` (S3 User Guide,
/// "Specifying server-side encryption with AWS KMS",
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html), so the
/// `...IfExists` operator, true when the key is absent (IAM User Guide, "...IfExists condition
/// operators"), rightly denies it too. Multipart uploads carry the headers on
/// CreateMultipartUpload only; UploadPart and CompleteMultipartUpload are authorised as
/// `s3:PutObject` in the upload's context (see `docs/data-paths.md`).
fn bucket_policy(ctx: &Context<'_>, name: &str, key_arn: &str, b: &BucketSpec) -> Value {
    let bucket_arn = format!("arn:aws:s3:::{name}");
    let objects = format!("{bucket_arn}/*");
    let mut statements = vec![
        json!({
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, objects],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }),
        json!({
            "Sid": "DenyUnencryptedPut",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}
        }),
        json!({
            "Sid": "DenyIncorrectEncryption",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {
                "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                "Null": {"s3:x-amz-server-side-encryption": "false"}
            }
        }),
        json!({
            "Sid": "DenyWrongKmsKey",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}}
        }),
    ];
    if b.deny_object_delete {
        statements.push(json!({
            "Sid": "DenyObjectDelete",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            "Resource": objects
        }));
    }
    if let Some(trail) = &b.cloudtrail_delivery {
        let (account, region) = (ctx.account(), ctx.region());
        let trail_arn = format!("arn:aws:cloudtrail:{region}:{account}:trail/{trail}");
        statements.push(json!({
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}
        }));
        statements.push(json!({
            "Sid": "AWSCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": format!("{bucket_arn}/AWSLogs/{account}/*"),
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}}
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}
