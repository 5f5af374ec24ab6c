//! CloudWatch Logs log groups.

use serde::{Deserialize, Serialize};

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroup {
    pub name: String,
    /// Days events are kept; `None` keeps them forever.
    pub retention_days: Option<u32>,
    /// KMS key (ARN) encrypting the group's events; `None` for service-managed encryption.
    pub kms_key_id: Option<String>,
    /// Log streams that must exist (e.g. for a service's error logging). Others are ignored; a
    /// stream is never deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_streams: Vec<String>,
    pub tags: Tags,
}

strings! {
    LogGroup { name, retention_days, kms_key_id, log_streams, tags }
}
