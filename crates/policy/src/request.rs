//! The request being authorised.

use crate::context::Context;
use crate::principal::Principal;

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

    /// The context with the keys derived from the principal added where not set.
    pub(crate) fn effective_context(&self) -> Context {
        let mut context = self.context.clone();
        for (key, value) in self.principal.context_keys() {
            context.insert_if_absent(key, value);
        }
        context
    }
}
