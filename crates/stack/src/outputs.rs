//! The SSM parameters under `/bank/{env}/` that downstream modules read.

use bankinfra_model::props::ssm::Parameter;
use bankinfra_model::{Address, Kind, Props, Resource};

use crate::Context;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let stack = &ctx.specs.stack;
    stack
        .outputs
        .iter()
        .flat_map(|o| o.expand(stack))
        .map(|(path, value, description)| {
            let address = Address::new(Kind::SsmParameter, &path);
            Resource::new(
                address.clone(),
                Props::SsmParameter(Parameter {
                    name: format!("/bank/{}/{path}", ctx.stage()),
                    value,
                    parameter_type: "String".into(),
                    description,
                    tags: ctx.tags(&address),
                }),
            )
        })
        .collect()
}
