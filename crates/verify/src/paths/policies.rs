//! The policies in force for a path's request, gathered from the facts: the caller's identity
//! policies and the SCPs of its account, the resource's policy, a key's policy.

use bankinfra_model::Kind;
use bankinfra_policy::{PolicySet, Principal};
use serde_json::{Value, json};

use super::Case;
use crate::facts::Facts;

/// The documents of the AWS managed policies the stack attaches, as published in the AWS
/// Managed Policy Reference (<https://docs.aws.amazon.com/aws-managed-policy/latest/reference/>):
/// `AdministratorAccess`, `AWSLambdaBasicExecutionRole` and `AWSLambdaVPCAccessExecutionRole`.
fn aws_managed(arn: &str) -> Option<Value> {
    let statement = match arn.rsplit('/').next()? {
        "AdministratorAccess" => json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        "AWSLambdaBasicExecutionRole" => json!({"Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}),
        "AWSLambdaVPCAccessExecutionRole" => json!({"Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                       "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                       "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            "Resource": "*"}),
        _ => return None,
    };
    arn.starts_with("arn:aws:iam::aws:policy/").then(|| json!({"Version": "2012-10-17", "Statement": [statement]}))
}

/// The name each kind of document goes by in explanations (and in [`documents_mut`]).
pub(crate) fn bucket_policy_name(bucket: &str) -> String {
    format!("bucket policy of {bucket}")
}
pub(crate) fn key_policy_name(alias: &str) -> String {
    format!("key policy of {alias}")
}
pub(crate) fn trust_policy_name(role: &str) -> String {
    format!("trust policy of role {role}")
}
pub(crate) fn inline_policy_name(policy: &str, role: &str) -> String {
    format!("inline policy {policy} of role {role}")
}
pub(crate) fn queue_policy_name(queue: &str) -> String {
    format!("queue policy of {queue}")
}
pub(crate) fn bus_policy_name(bus: &str) -> String {
    format!("policy of bus {bus}")
}

/// The policy documents a live resource holds, by the names paths use for them.
#[cfg(test)]
pub(crate) fn documents_mut(live: &mut bankinfra_model::LiveResource) -> Vec<(String, &mut Value)> {
    use bankinfra_model::Props;
    match &mut live.props {
        Props::S3Bucket(b) => vec![(bucket_policy_name(&b.bucket), &mut b.policy)],
        Props::KmsKey(k) => vec![(key_policy_name(&k.alias), &mut k.policy)],
        Props::SqsQueue(q) => q.policy.as_mut().map(|p| (queue_policy_name(&q.name), p)).into_iter().collect(),
        Props::EventBus(b) => b.policy.as_mut().map(|p| (bus_policy_name(&b.name), p)).into_iter().collect(),
        Props::IamRole(r) => {
            let mut out = vec![(trust_policy_name(&r.name), &mut r.assume_role_policy)];
            out.extend(r.inline_policies.iter_mut().map(|(n, d)| (inline_policy_name(n, &r.name), d)));
            out
        }
        _ => Vec::new(),
    }
}

fn invalid(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what} cannot be evaluated: {e}")
}

/// The ARN of the role declared as `name` (from its live name, so it is known before apply).
pub(crate) fn role_arn(f: &Facts<'_>, name: &str) -> Result<String, String> {
    let (role, _) = f.role(name)?;
    Ok(format!("arn:aws:iam::{}:role/{}", f.specs.stage.account_id, role.name))
}

/// A session of the role declared as `name`.
pub(crate) fn session_of(f: &Facts<'_>, name: &str, session: &str) -> Result<Principal, String> {
    Ok(Principal::assumed_role(&role_arn(f, name)?, session))
}

impl Case {
    fn add(mut self, name: String, add: impl FnOnce(PolicySet) -> Result<PolicySet, String>) -> Result<Self, String> {
        self.policies = add(std::mem::take(&mut self.policies))?;
        self.consulted.push(name);
        Ok(self)
    }

    /// An identity-based policy of the caller.
    pub(crate) fn identity(self, name: &str, document: &Value) -> Result<Self, String> {
        self.add(name.to_string(), |p| p.identity(name, document).map_err(|e| invalid(name, e)))
    }

    /// A resource-based policy of the resource.
    pub(crate) fn resource(self, name: &str, document: &Value) -> Result<Self, String> {
        self.add(name.to_string(), |p| p.resource(name, document).map_err(|e| invalid(name, e)))
    }

    /// The identity policies of the role declared as `name` (inline and attached) and the SCPs
    /// of its account.
    pub(crate) fn role_identity(mut self, f: &Facts<'_>, name: &str) -> Result<Self, String> {
        let (role, _) = f.role(name)?;
        for (policy, document) in &role.inline_policies {
            self = self.identity(&inline_policy_name(policy, &role.name), document)?;
        }
        for arn in &role.managed_policy_arns {
            let document = match aws_managed(arn) {
                Some(document) => document,
                None => f
                    .all(Kind::IamPolicy)
                    .find(|l| l.outputs.get("arn") == Some(arn))
                    .and_then(|l| match &l.props {
                        bankinfra_model::Props::IamPolicy(p) => Some(p.policy.clone()),
                        _ => None,
                    })
                    .ok_or_else(|| format!("role {} attaches {arn}, whose document is not known", role.name))?,
            };
            self = self.identity(&format!("managed policy {arn} of role {}", role.name), &document)?;
        }
        self.scps(f)
    }

    /// The SCPs in force for the stage's account, when the organization was read: AWS's
    /// `FullAWSAccess` (attached to every root by default) and the stack's SCPs.
    pub(crate) fn scps(mut self, f: &Facts<'_>) -> Result<Self, String> {
        if !f.organization_read {
            return Ok(self);
        }
        let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        self =
            self.add("SCP FullAWSAccess".into(), |p| p.scp("FullAWSAccess", &full).map_err(|e| invalid("SCP", e)))?;
        for live in f.all(Kind::ServiceControlPolicy) {
            if let bankinfra_model::Props::ServiceControlPolicy(scp) = &live.props {
                let name = format!("SCP {}", scp.name);
                self = self.add(name.clone(), |p| p.scp(&name, &scp.policy).map_err(|e| invalid(&name, e)))?;
            }
        }
        Ok(self)
    }

    /// The key policy of the key whose ARN is `key_arn` (a key policy must allow the request,
    /// or delegate to the account's identity policies).
    pub(crate) fn key_policy(self, f: &Facts<'_>, key_arn: &str) -> Result<Self, String> {
        let (name, document) = f
            .all(Kind::KmsKey)
            .find(|l| l.outputs.get("arn").map(String::as_str) == Some(key_arn))
            .and_then(|l| match &l.props {
                bankinfra_model::Props::KmsKey(k) => Some((key_policy_name(&k.alias), k.policy.clone())),
                _ => None,
            })
            .ok_or_else(|| format!("no key of the stack has the ARN {key_arn}"))?;
        self.add(name.clone(), |p| p.key_policy(&name, &document).map_err(|e| invalid(&name, e)))
    }

    /// The trust policy of the role declared as `name`.
    pub(crate) fn trust_policy(self, f: &Facts<'_>, name: &str) -> Result<Self, String> {
        let (role, _) = f.role(name)?;
        let what = trust_policy_name(&role.name);
        self.add(what.clone(), |p| p.trust_policy(&what, &role.assume_role_policy).map_err(|e| invalid(&what, e)))
    }

    /// The policy of the bucket declared as `purpose`.
    pub(crate) fn bucket_policy(self, f: &Facts<'_>, purpose: &str) -> Result<Self, String> {
        let (bucket, _) = f.bucket(purpose)?;
        self.resource(&bucket_policy_name(&bucket.bucket), &bucket.policy)
    }
}
