//! AWS's policy evaluation logic over the policies that apply to one request.

use std::fmt;

use serde_json::Value;

use crate::error::{PolicyError, StatementAt};
use crate::policy::Policy;
use crate::principal::{Principal, PrincipalMatch};
use crate::request::Request;
use crate::statement::Effect;

/// The role a policy plays in the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    /// Attached to the calling user or role (or its groups).
    Identity,
    /// Attached to the resource (bucket policy, key policy, trust policy, ...); names principals.
    Resource,
    /// An Organizations service control policy of the caller's account.
    ServiceControl,
    /// The permissions boundary of the calling user or role.
    PermissionsBoundary,
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyType::Identity => "identity-based",
            PolicyType::Resource => "resource-based",
            PolicyType::ServiceControl => "service control",
            PolicyType::PermissionsBoundary => "permissions boundary",
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
struct AttachedPolicy {
    name: String,
    policy_type: PolicyType,
    policy: Policy,
}

/// The policies that apply to a request, each with a name for explanations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySet {
    policies: Vec<AttachedPolicy>,
    /// Whether the resource-based policy must allow the caller even in its own account (KMS key
    /// policies, role trust policies), instead of an identity-based allow sufficing.
    resource_must_allow: bool,
}

impl PolicySet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parsed policy after checking its elements fit its type: only resource-based
    /// statements name principals (and must), the others must have Resource or NotResource.
    pub fn add(&mut self, policy_type: PolicyType, name: &str, policy: Policy) -> Result<&mut Self, PolicyError> {
        for (index, statement) in policy.statements().iter().enumerate() {
            let problem = match policy_type {
                PolicyType::Resource if !statement.names_principals() => {
                    Some("a resource-based policy statement needs Principal or NotPrincipal")
                }
                PolicyType::Resource => None,
                _ if statement.names_principals() => {
                    Some("Principal and NotPrincipal belong in resource-based policies only")
                }
                _ if !statement.names_resources() => Some("missing Resource or NotResource"),
                _ => None,
            };
            if let Some(problem) = problem {
                let at = StatementAt { index, sid: statement.sid().map(str::to_string) };
                return Err(PolicyError::NotAllowedHere { policy: name.to_string(), policy_type, at, problem });
            }
        }
        self.policies.push(AttachedPolicy { name: name.to_string(), policy_type, policy });
        Ok(self)
    }

    /// Builder form of [`PolicySet::add`].
    pub fn with(mut self, policy_type: PolicyType, name: &str, policy: Policy) -> Result<Self, PolicyError> {
        self.add(policy_type, name, policy)?;
        Ok(self)
    }

    /// Parses and adds an identity-based policy.
    pub fn identity(self, name: &str, document: &Value) -> Result<Self, PolicyError> {
        self.with(PolicyType::Identity, name, Policy::parse(document)?)
    }

    /// Parses and adds a resource-based policy.
    pub fn resource(self, name: &str, document: &Value) -> Result<Self, PolicyError> {
        self.with(PolicyType::Resource, name, Policy::parse(document)?)
    }

    /// Parses and adds a KMS key policy: a resource-based policy that must allow the request, by
    /// naming the caller or by naming its account, which then delegates to identity-based
    /// policies. "Unless the key policy explicitly allows it, you cannot use IAM policies to
    /// allow access to a KMS key" (AWS KMS Developer Guide, Key policies in AWS KMS,
    /// <https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html>).
    pub fn key_policy(mut self, name: &str, document: &Value) -> Result<Self, PolicyError> {
        self.resource_must_allow = true;
        self.resource(name, document)
    }

    /// Parses and adds a role trust policy, which like a key policy must allow the caller or its
    /// account: "Role trust policies and KMS key policies are exceptions to this logic, because
    /// they must explicitly allow access for principals" (IAM User Guide, Policy evaluation logic,
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).
    pub fn trust_policy(mut self, name: &str, document: &Value) -> Result<Self, PolicyError> {
        self.resource_must_allow = true;
        self.resource(name, document)
    }

    /// Parses and adds a service control policy.
    pub fn scp(self, name: &str, document: &Value) -> Result<Self, PolicyError> {
        self.with(PolicyType::ServiceControl, name, Policy::parse(document)?)
    }

    /// Parses and adds a permissions boundary.
    pub fn boundary(self, name: &str, document: &Value) -> Result<Self, PolicyError> {
        self.with(PolicyType::PermissionsBoundary, name, Policy::parse(document)?)
    }

    fn has(&self, policy_type: PolicyType) -> bool {
        self.policies.iter().any(|p| p.policy_type == policy_type)
    }
}

