//! MOD-104's resource definitions: turns the stack spec and a stage into the desired resources.
//!
//! This is where the design's conventions live (names, tags, policies, lifecycle rules); the
//! engine and the providers stay generic. One module per area, as in the original SST stack.

mod cloudtrail;
mod cognito;
mod eventbridge;
mod firehose;
mod iam;
mod kms;
mod network;
mod observability;
mod outputs;
pub mod scp;
mod storage;
mod tags;

use bankinfra_model::{Ownership, Resource};
use bankinfra_spec::Specs;

pub use tags::base_tags;

/// Everything the stack declares for one stage, in no particular order.
pub fn desired_resources(specs: &Specs) -> Vec<Resource> {
    let ctx = Context::new(specs);
    let mut out = Vec::new();
    out.extend(network::resources(&ctx));
    out.extend(kms::resources(&ctx));
    out.extend(storage::resources(&ctx));
    out.extend(eventbridge::resources(&ctx));
    out.extend(iam::resources(&ctx));
    out.extend(observability::resources(&ctx));
    out.extend(cloudtrail::resources(&ctx));
    out.extend(firehose::resources(&ctx));
    out.extend(cognito::resources(&ctx));
    out.extend(scp::resources(&ctx));
    out.extend(outputs::resources(&ctx));
    out
}

/// Who owns this stack's resources on this stage.
pub fn ownership(specs: &Specs) -> Ownership {
    Ownership { stack: specs.stack.module.stack.clone(), stage: specs.stage.name.clone() }
}

/// What every resource definition needs.
pub(crate) struct Context<'a> {
    pub specs: &'a Specs,
    pub ownership: Ownership,
}

impl<'a> Context<'a> {
    fn new(specs: &'a Specs) -> Self {
        Context { specs, ownership: ownership(specs) }
    }

    pub fn stage(&self) -> &str {
        &self.specs.stage.name
    }

    pub fn account(&self) -> &str {
        &self.specs.stage.account_id
    }

    pub fn region(&self) -> &str {
        &self.specs.stage.region
    }

    /// A name pattern with `{stage}` substituted.
    pub fn staged(&self, pattern: &str) -> String {
        pattern.replace("{stage}", self.stage())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use bankinfra_model::template::{self, Reference};
    use bankinfra_model::{Kind, Props};
    use serde_json::Value;

    use super::*;

    /// The provider looks for orphaned log groups and buckets among the names that contain the
    /// stage's name (bankinfra-aws's reads): every one the stack declares must carry it.
    #[test]
    fn log_group_and_bucket_names_carry_the_stage() {
        let specs = bankinfra_spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"), "local")
            .expect("the repository's specs load");
        let resources = desired_resources(&specs);
        let names: Vec<&str> = resources
            .iter()
            .filter_map(|r| match &r.props {
                Props::LogGroup(g) => Some(g.name.as_str()),
                Props::S3Bucket(b) => Some(b.bucket.as_str()),
                _ => None,
            })
            .collect();
        assert!(names.len() >= 10, "{names:?}");
        assert!(names.iter().all(|n| n.contains("local")), "{names:?}");
    }

    /// References are found and substituted in place, field by field; the JSON form of the same
    /// properties is the reference implementation. Over the whole stack, every kind, both agree.
    #[test]
    fn typed_references_agree_with_the_json_form_for_every_resource() {
        let specs = bankinfra_spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"), "local")
            .expect("the repository's specs load");
        let resources = desired_resources(&specs);
        let kinds: std::collections::BTreeSet<Kind> = resources.iter().map(|r| r.address.kind()).collect();
        assert_eq!(kinds.len(), Kind::ALL.len(), "the stack declares every kind");
        let lookup = |r: &Reference| (r.output != "arn").then(|| format!("<{}.{}>", r.address, r.output));
        let mut with_references = 0;
        for resource in &resources {
            let props = &resource.props;
            let json = Value::Object(props.fields());
            let typed = props.references().unwrap();
            assert_eq!(typed, template::references_in(&json).unwrap(), "{}", resource.address);
            with_references += usize::from(!typed.is_empty());

            let mut value = serde_json::to_value(props).unwrap();
            template::resolve(&mut value, &lookup, Some("(unknown)")).unwrap();
            let via_json: Props = serde_json::from_value(value).unwrap();
            assert_eq!(props.resolve(&lookup, Some("(unknown)")).unwrap(), via_json, "{}", resource.address);
            assert_eq!(props.resolve(&lookup, None).is_ok(), !typed.iter().any(|r| r.output == "arn"));
        }
        assert!(with_references > 100, "only {with_references} resources refer to others");
    }
}
