//! S3 buckets with encryption, versioning, public-access block, policy, lifecycle and Object Lock.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub bucket: String,
    /// Default SSE-KMS key (ARN).
    pub kms_key_arn: String,
    pub bucket_key_enabled: bool,
    /// `Enabled` or `Suspended`.
    pub versioning: String,
    pub public_access_block: PublicAccessBlock,
    /// Bucket policy document.
    pub policy: Value,
    /// Sorted by id.
    pub lifecycle_rules: Vec<LifecycleRule>,
    /// Object Lock can only be enabled when the bucket is created.
    pub object_lock_enabled: bool,
    pub object_lock_retention: Option<DefaultRetention>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub const ALL: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
}

/// A whole-bucket lifecycle rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    pub id: String,
    pub enabled: bool,
    pub transitions: Vec<Transition>,
    pub expiration_days: Option<u32>,
    pub noncurrent_version_expiration_days: Option<u32>,
    pub abort_incomplete_multipart_upload_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub days: u32,
    pub storage_class: String,
}

/// Object Lock default retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultRetention {
    /// `GOVERNANCE` or `COMPLIANCE`.
    pub mode: String,
    pub years: u32,
}

strings! {
    Bucket { bucket, kms_key_arn, bucket_key_enabled, versioning, public_access_block, policy, lifecycle_rules, object_lock_enabled, object_lock_retention, tags }
    PublicAccessBlock { block_public_acls, ignore_public_acls, block_public_policy, restrict_public_buckets }
    LifecycleRule { id, enabled, transitions, expiration_days, noncurrent_version_expiration_days, abort_incomplete_multipart_upload_days }
    Transition { days, storage_class }
    DefaultRetention { mode, years }
}
