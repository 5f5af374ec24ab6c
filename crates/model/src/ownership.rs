use std::collections::BTreeMap;

use crate::Address;

/// Tag naming the stack that owns a resource.
pub const TAG_STACK: &str = "bankinfra:stack";
/// Tag naming the stage that owns a resource.
pub const TAG_STAGE: &str = "bankinfra:stage";
/// Tag marking a resource as the organization's rather than one stage's (value
/// [`SCOPE_ORGANIZATION`]): every stage of the stack converges on it, none destroys it.
pub const TAG_SCOPE: &str = "bankinfra:scope";
/// The value of [`TAG_SCOPE`] on the organization's resources.
pub const SCOPE_ORGANIZATION: &str = "organization";
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

    /// The ownership tags of the organization's resource at `address` (see
    /// [`Kind::organization_scoped`](crate::Kind::organization_scoped)): the stack, not the stage.
    pub fn organization_tags(&self, address: &Address) -> BTreeMap<String, String> {
        BTreeMap::from([
            (TAG_STACK.to_string(), self.stack.clone()),
            (TAG_SCOPE.to_string(), SCOPE_ORGANIZATION.to_string()),
            (TAG_ADDRESS.to_string(), address.to_string()),
        ])
    }

    /// Whether `tags` mark a resource as owned by this stack and stage, or as this stack's
    /// resource of the organization (shared by all its stages).
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.get(TAG_STACK) == Some(&self.stack)
            && (tags.get(TAG_STAGE) == Some(&self.stage)
                || tags.get(TAG_SCOPE).is_some_and(|s| s == SCOPE_ORGANIZATION))
    }

    /// The logical address recorded in `tags`, if any and well-formed.
    pub fn address_in(tags: &BTreeMap<String, String>) -> Option<Address> {
        tags.get(TAG_ADDRESS)?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    #[test]
    fn a_stage_owns_its_own_resources_and_its_stacks_organization_resources() {
        let dev = Ownership { stack: "mod-104".into(), stage: "dev".into() };
        let uat = Ownership { stack: "mod-104".into(), stage: "uat".into() };
        let other_stack = Ownership { stack: "mod-200".into(), stage: "dev".into() };
        let bucket = dev.tags(&Address::new(Kind::S3Bucket, "iceberg"));
        assert!(dev.owns(&bucket));
        assert!(!uat.owns(&bucket), "another stage's resource is not ours");
        let scp = dev.organization_tags(&Address::new(Kind::ServiceControlPolicy, "required-tags"));
        assert!(!scp.contains_key(TAG_STAGE), "the organization's resource names no stage");
        assert!(dev.owns(&scp) && uat.owns(&scp), "every stage of the stack converges on it");
        assert!(!other_stack.owns(&scp), "another stack's is not ours");
    }
}
