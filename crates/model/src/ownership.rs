use std::collections::BTreeMap;

use crate::Address;

/// Tag naming the stack that owns a resource.
pub const TAG_STACK: &str = "bankinfra:stack";
/// Tag naming the stage that owns a resource.
pub const TAG_STAGE: &str = "bankinfra:stage";
/// Tag holding the logical address of a resource; how ID-addressed resources are found again.
pub const TAG_ADDRESS: &str = "bankinfra:address";

/// Who owns a resource: a stack deployed to a stage. Written as tags at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    pub stack: String,
    pub stage: String,
}

impl Ownership {
    /// The ownership tags of the resource at `address`.
    pub fn tags(&self, address: &Address) -> BTreeMap<String, String> {
        BTreeMap::from([
            (TAG_STACK.to_string(), self.stack.clone()),
            (TAG_STAGE.to_string(), self.stage.clone()),
            (TAG_ADDRESS.to_string(), address.to_string()),
        ])
    }

    /// Whether `tags` mark a resource as owned by this stack and stage.
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.get(TAG_STACK) == Some(&self.stack) && tags.get(TAG_STAGE) == Some(&self.stage)
    }

    /// The logical address recorded in `tags`, if any and well-formed.
    pub fn address_in(tags: &BTreeMap<String, String>) -> Option<Address> {
        tags.get(TAG_ADDRESS)?.parse().ok()
    }
}
