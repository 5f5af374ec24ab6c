//! CloudTrail trails.

use serde::{Deserialize, Serialize};

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trail {
    pub name: String,
    pub s3_bucket_name: String,
    /// KMS key (ARN) encrypting the log files.
    pub kms_key_id: String,
    pub is_multi_region_trail: bool,
    pub include_global_service_events: bool,
    pub enable_log_file_validation: bool,
    /// Log group ARN with its `:*` suffix, as CloudTrail wants it.
    pub cloud_watch_logs_log_group_arn: String,
    pub cloud_watch_logs_role_arn: String,
    /// Management events recorded: `All`, `ReadOnly`, `WriteOnly` or `None`.
    pub management_events: String,
    /// ARN prefixes of S3 objects whose data events are recorded (`arn:aws:s3` for all).
    pub s3_data_events: Vec<String>,
    /// Whether the trail is logging.
    pub logging: bool,
    pub tags: Tags,
}

strings! {
    Trail { name, s3_bucket_name, kms_key_id, is_multi_region_trail, include_global_service_events, enable_log_file_validation, cloud_watch_logs_log_group_arn, cloud_watch_logs_role_arn, management_events, s3_data_events, logging, tags }
}
