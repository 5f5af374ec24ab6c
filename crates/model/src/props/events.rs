//! EventBridge event buses and their archives.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Tags;

/// A custom event bus with its resource policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventBus {
    pub name: String,
    /// Resource policy document; `None` when the bus has none.
    pub policy: Option<Value>,
    pub tags: Tags,
}

/// An archive of the events sent to a bus. Archives carry no tags: they are owned through their
/// declaration and their bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventArchive {
    pub name: String,
    /// ARN of the archived bus.
    pub event_source_arn: String,
    pub description: String,
    /// Days events are kept; 0 keeps them forever.
    pub retention_days: u32,
    #[serde(skip)]
    pub tags: Tags,
}

strings! {
    EventBus { name, policy, tags }
    EventArchive { name, event_source_arn, description, retention_days, tags }
}
