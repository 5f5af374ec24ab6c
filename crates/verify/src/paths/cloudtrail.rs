//! CloudTrail's paths (FR-420, GOV-006): the trail bucket and key, the CloudWatch Logs role and
//! its group, and the log groups' use of their keys.

use bankinfra_model::Kind;
use bankinfra_policy::{Principal, Request};
use bankinfra_spec::Specs;

use super::policies::{role_arn, session_of};
use super::{Case, DataPath, Row};
use crate::facts::Facts;

const BUCKET_POLICY: &str =
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html";
const KEY_POLICY: &str =
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html";
const LOGS_ROLE: &str =
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html";
const LOGS_TRUST: &str =
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html";
const CONFUSED_DEPUTY: &str =
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cross-service-confused-deputy-prevention.html";
const LOGS_KEY: &str = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html";
/// Another account, for the negative path.
const STRANGER: &str = "999988887777";
const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";

/// The trail's name, ARN and the ARN of the key it encrypts with, from live state.
fn trail(f: &Facts<'_>) -> Result<(String, String, String), String> {
    let (t, _) = f.trail(f.specs.stack.cloudtrail.name.get_ref())?;
    let arn = format!("arn:aws:cloudtrail:{}:{}:trail/{}", f.specs.stage.region, f.specs.stage.account_id, t.name);
    Ok((t.name.clone(), arn, t.kms_key_id.clone()))
}

/// A PutObject of a log file as CloudTrail of `account` sends it.
fn log_file(f: &Facts<'_>, account: &str) -> Result<Request, String> {
    let (b, _) = f.bucket(f.specs.stack.cloudtrail.bucket.get_ref())?;
    let (name, _, key) = trail(f)?;
    let region = &f.specs.stage.region;
    let object = format!(
        "arn:aws:s3:::{}/AWSLogs/{account}/CloudTrail/{region}/2026/12/02/{account}_CloudTrail_{region}_20261202T0000Z_log.json.gz",
        b.bucket
    );
    Ok(Request::new(Principal::service(CLOUDTRAIL), "s3:PutObject", &object)
        .with("aws:SourceArn", format!("arn:aws:cloudtrail:{region}:{account}:trail/{name}"))
        .with("aws:SourceAccount", account)
        .with("s3:x-amz-acl", "bucket-owner-full-control")
        .with("s3:x-amz-server-side-encryption", "aws:kms")
        .with("s3:x-amz-server-side-encryption-aws-kms-key-id", key)
        .with("aws:SecureTransport", "true"))
}

/// A call of CloudTrail itself on the trail's key.
fn on_trail_key(f: &Facts<'_>, action: &str, context: bool) -> Result<Case, String> {
    let (_, arn, key) = trail(f)?;
    let mut request = Request::new(Principal::service(CLOUDTRAIL), action, &key)
        .with("aws:SourceArn", arn.as_str())
        .with("aws:SourceAccount", f.specs.stage.account_id.as_str());
    if context {
        request = request.with("kms:EncryptionContext:aws:cloudtrail:arn", arn.as_str());
    }
    Case::new(request).key_policy(f, &key)
}

/// The trail's log stream in its CloudWatch Logs group (`{account}_CloudTrail_{region}`).
fn log_stream(f: &Facts<'_>) -> Result<String, String> {
    let group = f.output(Kind::LogGroup, "cloudtrail", "arn")?;
    Ok(format!("{group}:log-stream:{}_CloudTrail_{}", f.specs.stage.account_id, f.specs.stage.region))
}

