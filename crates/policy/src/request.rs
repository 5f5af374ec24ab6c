//! The request being authorised.

use crate::context::Context;
use crate::principal::Principal;

/// Keys AWS sets only when a service principal calls on behalf of a resource: "This key is
/// included in the request context only when the call to your resource is being made directly
/// by an AWS service principal on behalf of a resource for which the configuration triggered
/// the service-to-service request" (IAM User Guide, AWS global condition context keys,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcearn>).
/// A service that works through a role it assumed (Firehose, CloudTrail's CloudWatch Logs
/// delivery) calls as a role session, so these keys are absent from its requests.
pub const SERVICE_PRINCIPAL_ONLY_KEYS: [&str; 4] =
    ["aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths"];

/// A request: who does what to which resource, with its condition keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: Principal,
    /// `service:Action`, such as `s3:PutObject`.
    pub action: String,
    /// The resource ARN (`*` for actions without a resource).
    pub resource: String,
    pub context: Context,
    /// The account that owns the resource, when it differs from the caller's (a cross-account
    /// request); `None` means the caller's own account.
    pub resource_account: Option<String>,
}

impl Request {
    /// A same-account request with an empty context. Keys derived from the principal
    /// (`aws:PrincipalArn`, `aws:username`, ...) are added at evaluation unless set.
    pub fn new(principal: Principal, action: &str, resource: &str) -> Self {
        Request {
            principal,
            action: action.to_string(),
            resource: resource.to_string(),
            context: Context::new(),
            resource_account: None,
        }
    }

    /// Sets a single-valued context key.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.context.insert(key, value);
        self
    }

    /// Sets a multivalued context key.
    pub fn with_multi<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.context.insert_multi(key, values);
        self
    }

    /// Replaces the context.
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// Says which account owns the resource.
    pub fn in_account(mut self, account: &str) -> Self {
        self.resource_account = Some(account.to_string());
        self
    }

    /// Whether the resource is in the caller's account.
    pub fn is_same_account(&self) -> bool {
        match (&self.resource_account, self.principal.account()) {
            (None, _) => true,
            (Some(owner), Some(caller)) => owner == caller,
            (Some(_), None) => false,
        }
    }

    /// The context with the keys derived from the principal added where not set, and without
    /// the keys AWS sets only for service principals ([`SERVICE_PRINCIPAL_ONLY_KEYS`]) when the
    /// caller is not one.
    pub(crate) fn effective_context(&self) -> Context {
        let mut context = self.context.clone();
        if !matches!(self.principal, Principal::Service(_)) {
            for key in SERVICE_PRINCIPAL_ONLY_KEYS {
                context.remove(key);
            }
        }
        for (key, value) in self.principal.context_keys() {
            context.insert_if_absent(key, value);
        }
        context
    }
}
