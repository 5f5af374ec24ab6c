//! Who makes a request ([`Principal`]) and the policy's `Principal`/`NotPrincipal` element.

use serde_json::Value;

use crate::arn;

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The AWS account root user.
    Root { account: String },
    /// An IAM user, `arn:aws:iam::<account>:user/<path/name>`.
    User { arn: String },
    /// Any session of an IAM role, `arn:aws:iam::<account>:role/<path/name>`.
    Role { arn: String },
    /// One session of an IAM role: its role and `arn:aws:sts::<account>:assumed-role/<name>/<session>`.
    AssumedRole { role_arn: String, session_arn: String },
    /// An STS federated user, `arn:aws:sts::<account>:federated-user/<name>`.
    FederatedUser { arn: String },
    /// An AWS service principal, such as `cloudtrail.amazonaws.com`.
    Service(String),
    /// A web identity or SAML provider (`"Federated"` in policies).
    Federated(String),
    /// An S3 canonical user id.
    CanonicalUser(String),
    /// An unauthenticated caller.
    Anonymous,
}

/// How directly a `Principal` element names the caller; a resource-based policy's allow counts
/// for more the more directly it names the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PrincipalMatch {
    /// Only the caller's account: the account delegates to its identity-based policies.
    Account,
    /// The role of a role session: still limited by a permissions boundary.
    Role,
    /// The caller itself, or everyone.
    Direct,
}