/// The final decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A Deny statement applies.
    ExplicitDeny,
    /// Nothing that had to allow the request did.
    ImplicitDeny,
}

/// Why the decision was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    ExplicitDeny,
    NoServiceControlAllow,
    AllowedByResourcePolicy,
    AllowedByIdentityPolicy,
    /// The account root user, in its own account, needs no identity-based policy.
    RootUser,
    BoundaryDoesNotAllow,
    NoAllow,
    CrossAccountNeedsIdentityAllow,
    CrossAccountNeedsResourceAllow,
    /// A key policy or role trust policy names neither the caller nor its account.
    ResourcePolicyMustAllow,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::ExplicitDeny => "explicitly denied",
            Reason::NoServiceControlAllow => "no service control policy allows the request",
            Reason::AllowedByResourcePolicy => "allowed by a resource-based policy",
            Reason::AllowedByIdentityPolicy => "allowed by an identity-based policy",
            Reason::RootUser => "the account root user has full access in its own account",
            Reason::BoundaryDoesNotAllow => "the permissions boundary does not allow the request",
            Reason::NoAllow => "no identity-based or resource-based policy allows the request",
            Reason::CrossAccountNeedsIdentityAllow => "cross-account request: no identity-based policy allows it",
            Reason::CrossAccountNeedsResourceAllow => {
                "cross-account request: no resource-based policy allows the caller"
            }
            Reason::ResourcePolicyMustAllow => {
                "the key or trust policy allows neither the caller nor its account, and identity-based policies cannot grant it alone"
            }
        })
    }
}

/// A statement of a named policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub policy: String,
    pub policy_type: PolicyType,
    pub index: usize,
    pub sid: Option<String>,
}

impl fmt::Display for StatementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = StatementAt { index: self.index, sid: self.sid.clone() };
        write!(f, "{} policy `{}` {at}", self.policy_type, self.policy)
    }
}

/// The outcome of [`evaluate`]: the decision, why, and the statements that made it (the
/// denying statements, or the allowing ones; none for an implicit deny).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    pub reason: Reason,
    pub statements: Vec<StatementRef>,
}

impl Evaluation {
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allow
    }

    /// The Sids of the deciding statements (statements without one are left out).
    pub fn sids(&self) -> Vec<&str> {
        self.statements.iter().filter_map(|s| s.sid.as_deref()).collect()
    }

    fn new(decision: Decision, reason: Reason, statements: Vec<StatementRef>) -> Self {
        Evaluation { decision, reason, statements }
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.decision, self.reason)?;
        for (i, statement) in self.statements.iter().enumerate() {
            write!(f, "{} {statement}", if i == 0 { " by" } else { ";" })?;
        }
        Ok(())
    }
}

/// A statement that matched the request.
struct Matched {
    at: StatementRef,
    effect: Effect,
    level: PrincipalMatch,
}

