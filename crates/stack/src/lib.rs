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
mod scp;
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
