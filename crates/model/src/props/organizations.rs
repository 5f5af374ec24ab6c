//! AWS Organizations service control policies, managed from the organization's management
//! account.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceControlPolicy {
    pub name: String,
    pub description: String,
    /// The policy document.
    pub policy: Value,
    /// Attached to the organization's root (so it applies to every account).
    pub attach_to_root: bool,
    pub tags: Tags,
}

strings! {
    ServiceControlPolicy { name, description, policy, attach_to_root, tags }
}
