//! SQS queues (the event buses' dead-letter queues).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    pub name: String,
    /// SSE-KMS key (ARN).
    pub kms_master_key_id: String,
    pub kms_data_key_reuse_period_seconds: u32,
    pub message_retention_seconds: u32,
    /// Access policy document; `None` when the queue has none.
    pub policy: Option<Value>,
    pub tags: Tags,
}

strings! {
    Queue { name, kms_master_key_id, kms_data_key_reuse_period_seconds, message_retention_seconds, policy, tags }
}
