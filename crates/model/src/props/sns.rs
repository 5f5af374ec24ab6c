//! SNS topics.

use serde::{Deserialize, Serialize};

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    pub name: String,
    pub display_name: String,
    /// SSE-KMS key (ARN).
    pub kms_master_key_id: String,
    pub tags: Tags,
}

strings! {
    Topic { name, display_name, kms_master_key_id, tags }
}
