//! GATE probes: real requests that a GATE policy must reject (or accept), sent to the live
//! endpoint. Unlike everything else here they write: each probe cleans up after itself where
//! the policies allow it, and never writes where it could not (a locked log bucket).

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use bankinfra_model::ProviderError;

use crate::error::OrProviderError;

/// What the endpoint answered to a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    Accepted,
    /// Refused by a policy: AWS's `AccessDenied`, the only answer that proves a GATE held.
    Denied,
    /// Rejected for another reason, with AWS's error code (or the HTTP status when it sent none).
    Rejected(String),
    /// The probe could not run (nothing to probe), with the reason.
    NotRun(String),
}

/// The error code AWS answers when a policy (identity, resource, SCP) refuses a request: S3's
/// `AccessDenied`, HTTP 403 (Amazon S3 API Reference, "Error responses",
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html>; the S3 User Guide's
/// "Troubleshoot access denied (403 Forbidden) errors" names the policy type that denied).
const ACCESS_DENIED: &str = "AccessDenied";

/// The key probes write under.
const PROBE_KEY: &str = "bankinfra-verify/probe";

/// Outcome of a write: accepted, denied by a policy, or rejected with another code. Errors
/// without an answer from the service (unreachable, timed out) stay errors.
fn outcome<T>(result: Result<T, ProviderError>) -> Result<ProbeOutcome, ProviderError> {
    match result {
        Ok(_) => Ok(ProbeOutcome::Accepted),
        Err(e) if e.code.as_deref() == Some(ACCESS_DENIED) => Ok(ProbeOutcome::Denied),
        Err(e) if e.code.is_some() || e.message.contains("403") => {
            Ok(ProbeOutcome::Rejected(e.code.unwrap_or_else(|| "HTTP 403 without an error code".into())))
        }
        Err(e) => Err(e),
    }
}

/// PutObject into `bucket` with the given encryption (`None`: no SSE header). An accepted
/// object is deleted again (all of its versions).
pub(crate) async fn put_object(
    client: &Client,
    bucket: &str,
    sse: Option<&str>,
    kms_key: Option<&str>,
) -> Result<ProbeOutcome, ProviderError> {
    let mut put =
        client.put_object().bucket(bucket).key(PROBE_KEY).body(ByteStream::from_static(b"bankinfra verify probe"));
    if let Some(sse) = sse {
        put = put.server_side_encryption(ServerSideEncryption::from(sse));
    }
    if let Some(key) = kms_key {
        put = put.ssekms_key_id(key);
    }
    let result = put.send().await.op("s3:PutObject");
    if let Ok(out) = &result {
        let mut delete = client.delete_object().bucket(bucket).key(PROBE_KEY);
        if let Some(version) = out.version_id() {
            delete = delete.version_id(version);
        }
        delete.send().await.op("s3:DeleteObject")?;
    }
    outcome(result)
}

/// DeleteObject of the oldest version of an existing object of `bucket` (a trail log). Never
/// writes: with nothing to delete, the probe does not run.
pub(crate) async fn delete_object_version(client: &Client, bucket: &str) -> Result<ProbeOutcome, ProviderError> {
    let versions = client.list_object_versions().bucket(bucket).max_keys(1).send().await.op("s3:ListObjectVersions")?;
    let Some(version) = versions.versions().first() else {
        return Ok(ProbeOutcome::NotRun(format!("bucket {bucket} holds no object version to try to delete")));
    };
    let (Some(key), Some(id)) = (version.key(), version.version_id()) else {
        return Ok(ProbeOutcome::NotRun(format!("bucket {bucket}'s first version has no key or id")));
    };
    outcome(client.delete_object().bucket(bucket).key(key).version_id(id).send().await.op("s3:DeleteObject"))
}

/// CreateBucket of `bucket` without any tags, which a tag-enforcing SCP must reject. A bucket
/// that gets created anyway is deleted again at once.
pub(crate) async fn create_untagged_bucket(client: &Client, bucket: &str) -> Result<ProbeOutcome, ProviderError> {
    let region = client.config().region().map(|r| r.to_string()).unwrap_or_default();
    let mut create = client.create_bucket().bucket(bucket);
    if region != "us-east-1" {
        let config = aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region.as_str()))
            .build();
        create = create.create_bucket_configuration(config);
    }
    let result = create.send().await.op("s3:CreateBucket");
    if result.is_ok() {
        client.delete_bucket().bucket(bucket).send().await.op("s3:DeleteBucket")?;
    }
    outcome(result)
}

#[cfg(test)]
mod tests {
    use bankinfra_model::ErrorClass;

    use super::*;

    fn error(code: Option<&str>, message: &str) -> Result<(), ProviderError> {
        Err(ProviderError {
            operation: "s3:PutObject".into(),
            code: code.map(str::to_string),
            message: message.into(),
            class: ErrorClass::Permanent,
        })
    }

    #[test]
    fn only_access_denied_is_a_policy_refusal() {
        assert_eq!(outcome(Ok::<(), ProviderError>(())).unwrap(), ProbeOutcome::Accepted);
        assert_eq!(outcome(error(Some("AccessDenied"), "Access Denied")).unwrap(), ProbeOutcome::Denied);
        for code in ["NoSuchBucket", "InvalidArgument", "KMS.NotFoundException", "SlowDown"] {
            assert_eq!(outcome(error(Some(code), "no")).unwrap(), ProbeOutcome::Rejected(code.into()));
        }
        assert_eq!(
            outcome(error(None, "HTTP 403 Forbidden")).unwrap(),
            ProbeOutcome::Rejected("HTTP 403 without an error code".into())
        );
    }

    #[test]
    fn a_probe_that_got_no_answer_is_an_error_not_an_outcome() {
        assert!(outcome(error(None, "connection refused")).is_err());
    }
}
