//! The self-lockout gate: every call the executor would make for a plan — action, the resources
//! it is authorized on, the request tags it carries — evaluated under the service control
//! policies in force for the stage's account, so that a plan an SCP would deny (a spec edit that
//! denies one of bankinfra's own calls, say) is refused before any call.
//!
//! AWS evaluates an SCP for every request of a member account's principals, root user included,
//! but not for the management account nor for service-linked roles ("SCPs don't affect users or
//! roles in the management account", "SCPs don't affect service-linked roles",
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>);
//! every level of the organization must allow the action and none may deny it
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>).
//! An action authorized on several resources is evaluated once per resource; the request tags are
//! in the context of the resource they tag, and of the others only where the Service
//! Authorization Reference lists `aws:RequestTag` for the action itself
//! (`bankinfra_policy::authorization`).

mod calls;

use std::fmt;

use bankinfra_model::{Address, Kind, Outputs, Props, Tags};
use bankinfra_policy::authorization::{RequestTagsAt, tagged_creates};
use bankinfra_policy::{PolicySet, Principal, Reason, Request, evaluate};
use serde_json::{Value, json};

use calls::{On, calls};
pub use calls::{Verb, all_actions, iam_action};

/// A service control policy in force for the stage's account.
#[derive(Debug, Clone, PartialEq)]
pub struct InForce {
    pub name: String,
    pub document: Value,
}

/// One call a plan would make.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    pub address: Address,
    pub verb: Verb,
    pub action: String,
    pub resource: String,
    /// The request tags in the context of this resource's authorization.
    pub request_tags: Option<Tags>,
}

impl fmt::Display for PlannedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.verb {
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Delete => "delete",
        };
        write!(f, "{} on {} ({verb} of {})", self.action, self.resource, self.address)?;
        match &self.request_tags {
            Some(tags) => write!(f, " with request tags {}", tags.keys().cloned().collect::<Vec<_>>().join(", ")),
            None => f.write_str(" without request tags"),
        }
    }
}

/// A call the SCPs would deny.
#[derive(Debug, Clone, PartialEq)]
pub struct Lockout {
    pub call: PlannedCall,
    /// Which SCPs: those in force now, or those the plan leaves.
    pub under: &'static str,
    /// The denying statement (`SCP policy \`name\` statement #n (Sid)`), or why nothing allows it.
    pub because: String,
}

impl fmt::Display for Lockout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} would be denied under {}: {}", self.call, self.under, self.because)
    }
}

/// Where the stage is.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub region: &'a str,
    pub account: &'a str,
}

/// The calls a change of the resource at `address` makes, given what it will be (`props`) and
/// its outputs (live, or as far as they are known before it exists).
pub fn planned_calls(
    address: &Address,
    verb: Verb,
    props: &Props,
    outputs: &Outputs,
    at: Place<'_>,
) -> Vec<PlannedCall> {
    let data = tagged_creates();
    let own = own_arn(address.kind(), props, outputs, at);
    calls(address.kind(), verb)
        .iter()
        .filter_map(|(action, on)| {
            let resource = match on {
                On::Itself => own.clone()?,
                On::Star => "*".to_string(),
                On::Vpc => format!("arn:aws:ec2:{}:{}:vpc/{}", at.region, at.account, field(props, "vpc_id")?),
                On::Alias => format!("arn:aws:kms:{}:{}:{}", at.region, at.account, field(props, "alias")?),
                On::Objects => format!("{}/*", own.clone()?),
                On::Pool => {
                    format!(
                        "arn:aws:cognito-idp:{}:{}:userpool/{}",
                        at.region,
                        at.account,
                        field(props, "user_pool_id")?
                    )
                }
            };
            let tagged = match data.get(action) {
                Some(row) => {
                    (resource == "*" || row.creates_resource(&resource)) && *on != On::Vpc
                        || row.request_tags_at == RequestTagsAt::Action
                }
                None => writes_tags(action),
            };
            Some(PlannedCall {
                address: address.clone(),
                verb,
                action: action.to_string(),
                resource,
                request_tags: tagged.then(|| props.tags().clone()),
            })
        })
        .collect()
}

