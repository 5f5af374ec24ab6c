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

/// AWS's answers to a call that names a resource created a moment ago, which the service does
/// not see yet: (the operations, error code, lower-case message fragment). Each is retried as
/// not ready, only for those operations, so the same code elsewhere (a key that is really gone)
/// fails at once. Sources: the eventual-consistency pages of EC2
/// (<https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html>), KMS
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/accessing-kms.html#programming-eventual-consistency>)
/// and IAM (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>),
/// and the Terraform AWS provider's retries: internal/service/ec2/errors.go and
/// vpc_internet_gateway.go, kms/key.go and wait.go, iam/role.go (issue #1388), s3/bucket_policy.go,
/// sqs/attribute_funcs.go, sns/topic.go, firehose/delivery_stream.go, cloudtrail/trail.go,
/// organizations/organization.go.
const NOT_READY: &[(&[&str], &str, &str)] = &[
    // A key just made: every call on it but its create.
    (KEY_CALLS, "NotFoundException", ""),
    // A VPC, subnet, gateway or route table just made.
    (EC2_CALLS, "InvalidVpcID.NotFound", ""),
    (EC2_CALLS, "InvalidSubnetID.NotFound", ""),
    (EC2_CALLS, "InvalidInternetGatewayID.NotFound", ""),
    (EC2_CALLS, "InvalidRouteTableID.NotFound", ""),
    // A principal IAM has not propagated yet, named in a policy.
    (&["kms:CreateKey", "kms:PutKeyPolicy"], "MalformedPolicyDocumentException", "principal"),
    (&["s3:PutBucketPolicy"], "MalformedPolicy", "principal"),
    (&["iam:CreateRole", "iam:UpdateAssumeRolePolicy"], "MalformedPolicyDocument", "principal"),
    (&["sqs:CreateQueue", "sqs:SetQueueAttributes"], "InvalidAttributeValue", "parameter policy"),
    (&["sns:CreateTopic", "sns:SetTopicAttributes"], "InvalidParameter", "principalnotfound"),
    // A role a service must assume, made a moment ago.
    (&["firehose:CreateDeliveryStream", "firehose:UpdateDestination"], "InvalidArgumentException", "assume"),
    (&["cloudtrail:CreateTrail", "cloudtrail:UpdateTrail"], "InvalidCloudWatchLogsRoleArnException", ""),
    (&["cloudtrail:CreateTrail", "cloudtrail:UpdateTrail"], "InvalidCloudWatchLogsLogGroupArnException", ""),
    // A stream still CREATING (or updating): only an ACTIVE one takes changes.
    (FIREHOSE_CHANGES, "ResourceInUseException", ""),
    // An IAM role that trusts a just-created OIDC provider or names a just-created policy.
    (&["iam:CreateRole", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"], "NoSuchEntity", "policy"),
    // The SCP policy type still PENDING_ENABLE on the root.
    (&["organizations:AttachPolicy"], "PolicyTypeNotEnabledException", ""),
];

const KEY_CALLS: &[&str] = &[
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:PutKeyPolicy",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
    "kms:EnableKey",
    "kms:DisableKey",
];

const EC2_CALLS: &[&str] = &[
    "ec2:ModifyVpcAttribute",
    "ec2:CreateSubnet",
    "ec2:ModifySubnetAttribute",
    "ec2:CreateRouteTable",
    "ec2:CreateRoute",
    "ec2:AssociateRouteTable",
    "ec2:AttachInternetGateway",
    "ec2:CreateVpcEndpoint",
    "ec2:ModifyVpcEndpoint",
    "ec2:CreateTags",
    // A route table re-read right after its create, for its association IDs.
    "ec2:DescribeRouteTables",
];

const FIREHOSE_CHANGES: &[&str] = &[
    "firehose:UpdateDestination",
    "firehose:StartDeliveryStreamEncryption",
    "firehose:StopDeliveryStreamEncryption",
    "firehose:TagDeliveryStream",
    "firehose:UntagDeliveryStream",
];

/// Conflicting concurrent changes, refused for now and accepted later: S3's 409
/// `OperationAborted` on one bucket (S3 API reference, Error codes) and IAM's
/// `ConcurrentModification` ("The request was rejected because multiple requests to change this
/// object were submitted simultaneously", IAM API reference, Common errors).
const CONFLICTS: &[&str] = &["OperationAborted", "ConcurrentModification", "ConcurrentModificationException"];

/// Whether a create was refused because what it names exists already (perhaps made by an earlier
/// attempt of the same call whose response was lost).
fn already_exists(code: &str, message: &str) -> bool {
    ["AlreadyExists", "AlreadyOwnedByYou", "AlreadyAssociated", "Duplicate"].iter().any(|c| code.contains(c))
        || message.to_lowercase().contains("already exist")
}

fn not_ready(operation: &str, code: &str, message: &str) -> bool {
    let message = message.to_lowercase();
    NOT_READY.iter().any(|(ops, c, fragment)| *c == code && ops.contains(&operation) && message.contains(fragment))
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
                Some(c) if not_ready(&operation, c, &message) => ErrorClass::NotReady,
                Some(c) if CONFLICTS.contains(&c) => ErrorClass::Transient,
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
    fn eventual_consistency_errors_are_recognised_by_operation_code_and_message() {
        let firehose = "Firehose is unable to assume role arn:aws:iam::1:role/x";
        assert!(not_ready("firehose:CreateDeliveryStream", "InvalidArgumentException", firehose));
        assert!(not_ready("cloudtrail:CreateTrail", "InvalidCloudWatchLogsRoleArnException", "Access denied."));
        let principals = "Policy contains a statement with one or more invalid principals.";
        assert!(not_ready("kms:PutKeyPolicy", "MalformedPolicyDocumentException", principals));
        assert!(!not_ready(
            "firehose:CreateDeliveryStream",
            "InvalidArgumentException",
            "SizeInMBs must be at most 128"
        ));
        assert!(!not_ready("s3:PutObject", "AccessDenied", "Access Denied"));
    }

    #[test]
    fn a_just_created_key_or_vpc_is_not_ready_only_for_the_calls_that_follow_a_create() {
        assert!(not_ready("kms:CreateAlias", "NotFoundException", "Key 'arn:aws:kms:...' does not exist"));
        assert!(not_ready("kms:EnableKeyRotation", "NotFoundException", "Key 'x' does not exist"));
        assert!(!not_ready("kms:ScheduleKeyDeletion", "NotFoundException", "Key 'x' does not exist"));
        assert!(not_ready("ec2:ModifyVpcAttribute", "InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist"));
        assert!(not_ready("ec2:AttachInternetGateway", "InvalidInternetGatewayID.NotFound", "does not exist"));
        assert!(!not_ready("ec2:DeleteVpc", "InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist"));
        assert!(not_ready("firehose:UpdateDestination", "ResourceInUseException", "stream is CREATING"));
        assert!(not_ready("organizations:AttachPolicy", "PolicyTypeNotEnabledException", ""));
    }
}
