//! An IAM policy evaluator: AWS's policy evaluation logic over identity-based, resource-based,
//! service control and permissions boundary policies for one request, offline and without the
//! AWS SDK.
//!
//! ```
//! use bankinfra_policy::{Decision, PolicySet, Principal, Request, evaluate};
//! use serde_json::json;
//!
//! let policies = PolicySet::new()
//!     .identity("home", &json!({"Version": "2012-10-17", "Statement": {
//!         "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"}}))
//!     .unwrap();
//! let request = Request::new(Principal::user("arn:aws:iam::111122223333:user/alice"), "s3:GetObject",
//!     "arn:aws:s3:::home/alice/notes.txt");
//! assert_eq!(evaluate(&request, &policies).decision, Decision::Allow);
//! ```
//!
//! # Modelled
//!
//! - Decisions: an explicit Deny anywhere wins; SCPs must allow (for IAM principals); then a
//!   resource-based allow or an identity-based allow, limited by a permissions boundary; else an
//!   implicit deny. Resource-based allows follow the documented same-account rules: naming the
//!   caller (user, session, federated user, service, `*`) allows outright, naming the caller's
//!   role is still limited by a permissions boundary, naming only the account delegates to
//!   identity-based policies. The account root user needs no identity-based allow. A request
//!   marked cross-account ([`Request::in_account`]) needs both an identity-based and a
//!   resource-based allow.
//! - Elements: `Version` (variables only under 2012-10-17), `Statement` as an object or list,
//!   `Sid`, `Effect`, `Action`/`NotAction` (case-insensitive, `*` and `?`),
//!   `Resource`/`NotResource` (whole-ARN match, case-sensitive, `*` and `?`, policy variables),
//!   `Principal`/`NotPrincipal` (`*`, `AWS` account ids and ARNs, `Service`, `Federated`,
//!   `CanonicalUser`; a `NotPrincipal` exempts a caller only if all its identities — account,
//!   role, session — are listed, and never exempts a principal with a permissions boundary),
//!   and `Condition`.
//! - Condition operators: `String*`, `Numeric*`, `Date*` (ISO 8601 or epoch seconds), `Bool`,
//!   `BinaryEquals`, `IpAddress`/`NotIpAddress` (IPv4 and IPv6), `Arn*`, `Null`, with
//!   `...IfExists` and `ForAnyValue:`/`ForAllValues:`; see the `condition` module for the
//!   semantics of absent keys and multivalued keys.
//! - Policy variables in `Resource` and string/ARN condition values, with defaults
//!   (`${aws:PrincipalTag/team, 'none'}`) and the `${*}`, `${?}`, `${$}` escapes; a variable
//!   without value makes its resource or value match nothing.
//! - Keys derived from the principal: `aws:PrincipalArn`, `aws:PrincipalAccount`,
//!   `aws:PrincipalType`, `aws:username`, `aws:userid` (root), `aws:PrincipalServiceName`; the
//!   keys AWS sets only on a service principal's own calls (`aws:SourceArn`,
//!   `aws:SourceAccount`, ...; [`SERVICE_PRINCIPAL_ONLY_KEYS`]) are absent from every other
//!   caller's request, role sessions of a service included.
//! - KMS key policies and role trust policies ([`PolicySet::key_policy`],
//!   [`PolicySet::trust_policy`]) must allow the caller or its account even in the same
//!   account; naming the account delegates to identity-based policies.
//!
//! # Not modelled
//!
//! Session policies; resource control policies (RCPs); the SCP hierarchy (all SCPs are treated
//! as one level, so any of them allowing suffices); the management account and service-linked
//! roles being exempt from SCPs (leave SCPs out for those); KMS grants; S3 ACLs and Block Public
//! Access; VPC endpoint policies; IAM's per-service validation of actions, resources and condition keys.

mod arn;
pub mod authorization;
mod condition;
mod context;
mod error;
mod evaluate;
mod glob;
mod policy;
mod principal;
mod request;
mod statement;
mod template;

pub use context::{Context, ContextValue};
pub use error::{PolicyError, StatementAt};
pub use evaluate::{Decision, Evaluation, PolicySet, PolicyType, Reason, StatementRef, evaluate};
pub use policy::Policy;
pub use principal::Principal;
pub use request::{Request, SERVICE_PRINCIPAL_ONLY_KEYS};
pub use statement::{Effect, Statement};
