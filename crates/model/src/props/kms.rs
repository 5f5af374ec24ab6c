//! KMS customer-managed keys, with their alias.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Tags;

/// A symmetric CMK. The alias is part of the key: a key without its alias is incomplete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Key {
    pub alias: String,
    pub description: String,
    pub key_usage: String,
    pub key_spec: String,
    pub enabled: bool,
    /// Automatic rotation period; `None` when rotation is disabled.
    pub rotation_period_days: Option<u32>,
    /// Key policy document.
    pub policy: Value,
    pub tags: Tags,
}

strings! {
    Key { alias, description, key_usage, key_spec, enabled, rotation_period_days, policy, tags }
}
