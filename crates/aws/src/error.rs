//! Turning SDK errors into [`ProviderError`]s, classified for retry decisions.

use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use bankinfra_model::{ErrorClass, ProviderError};

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "RequestThrottled",
];

const CREDENTIALS: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "AuthFailure",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
];

/// Errors that mean "a resource this call refers to was just created and is not visible to
/// the service yet": (error code, lower-case fragment of the message).
const NOT_READY: &[(&str, &str)] = &[
    // Firehose cannot assume a role created a moment ago.
    ("InvalidArgumentException", "assume"),
    // CloudTrail cannot use the CloudWatch Logs role yet.
    ("InvalidCloudWatchLogsRoleArnException", ""),
    ("InvalidCloudWatchLogsLogGroupArnException", ""),
    // A key or bucket policy names a principal IAM has not propagated yet.
    ("MalformedPolicyDocumentException", "principal"),
    ("MalformedPolicy", "principal"),
    // An IAM role that trusts a just-created OIDC provider or names a just-created policy.
    ("NoSuchEntity", "policy"),
];

/// Whether a create was refused because what it names exists already (perhaps made by an earlier
/// attempt of the same call whose response was lost).
fn already_exists(code: &str, message: &str) -> bool {
    ["AlreadyExists", "AlreadyOwnedByYou", "AlreadyAssociated", "Duplicate"].iter().any(|c| code.contains(c))
        || message.to_lowercase().contains("already exist")
}

fn not_ready(code: &str, message: &str) -> bool {
    let message = message.to_lowercase();
    NOT_READY.iter().any(|(c, fragment)| *c == code && message.contains(fragment))
}

/// Converts an SDK error for `operation` (e.g. `ec2:CreateVpc`).
pub(crate) fn from_sdk<E>(operation: &str, err: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let operation = operation.to_string();
    match &err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let code = ctx.err().code().map(str::to_string);
            let message = ctx.err().message().map(str::to_string).unwrap_or_else(|| format!("HTTP {status}"));
            let class = match code.as_deref() {
                Some(c) if THROTTLING.contains(&c) => ErrorClass::Throttled,
                Some(c) if CREDENTIALS.contains(&c) => ErrorClass::Credentials,
                Some(c) if not_ready(c, &message) => ErrorClass::NotReady,
                Some(c) if already_exists(c, &message) => ErrorClass::AlreadyExists,
                None if status == 404 || status == 501 => ErrorClass::Unsupported,
                _ if status >= 500 => ErrorClass::Transient,
                _ => ErrorClass::Permanent,
            };
            ProviderError { operation, code, message, class }
        }
        SdkError::DispatchFailure(_) if credentials_missing(&err) => ProviderError {
            operation,
            code: None,
            message: "no AWS credentials found (tried the environment, the shared config and credentials files, web identity, ECS and EC2 instance metadata)".into(),
            class: ErrorClass::Credentials,
        },
        SdkError::DispatchFailure(f) => {
            let class = if f.is_timeout() || f.is_io() { ErrorClass::Unreachable } else { ErrorClass::Transient };
            let class = if f.as_other().is_some() { ErrorClass::Transient } else { class };
            ProviderError {
                operation,
                code: None,
                message: format!("cannot reach the endpoint: {}", DisplayErrorContext(&err)),
                class,
            }
        }
        SdkError::TimeoutError(_) => {
            ProviderError { operation, code: None, message: "timed out".into(), class: ErrorClass::Transient }
        }
        SdkError::ResponseError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let class = if status == 404 || status == 500 || status == 501 {
                ErrorClass::Unsupported
            } else {
                ErrorClass::Transient
            };
            ProviderError {
                operation,
                code: None,
                message: format!("unreadable response (HTTP {status}); the endpoint may not implement this operation"),
                class,
            }
        }
        SdkError::ConstructionFailure(_) => {
            let message = DisplayErrorContext(&err).to_string();
            let class = if message.contains("credential") { ErrorClass::Credentials } else { ErrorClass::Permanent };
            ProviderError { operation, code: None, message, class }
        }
        _ => ProviderError {
            operation,
            code: None,
            message: DisplayErrorContext(&err).to_string(),
            class: ErrorClass::Permanent,
        },
    }
}

/// Whether the request was never sent because the credential chain found no credentials.
fn credentials_missing<E: std::error::Error + 'static>(err: &E) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.downcast_ref::<aws_credential_types::provider::error::CredentialsError>().is_some() {
            return true;
        }
        source = e.source();
    }
    false
}

/// `.op("service:Action")` on an SDK result.
pub(crate) trait OrProviderError<T> {
    fn op(self, operation: &str) -> Result<T, ProviderError>;
}

impl<T, E> OrProviderError<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn op(self, operation: &str) -> Result<T, ProviderError> {
        self.map_err(|e| from_sdk(operation, e))
    }
}

/// Whether an error carries one of the given service error codes.
pub(crate) fn has_code(err: &ProviderError, codes: &[&str]) -> bool {
    err.code.as_deref().is_some_and(|c| codes.contains(&c))
}

/// `Ok(None)` for the given "not found" codes; other errors pass through.
pub(crate) fn absent_if<T>(result: Result<T, ProviderError>, codes: &[&str]) -> Result<Option<T>, ProviderError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if has_code(&e, codes) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::{already_exists, not_ready};

    #[test]
    fn conflicts_with_an_existing_resource_are_recognised_by_code_or_message() {
        assert!(already_exists("EntityAlreadyExists", "Role with name x already exists."));
        assert!(already_exists("BucketAlreadyOwnedByYou", ""));
        assert!(already_exists("DuplicatePolicyException", ""));
        assert!(already_exists("InvalidRequestException", "A rule with that name already exists"));
        assert!(!already_exists("ValidationException", "Value at 'name' failed to satisfy constraint"));
    }

    #[test]
    fn eventual_consistency_errors_are_recognised_by_code_and_message() {
        assert!(not_ready("InvalidArgumentException", "Firehose is unable to assume role arn:aws:iam::1:role/x"));
        assert!(not_ready("InvalidCloudWatchLogsRoleArnException", "Access denied."));
        assert!(not_ready(
            "MalformedPolicyDocumentException",
            "Policy contains a statement with one or more invalid principals."
        ));
        assert!(!not_ready("InvalidArgumentException", "BufferingHints.SizeInMBs must be at most 128"));
        assert!(!not_ready("AccessDenied", "Access Denied"));
    }
}