/// The calls that take tags as their request tags (`TagResource` and its kin).
fn writes_tags(action: &str) -> bool {
    let name = action.split(':').nth(1).unwrap_or_default();
    ["CreateTags", "AddTags", "AddTagsToResource", "PutBucketTagging"].contains(&name)
        || (name.starts_with("Tag") && !name.starts_with("Tagging"))
}

/// A top-level string attribute of `props` (serialised with its kind beside its attributes).
fn field(props: &Props, name: &str) -> Option<String> {
    serde_json::to_value(props).ok()?.get(name)?.as_str().map(str::to_string)
}

/// The ARN IAM authorizes a call on the resource itself against.
fn own_arn(kind: Kind, props: &Props, outputs: &Outputs, at: Place<'_>) -> Option<String> {
    let ec2_type = match kind {
        Kind::Vpc => Some("vpc"),
        Kind::Subnet => Some("subnet"),
        Kind::InternetGateway => Some("internet-gateway"),
        Kind::RouteTable => Some("route-table"),
        Kind::VpcEndpoint => Some("vpc-endpoint"),
        _ => None,
    };
    if let Some(t) = ec2_type {
        return Some(format!("arn:aws:ec2:{}:{}:{t}/{}", at.region, at.account, outputs.get("id")?));
    }
    outputs
        .get("arn")
        .filter(|a| a.starts_with("arn:"))
        .cloned()
        .or_else(|| crate::predicted_arn(props, at.region, at.account))
}

/// The calls of `calls` that `scps` would deny to `caller`, each with the statement that denies.
pub fn lockouts(calls: &[PlannedCall], caller: &Principal, scps: &[InForce], under: &'static str) -> Vec<Lockout> {
    let allow_all =
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let mut policies = match PolicySet::new().identity("the deployer's permissions", &allow_all) {
        Ok(p) => p,
        Err(_) => return Vec::new(),
    };
    let mut invalid = Vec::new();
    for scp in scps {
        match policies.clone().scp(&scp.name, &scp.document) {
            Ok(p) => policies = p,
            Err(e) => invalid.push(format!("SCP `{}` cannot be evaluated: {e}", scp.name)),
        }
    }
    calls
        .iter()
        .filter_map(|call| {
            let mut request = Request::new(caller.clone(), &call.action, &call.resource);
            if let Some(tags) = &call.request_tags {
                request = request.with_multi("aws:TagKeys", tags.keys().cloned());
                for (k, v) in tags {
                    request = request.with(&format!("aws:RequestTag/{k}"), v.clone());
                }
            }
            let evaluation = evaluate(&request, &policies);
            if evaluation.is_allowed() {
                return None;
            }
            let because = match evaluation.reason {
                Reason::NoServiceControlAllow => "no SCP allows it".to_string(),
                _ => evaluation.statements.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
            };
            Some(Lockout { call: call.clone(), under, because })
        })
        .chain(invalid.into_iter().map(|because| Lockout {
            call: PlannedCall {
                address: Address::new(Kind::ServiceControlPolicy, "in-force"),
                verb: Verb::Update,
                action: "*".into(),
                resource: "*".into(),
                request_tags: None,
            },
            under,
            because,
        }))
        .collect()
}

/// The principal a caller ARN (from STS GetCallerIdentity) names.
pub fn principal_of(arn: &str, account: &str) -> Principal {
    if let Some(rest) = arn.split_once(":assumed-role/").map(|(_, r)| r) {
        let (role, session) = rest.split_once('/').unwrap_or((rest, "session"));
        let partition = arn.split(':').nth(1).unwrap_or("aws");
        return Principal::assumed_role(&format!("arn:{partition}:iam::{account}:role/{role}"), session);
    }
    if arn.ends_with(":root") {
        return Principal::root(account);
    }
    if arn.contains(":role/") {
        return Principal::role(arn);
    }
    Principal::user(arn)
}

#[cfg(test)]
mod tests;