/// One identity the caller has, from the account down to the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity<'a> {
    Account(&'a str),
    Arn(&'a str),
    Service(&'a str),
    Federated(&'a str),
    CanonicalUser(&'a str),
}

impl Principal {
    /// A user from its ARN.
    pub fn user(arn: &str) -> Self {
        Principal::User { arn: arn.to_string() }
    }

    /// A role from its ARN (any session of it).
    pub fn role(arn: &str) -> Self {
        Principal::Role { arn: arn.to_string() }
    }

    /// A session named `session` of the role `role_arn`.
    pub fn assumed_role(role_arn: &str, session: &str) -> Self {
        let account = arn::account(role_arn).unwrap_or_default();
        let partition = arn::partition(role_arn).unwrap_or("aws");
        let name = role_arn.rsplit('/').next().unwrap_or_default();
        Principal::AssumedRole {
            role_arn: role_arn.to_string(),
            session_arn: format!("arn:{partition}:sts::{account}:assumed-role/{name}/{session}"),
        }
    }

    /// The root user of `account`.
    pub fn root(account: &str) -> Self {
        Principal::Root { account: account.to_string() }
    }

    /// A service principal such as `s3.amazonaws.com`.
    pub fn service(name: &str) -> Self {
        Principal::Service(name.to_string())
    }

    /// The account the caller belongs to, for IAM principals.
    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::Root { account } => Some(account),
            Principal::User { arn } | Principal::Role { arn } | Principal::FederatedUser { arn } => arn::account(arn),
            Principal::AssumedRole { role_arn, .. } => arn::account(role_arn),
            _ => None,
        }
    }

    /// Whether the caller is an IAM principal of an account (root, user, role or session): the
    /// principals that identity-based policies, permissions boundaries and SCPs apply to.
    pub fn is_iam(&self) -> bool {
        matches!(
            self,
            Principal::Root { .. }
                | Principal::User { .. }
                | Principal::Role { .. }
                | Principal::AssumedRole { .. }
                | Principal::FederatedUser { .. }
        )
    }

    /// The context keys AWS derives from the caller (`aws:PrincipalArn`, `aws:PrincipalAccount`,
    /// `aws:PrincipalType`, `aws:username`, `aws:userid`, `aws:PrincipalServiceName`).
    pub(crate) fn context_keys(&self) -> Vec<(&'static str, String)> {
        let mut keys = Vec::new();
        if let Some(account) = self.account() {
            keys.push(("aws:PrincipalAccount", account.to_string()));
        }
        match self {
            Principal::Root { account } => {
                keys.push(("aws:PrincipalArn", format!("arn:aws:iam::{account}:root")));
                keys.push(("aws:PrincipalType", "Account".into()));
                keys.push(("aws:userid", account.clone()));
            }
            Principal::User { arn } => {
                keys.push(("aws:PrincipalArn", arn.clone()));
                keys.push(("aws:PrincipalType", "User".into()));
                keys.push(("aws:username", arn.rsplit('/').next().unwrap_or_default().to_string()));
            }
            Principal::Role { arn } | Principal::AssumedRole { role_arn: arn, .. } => {
                keys.push(("aws:PrincipalArn", arn.clone()));
                keys.push(("aws:PrincipalType", "AssumedRole".into()));
            }
            Principal::FederatedUser { arn } => {
                keys.push(("aws:PrincipalArn", arn.clone()));
                keys.push(("aws:PrincipalType", "FederatedUser".into()));
            }
            Principal::Service(name) => keys.push(("aws:PrincipalServiceName", name.clone())),
            Principal::Anonymous => keys.push(("aws:PrincipalType", "Anonymous".into())),
            Principal::Federated(_) | Principal::CanonicalUser(_) => {}
        }
        keys
    }

    /// The caller's identities, each with how directly naming it names the caller.
    fn identities(&self) -> Vec<(Identity<'_>, PrincipalMatch)> {
        let account = self.account().map(|a| (Identity::Account(a), PrincipalMatch::Account));
        let own: Vec<(Identity<'_>, PrincipalMatch)> = match self {
            Principal::Root { account } => return vec![(Identity::Account(account), PrincipalMatch::Direct)],
            Principal::User { arn } | Principal::FederatedUser { arn } => {
                vec![(Identity::Arn(arn), PrincipalMatch::Direct)]
            }
            Principal::Role { arn } => vec![(Identity::Arn(arn), PrincipalMatch::Role)],
            Principal::AssumedRole { role_arn, session_arn } => vec![
                (Identity::Arn(role_arn), PrincipalMatch::Role),
                (Identity::Arn(session_arn), PrincipalMatch::Direct),
            ],
            Principal::Service(name) => vec![(Identity::Service(name), PrincipalMatch::Direct)],
            Principal::Federated(provider) => vec![(Identity::Federated(provider), PrincipalMatch::Direct)],
            Principal::CanonicalUser(id) => vec![(Identity::CanonicalUser(id), PrincipalMatch::Direct)],
            Principal::Anonymous => vec![],
        };
        account.into_iter().chain(own).collect()
    }
}

/// One entry of a policy's `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalPattern {
    /// `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers.
    Everyone,
    /// `"123456789012"` or `arn:aws:iam::123456789012:root`.
    Account(String),
    /// Any other ARN under `"AWS"`: a user, role, session or federated user, compared exactly
    /// (the Principal element has no partial wildcards).
    Arn(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

impl PrincipalPattern {
    /// Parses a `Principal` element value.
    pub(crate) fn parse_element(value: &Value) -> Result<Vec<PrincipalPattern>, String> {
        let map = match value {
            Value::String(s) if s == "*" => return Ok(vec![PrincipalPattern::Everyone]),
            Value::Object(map) => map,
            other => return Err(format!("must be \"*\" or an object, not {other}")),
        };
        let mut patterns = Vec::new();
        for (kind, entries) in map {
            for entry in crate::policy::string_list(entries).map_err(|e| format!("{kind} {e}"))? {
                patterns.push(match kind.as_str() {
                    "AWS" if entry == "*" => PrincipalPattern::Everyone,
                    "AWS" => aws_pattern(&entry),
                    "Service" => PrincipalPattern::Service(entry),
                    "Federated" => PrincipalPattern::Federated(entry),
                    "CanonicalUser" => PrincipalPattern::CanonicalUser(entry),
                    other => return Err(format!("unknown principal type `{other}`")),
                });
            }
        }
        Ok(patterns)
    }

    fn names(&self, identity: Identity<'_>) -> bool {
        match (self, identity) {
            (PrincipalPattern::Everyone, _) => true,
            (PrincipalPattern::Account(a), Identity::Account(b)) | (PrincipalPattern::Arn(a), Identity::Arn(b)) => {
                a == b
            }
            (PrincipalPattern::Service(a), Identity::Service(b)) => a.eq_ignore_ascii_case(b),
            (PrincipalPattern::Federated(a), Identity::Federated(b))
            | (PrincipalPattern::CanonicalUser(a), Identity::CanonicalUser(b)) => a == b,
            _ => false,
        }
    }
}

fn aws_pattern(entry: &str) -> PrincipalPattern {
    let is_account_id = entry.len() == 12 && entry.bytes().all(|b| b.is_ascii_digit());
    if is_account_id {
        return PrincipalPattern::Account(entry.to_string());
    }
    let parts: Vec<&str> = entry.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, "root"] => PrincipalPattern::Account(account.to_string()),
        _ => PrincipalPattern::Arn(entry.to_string()),
    }
}

/// How directly `patterns` (a `Principal` element) name `caller`, if at all.
pub(crate) fn match_level(patterns: &[PrincipalPattern], caller: &Principal) -> Option<PrincipalMatch> {
    if patterns.contains(&PrincipalPattern::Everyone) {
        return Some(PrincipalMatch::Direct);
    }
    caller
        .identities()
        .into_iter()
        .filter(|(identity, _)| patterns.iter().any(|p| p.names(*identity)))
        .map(|(_, level)| level)
        .max()
}

/// Whether `patterns` (a `NotPrincipal` element) exempt `caller`. AWS may check the account,
/// then the role, then the session, so the caller is exempt only when every one of its
/// identities is listed (the documented advice: list the user and its account, or the session,
/// its role and the account).
pub(crate) fn exempts(patterns: &[PrincipalPattern], caller: &Principal) -> bool {
    if patterns.contains(&PrincipalPattern::Everyone) {
        return true;
    }
    let identities = caller.identities();
    !identities.is_empty() && identities.iter().all(|(identity, _)| patterns.iter().any(|p| p.names(*identity)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patterns(value: Value) -> Vec<PrincipalPattern> {
        PrincipalPattern::parse_element(&value).unwrap()
    }

    #[test]
    fn account_ids_and_root_arns_name_the_account() {
        let by_id = patterns(json!({"AWS": "123456789012"}));
        let by_arn = patterns(json!({"AWS": ["arn:aws:iam::123456789012:root"]}));
        assert_eq!(by_id, by_arn);
        let user = Principal::user("arn:aws:iam::123456789012:user/alice");
        assert_eq!(match_level(&by_id, &user), Some(PrincipalMatch::Account));
        assert_eq!(match_level(&by_id, &Principal::root("123456789012")), Some(PrincipalMatch::Direct));
        assert_eq!(match_level(&by_id, &Principal::user("arn:aws:iam::999999999999:user/alice")), None);
    }

    #[test]
    fn a_role_arn_names_its_sessions_less_directly_than_the_session_arn() {
        let session = Principal::assumed_role("arn:aws:iam::111122223333:role/app/Deployer", "ci");
        let Principal::AssumedRole { session_arn, .. } = &session else { unreachable!() };
        assert_eq!(session_arn, "arn:aws:sts::111122223333:assumed-role/Deployer/ci");
        let role = patterns(json!({"AWS": "arn:aws:iam::111122223333:role/app/Deployer"}));
        assert_eq!(match_level(&role, &session), Some(PrincipalMatch::Role));
        let by_session = patterns(json!({"AWS": "arn:aws:sts::111122223333:assumed-role/Deployer/ci"}));
        assert_eq!(match_level(&by_session, &session), Some(PrincipalMatch::Direct));
    }

    #[test]
    fn everyone_includes_anonymous_callers_and_services() {
        for everyone in [json!("*"), json!({"AWS": "*"})] {
            assert_eq!(match_level(&patterns(everyone.clone()), &Principal::Anonymous), Some(PrincipalMatch::Direct));
            assert_eq!(
                match_level(&patterns(everyone), &Principal::service("s3.amazonaws.com")),
                Some(PrincipalMatch::Direct)
            );
        }
        let service = patterns(json!({"Service": ["cloudtrail.amazonaws.com"]}));
        assert_eq!(
            match_level(&service, &Principal::service("cloudtrail.amazonaws.com")),
            Some(PrincipalMatch::Direct)
        );
        assert_eq!(match_level(&service, &Principal::Anonymous), None);
    }

    #[test]
    fn not_principal_exempts_only_when_every_identity_is_listed() {
        let bob = Principal::user("arn:aws:iam::444455556666:user/Bob");
        let only_bob = patterns(json!({"AWS": "arn:aws:iam::444455556666:user/Bob"}));
        let bob_and_account =
            patterns(json!({"AWS": ["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]}));
        assert!(!exempts(&only_bob, &bob));
        assert!(exempts(&bob_and_account, &bob));
        assert!(!exempts(&bob_and_account, &Principal::Anonymous));
    }

    #[test]
    fn malformed_principals_are_rejected() {
        assert!(PrincipalPattern::parse_element(&json!("arn:aws:iam::1:root")).is_err());
        assert!(PrincipalPattern::parse_element(&json!({"Group": "x"})).is_err());
        assert!(PrincipalPattern::parse_element(&json!({"AWS": 5})).is_err());
    }

    #[test]
    fn context_keys_follow_the_principal_type() {
        let keys = Principal::user("arn:aws:iam::123456789012:user/division/David").context_keys();
        assert!(keys.contains(&("aws:username", "David".to_string())));
        assert!(keys.contains(&("aws:PrincipalAccount", "123456789012".to_string())));
        let keys = Principal::assumed_role("arn:aws:iam::123456789012:role/R", "s").context_keys();
        assert!(keys.contains(&("aws:PrincipalArn", "arn:aws:iam::123456789012:role/R".to_string())));
        assert!(!keys.iter().any(|(k, _)| *k == "aws:username"));
    }
}