pub(crate) fn paths(specs: &Specs) -> Vec<DataPath<'_>> {
    let bucket = specs.stack.storage.bucket_name.replace("{purpose}", specs.stack.cloudtrail.bucket.get_ref());
    let trail_ctx = "aws:SourceArn = the trail's ARN; aws:SourceAccount = {account}";
    let bucket_purpose = specs.stack.cloudtrail.bucket.get_ref().clone();
    let mut out = vec![
        Row::new("GOV-006", "CloudTrail checks the trail bucket's ACL", BUCKET_POLICY)
            .call(CLOUDTRAIL, "s3:GetBucketAcl", bucket.clone())
            .context(format!("{trail_ctx}; aws:SecureTransport = true"))
            .build(|f| {
                let (_, arn, _) = trail(f)?;
                let (b, _) = f.bucket(f.specs.stack.cloudtrail.bucket.get_ref())?;
                let request =
                    Request::new(Principal::service(CLOUDTRAIL), "s3:GetBucketAcl", &format!("arn:aws:s3:::{}", b.bucket))
                        .with("aws:SourceArn", arn)
                        .with("aws:SourceAccount", f.specs.stage.account_id.as_str())
                        .with("aws:SecureTransport", "true");
                Case::new(request).bucket_policy(f, f.specs.stack.cloudtrail.bucket.get_ref())
            }),
        Row::new("GOV-006", "CloudTrail writes a log file into the trail bucket", BUCKET_POLICY)
            .call(CLOUDTRAIL, "s3:PutObject", format!("{bucket}/AWSLogs/{{account}}/CloudTrail/..."))
            .context(format!(
                "{trail_ctx}; s3:x-amz-acl = bucket-owner-full-control; SSE-KMS with the trail's key; aws:SecureTransport = true"
            ))
            .build(move |f| Case::new(log_file(f, &f.specs.stage.account_id)?).bucket_policy(f, &bucket_purpose)),
        Row::new("GOV-006", "CloudTrail encrypts log files with the trail key", KEY_POLICY)
            .call(CLOUDTRAIL, "kms:GenerateDataKey", "the trail's key")
            .context(format!("{trail_ctx}; kms:EncryptionContext:aws:cloudtrail:arn = the trail's ARN"))
            .build(|f| on_trail_key(f, "kms:GenerateDataKey", true)),
        Row::new("GOV-006", "CloudTrail decrypts with the trail key (the trail bucket uses an S3 Bucket Key)", KEY_POLICY)
            .call(CLOUDTRAIL, "kms:Decrypt", "the trail's key")
            .context(trail_ctx)
            .build(|f| on_trail_key(f, "kms:Decrypt", false)),
        Row::new("GOV-006", "CloudTrail describes the trail key", KEY_POLICY)
            .call(CLOUDTRAIL, "kms:DescribeKey", "the trail's key")
            .context(trail_ctx)
            .build(|f| on_trail_key(f, "kms:DescribeKey", false)),
        Row::new("GOV-006", "another account's CloudTrail writes into the trail bucket", CONFUSED_DEPUTY)
            .call(CLOUDTRAIL, "s3:PutObject", format!("{bucket}/AWSLogs/{STRANGER}/CloudTrail/..."))
            .context(format!("aws:SourceArn = a trail of account {STRANGER}; aws:SourceAccount = {STRANGER}; as above"))
            .denied()
            .build(|f| Case::new(log_file(f, STRANGER)?).bucket_policy(f, f.specs.stack.cloudtrail.bucket.get_ref())),
        Row::new("FR-420", "CloudTrail assumes its CloudWatch Logs role", LOGS_TRUST)
            .call(CLOUDTRAIL, "sts:AssumeRole", "role {cloudtrail logs role}")
            .context(trail_ctx)
            .build(|f| {
                let (_, arn, _) = trail(f)?;
                let request = Request::new(Principal::service(CLOUDTRAIL), "sts:AssumeRole", &role_arn(f, "cloudtrail-logs")?)
                    .with("aws:SourceArn", arn)
                    .with("aws:SourceAccount", f.specs.stage.account_id.as_str());
                Case::new(request).trust_policy(f, "cloudtrail-logs")
            }),
    ];
    for action in ["logs:CreateLogStream", "logs:PutLogEvents"] {
        out.push(
            Row::new("FR-420", format!("CloudTrail's role session delivers trail events ({action})"), LOGS_ROLE)
                .call(
                    "session of the CloudTrail logs role",
                    action,
                    "/aws/cloudtrail/bank-platform-{stage}:log-stream:{account}_CloudTrail_{region}",
                )
                .context("none of aws:SourceArn / aws:SourceAccount: a role session's requests carry neither")
                .build(move |f| {
                    let request =
                        Request::new(session_of(f, "cloudtrail-logs", "CloudTrailDelivery")?, action, &log_stream(f)?);
                    Case::new(request).role_identity(f, "cloudtrail-logs")
                }),
        );
    }
    for (group, requirement) in [("cloudtrail", "GOV-006"), ("firehose", "FR-420"), ("bank-platform", "FR-420")] {
        out.push(
            Row::new(requirement, format!("CloudWatch Logs encrypts the {group} log group with its key"), LOGS_KEY)
                .call("logs.{region}.amazonaws.com", "kms:GenerateDataKey", format!("the {group} log group's key"))
                .context("kms:EncryptionContext:aws:logs:arn = the log group's ARN")
                .build(move |f| {
                    let (g, _) = f.log_group(group)?;
                    let key = g.kms_key_id.clone().ok_or_else(|| format!("log group {} is not encrypted", g.name))?;
                    let arn = f.output(Kind::LogGroup, group, "arn")?;
                    let service = format!("logs.{}.amazonaws.com", f.specs.stage.region);
                    let request = Request::new(Principal::service(&service), "kms:GenerateDataKey", &key)
                        .with("kms:EncryptionContext:aws:logs:arn", arn);
                    Case::new(request).key_policy(f, &key)
                }),
        );
    }
    out
}