/// Decides `request` against `policies` by AWS's documented logic ("Policy evaluation logic"):
///
/// 1. a Deny in any applicable policy denies;
/// 2. if there are SCPs, one must allow (for IAM principals);
/// 3. same account: a resource-based policy that names the caller (or everyone) allows; one that
///    names the caller's role allows unless a permissions boundary does not; one that names only
///    the caller's account delegates to the identity-based policies;
/// 4. a key policy or role trust policy ([`PolicySet::key_policy`], [`PolicySet::trust_policy`])
///    that names neither the caller nor its account denies: identity-based policies cannot
///    grant the request alone;
/// 5. an identity-based policy allows, if the permissions boundary (when there is one) does too;
///    the account root user needs none;
/// 6. cross-account: both an identity-based allow (and the boundary) and a resource-based allow
///    naming the caller, its role or its account are needed;
/// 7. otherwise the request is implicitly denied.
pub fn evaluate(request: &Request, policies: &PolicySet) -> Evaluation {
    let context = request.effective_context();
    let caller = &request.principal;
    let is_root = matches!(caller, Principal::Root { .. });
    let bounded = caller.is_iam() && !is_root && policies.has(PolicyType::PermissionsBoundary);
    let applies = |policy_type: PolicyType| match policy_type {
        PolicyType::Identity | PolicyType::ServiceControl => caller.is_iam(),
        PolicyType::PermissionsBoundary => bounded,
        PolicyType::Resource => true,
    };

    let mut matched = Vec::new();
    for attached in policies.policies.iter().filter(|p| applies(p.policy_type)) {
        for (index, statement) in attached.policy.statements().iter().enumerate() {
            let Some(level) = statement.covers(caller, bounded) else { continue };
            if statement.matches(&request.action, &request.resource, &context) {
                let at = StatementRef {
                    policy: attached.name.clone(),
                    policy_type: attached.policy_type,
                    index,
                    sid: statement.sid().map(str::to_string),
                };
                matched.push(Matched { at, effect: statement.effect(), level });
            }
        }
    }
    let select =
        |effect: Effect, policy_type: Option<PolicyType>, level: Option<PrincipalMatch>| -> Vec<StatementRef> {
            matched
                .iter()
                .filter(|m| m.effect == effect)
                .filter(|m| policy_type.is_none_or(|t| m.at.policy_type == t))
                .filter(|m| level.is_none_or(|l| m.level == l))
                .map(|m| m.at.clone())
                .collect()
        };
    let allows = |policy_type: PolicyType| select(Effect::Allow, Some(policy_type), None);

    let denies = select(Effect::Deny, None, None);
    if !denies.is_empty() {
        return Evaluation::new(Decision::ExplicitDeny, Reason::ExplicitDeny, denies);
    }
    if caller.is_iam() && policies.has(PolicyType::ServiceControl) && allows(PolicyType::ServiceControl).is_empty() {
        return Evaluation::new(Decision::ImplicitDeny, Reason::NoServiceControlAllow, Vec::new());
    }
    let boundary_allows = !bounded || !allows(PolicyType::PermissionsBoundary).is_empty();
    let identity_allows = allows(PolicyType::Identity);
    let allowed = |reason, statements| Evaluation::new(Decision::Allow, reason, statements);
    let denied = |reason| Evaluation::new(Decision::ImplicitDeny, reason, Vec::new());

    if !request.is_same_account() {
        let resource_allows = allows(PolicyType::Resource);
        return if resource_allows.is_empty() {
            denied(Reason::CrossAccountNeedsResourceAllow)
        } else if caller.is_iam() && !is_root && identity_allows.is_empty() {
            denied(Reason::CrossAccountNeedsIdentityAllow)
        } else if !boundary_allows {
            denied(Reason::BoundaryDoesNotAllow)
        } else {
            allowed(Reason::AllowedByResourcePolicy, resource_allows.into_iter().chain(identity_allows).collect())
        };
    }
    let naming_caller = select(Effect::Allow, Some(PolicyType::Resource), Some(PrincipalMatch::Direct));
    if !naming_caller.is_empty() {
        return allowed(Reason::AllowedByResourcePolicy, naming_caller);
    }
    let naming_role = select(Effect::Allow, Some(PolicyType::Resource), Some(PrincipalMatch::Role));
    if !naming_role.is_empty() {
        return if boundary_allows {
            allowed(Reason::AllowedByResourcePolicy, naming_role)
        } else {
            denied(Reason::BoundaryDoesNotAllow)
        };
    }
    let delegating = select(Effect::Allow, Some(PolicyType::Resource), Some(PrincipalMatch::Account));
    if policies.resource_must_allow && delegating.is_empty() {
        return denied(Reason::ResourcePolicyMustAllow);
    }
    if is_root {
        return allowed(Reason::RootUser, Vec::new());
    }
    match (identity_allows.is_empty(), boundary_allows) {
        (true, _) => denied(Reason::NoAllow),
        (false, false) => denied(Reason::BoundaryDoesNotAllow),
        (false, true) => {
            allowed(Reason::AllowedByIdentityPolicy, identity_allows.into_iter().chain(delegating).collect())
        }
    }
}
