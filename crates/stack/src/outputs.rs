//! The SSM parameters under `/bank/{env}/` that downstream modules read.

use bankinfra_model::props::ssm::Parameter;
use bankinfra_model::{Address, Kind, Props, Resource};

use crate::Context;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    ctx.specs
        .stack
        .outputs
        .iter()
        .map(|o| {
            let path = o.path.get_ref();
            let address = Address::new(Kind::SsmParameter, path);
            Resource::new(
                address.clone(),
                Props::SsmParameter(Parameter {
                    name: format!("/bank/{}/{path}", ctx.stage()),
                    value: o.value.get_ref().clone(),
                    parameter_type: "String".into(),
                    description: o.description.clone(),
                    tags: ctx.tags(&address),
                }),
            )
        })
        .collect()
}
