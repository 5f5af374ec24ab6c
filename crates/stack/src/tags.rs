use bankinfra_model::{Address, Tags};
use bankinfra_spec::Specs;

use crate::Context;

/// The design's default tags: tenant_id, module_id, environment, system_id, cost_center,
/// managed_by, plus any extra tag values from the stage file.
pub fn base_tags(specs: &Specs) -> Tags {
    let mut tags: Tags = specs.stage.tags.clone();
    tags.insert("tenant_id".into(), specs.stage.tenant_id.clone());
    tags.insert("module_id".into(), specs.stack.module.id.clone());
    tags.insert("environment".into(), specs.stage.name.clone());
    tags.insert("system_id".into(), specs.stack.module.system_id.clone());
    tags.insert("managed_by".into(), "bankinfra".into());
    tags
}

impl Context<'_> {
    /// Default tags plus ownership tags for the resource at `address`.
    pub fn tags(&self, address: &Address) -> Tags {
        let mut tags = base_tags(self.specs);
        tags.extend(self.ownership.tags(address));
        tags
    }

    /// [`Context::tags`] plus a `Name` tag (EC2 shows it in the console).
    pub fn named_tags(&self, address: &Address, name: &str) -> Tags {
        let mut tags = self.tags(address);
        tags.insert("Name".into(), name.into());
        tags
    }
}
