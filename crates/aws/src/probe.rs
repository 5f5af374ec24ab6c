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
    /// Refused with this error code (`AccessDenied`, ...).
    Rejected(String),
    /// The probe could not run (nothing to probe), with the reason.
    NotRun(String),
}

/// The key probes write under.
const PROBE_KEY: &str = "bankinfra-verify/probe";

/// Outcome of a write: accepted, or rejected with AWS's code.
fn outcome<T>(result: Result<T, ProviderError>) -> Result<ProbeOutcome, ProviderError> {
    match result {
        Ok(_) => Ok(ProbeOutcome::Accepted),
        Err(e) if e.code.is_some() || e.message.contains("403") => {
            Ok(ProbeOutcome::Rejected(e.code.unwrap_or_else(|| "HTTP 403".into())))
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
