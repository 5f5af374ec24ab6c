//! Tag enforcement (GOV-005): the service control policy that denies `Create*` on the taggable
//! services unless every required request tag is present, attached to the organization root.

use bankinfra_model::props::organizations::ServiceControlPolicy;
use bankinfra_model::{Address, Kind, Props, Resource};
use serde_json::json;

use crate::Context;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let scp = &ctx.specs.stack.scp;
    let actions: Vec<String> = scp.services.iter().map(|s| format!("{}:Create*", s.get_ref())).collect();
    // One statement per tag: a Deny whose condition is "this tag is absent", so a request is
    // denied when any one of the tags is missing.
    let statements: Vec<_> = scp
        .required_tags
        .iter()
        .map(|tag| {
            let tag = tag.get_ref();
            let sid: String =
                format!("DenyCreateWithout_{tag}").chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            json!({
                "Sid": sid,
                "Effect": "Deny",
                "Action": actions,
                "Resource": "*",
                "Condition": {"Null": {format!("aws:RequestTag/{tag}"): "true"}}
            })
        })
        .collect();
    let address = Address::new(Kind::ServiceControlPolicy, "required-tags");
    vec![Resource::new(
        address.clone(),
        Props::ServiceControlPolicy(ServiceControlPolicy {
            name: scp.name.get_ref().clone(),
            description: scp.description.clone(),
            policy: json!({"Version": "2012-10-17", "Statement": statements}),
            attach_to_root: true,
            tags: ctx.tags(&address),
        }),
    )]
}
