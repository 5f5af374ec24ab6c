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
    pub tags: Tags,
}
