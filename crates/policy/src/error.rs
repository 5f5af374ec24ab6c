//! Errors for malformed policy documents.

use std::fmt;

use crate::evaluate::PolicyType;

/// Why a policy document was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy document is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("policy document must be a JSON object")]
    NotAnObject,
    #[error("unsupported policy Version `{0}` (expected 2012-10-17 or 2008-10-17)")]
    UnsupportedVersion(String),
    #[error("policy element `{0}` must be a string")]
    NotAString(&'static str),
    #[error("policy document has no Statement")]
    MissingStatement,
    #[error("unknown policy element `{0}`")]
    UnknownElement(String),
    #[error("{at}: {problem}")]
    Statement { at: StatementAt, problem: String },
    #[error("{policy_type} policy `{policy}`, {at}: {problem}")]
    NotAllowedHere { policy: String, policy_type: PolicyType, at: StatementAt, problem: &'static str },
}

/// Where a statement is: its index in the policy and its Sid, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementAt {
    pub index: usize,
    pub sid: Option<String>,
}

impl fmt::Display for StatementAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "statement {}", self.index)?;
        match &self.sid {
            Some(sid) => write!(f, " (Sid `{sid}`)"),
            None => Ok(()),
        }
    }
}
