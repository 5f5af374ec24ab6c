//! Test support: the stack as it would be live once applied, without an endpoint.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bankinfra_model::{Address, Kind, LiveResource, Outputs, Props};
use bankinfra_spec::Specs;

use crate::arns::predicted_arn;

/// The repository's `specs/`.
pub(crate) fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs")
}

/// The repository's specs for stage `local`.
pub(crate) fn local_specs() -> Specs {
    bankinfra_spec::load(&specs_dir(), "local").expect("the repository's specs load")
}

/// The outputs AWS would give `props`: its name, its ARN, and for ID-addressed resources an ID
/// (and, for keys, a key ARN) made up from its address.
fn outputs(address: &Address, props: &Props, specs: &Specs) -> Outputs {
    let (region, account) = (&specs.stage.region, &specs.stage.account_id);
    let mut outputs = props.predicted_outputs();
    let id = format!("{}-{}", address.kind(), address.name()).replace(['.', '/'], "-");
    let arn = predicted_arn(props, region, account).unwrap_or_else(|| match address.kind() {
        Kind::KmsKey => format!("arn:aws:kms:{region}:{account}:key/{id}"),
        _ => format!("arn:aws:{}:{region}:{account}:{id}", address.kind()),
    });
    outputs.insert("arn".into(), arn);
    outputs.insert("id".into(), id);
    outputs
}

/// Every declared resource as it would be live once applied, references resolved.
pub(crate) fn stack_state(specs: &Specs) -> Vec<LiveResource> {
    let resources = bankinfra_stack::desired_resources(specs);
    let known: BTreeMap<Address, Outputs> =
        resources.iter().map(|r| (r.address.clone(), outputs(&r.address, &r.props, specs))).collect();
    let lookup = |r: &bankinfra_model::template::Reference| known.get(&r.address)?.get(&r.output).cloned();
    resources
        .iter()
        .map(|r| LiveResource {
            address: r.address.clone(),
            physical_id: known[&r.address]["id"].clone(),
            outputs: known[&r.address].clone(),
            props: r.props.resolve(&lookup, None).expect("every reference resolves"),
        })
        .collect()
}
