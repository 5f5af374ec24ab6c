//! The calls `bankinfra-aws` makes for each kind of resource, as IAM authorizes them: the action
//! and the resource it is authorized on. Each row mirrors the `.op("...")` calls of the kind's
//! file in `crates/aws/src` (an update lists every call an update of the kind may make); the
//! end-to-end tests `drift_coverage` and `gov_005_tag_enforcement_scp` check that every mutating
//! request an apply, an update of every kind and a destroy send is listed here.
//!
//! A create that carries tags is authorized as the tagging action too (EC2: "Grant permission
//! to tag Amazon EC2 resources during creation",
//! <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html>;
//! KMS CreateKey: "To use the Tags parameter, kms:TagResource",
//! <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html>; likewise S3's
//! CreateBucket and IAM's creates with tags), so each create lists its tagging action.
//!
//! Where the IAM action differs from the API operation (S3's configuration calls, Amazon S3 API
//! reference, "Permissions" of each operation), the action is listed: [`iam_action`].

use bankinfra_model::Kind;

/// What a change does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Create,
    Update,
    Delete,
}

/// The resource a call is authorized on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum On {
    /// The resource itself (its ARN).
    Itself,
    /// The resource's VPC (`vpc_id`).
    Vpc,
    /// A key's alias.
    Alias,
    /// The objects of a bucket (`arn:aws:s3:::bucket/*`).
    Objects,
    /// A user pool client's pool.
    Pool,
    /// No resource-level permissions: `*`.
    Star,
}

use On::*;

/// The calls of one kind and verb.
pub(crate) fn calls(kind: Kind, verb: Verb) -> &'static [(&'static str, On)] {
    use Verb::*;
    const EC2_TAGS: [(&str, On); 2] = [("ec2:CreateTags", Itself), ("ec2:DeleteTags", Itself)];
    const S3_CONFIGURATION: [(&str, On); 8] = [
        ("s3:PutBucketTagging", Itself),
        ("s3:PutBucketPublicAccessBlock", Itself),
        ("s3:PutEncryptionConfiguration", Itself),
        ("s3:PutBucketVersioning", Itself),
        ("s3:PutBucketObjectLockConfiguration", Itself),
        ("s3:PutBucketPolicy", Itself),
        ("s3:DeleteBucketPolicy", Itself),
        ("s3:PutLifecycleConfiguration", Itself),
    ];
    match (kind, verb) {
        (Kind::Vpc, Create) => &[("ec2:CreateVpc", Itself), EC2_TAGS[0], ("ec2:ModifyVpcAttribute", Itself)],
        (Kind::Vpc, Update) => &[("ec2:ModifyVpcAttribute", Itself), EC2_TAGS[0], EC2_TAGS[1]],
        (Kind::Vpc, Delete) => &[("ec2:DeleteVpc", Itself)],
        (Kind::Subnet, Create) => &[
            ("ec2:CreateSubnet", Itself),
            ("ec2:CreateSubnet", Vpc),
            EC2_TAGS[0],
            ("ec2:ModifySubnetAttribute", Itself),
        ],
        (Kind::Subnet, Update) => &[("ec2:ModifySubnetAttribute", Itself), EC2_TAGS[0], EC2_TAGS[1]],
        (Kind::Subnet, Delete) => &[("ec2:DeleteSubnet", Itself)],
        (Kind::InternetGateway, Create) => &[
            ("ec2:CreateInternetGateway", Itself),
            EC2_TAGS[0],
            ("ec2:AttachInternetGateway", Itself),
            ("ec2:AttachInternetGateway", Vpc),
        ],
        (Kind::InternetGateway, Update) => &[
            ("ec2:AttachInternetGateway", Itself),
            ("ec2:AttachInternetGateway", Vpc),
            ("ec2:DetachInternetGateway", Itself),
            ("ec2:DetachInternetGateway", Vpc),
            EC2_TAGS[0],
            EC2_TAGS[1],
        ],
        (Kind::InternetGateway, Delete) => &[
            ("ec2:DetachInternetGateway", Itself),
            ("ec2:DetachInternetGateway", Vpc),
            ("ec2:DeleteInternetGateway", Itself),
        ],
        (Kind::RouteTable, Create) => &[
            ("ec2:CreateRouteTable", Itself),
            ("ec2:CreateRouteTable", Vpc),
            EC2_TAGS[0],
            ("ec2:CreateRoute", Itself),
            ("ec2:AssociateRouteTable", Itself),
        ],
        (Kind::RouteTable, Update) => &[
            ("ec2:CreateRoute", Itself),
            ("ec2:DeleteRoute", Itself),
            ("ec2:AssociateRouteTable", Itself),
            ("ec2:DisassociateRouteTable", Itself),
            EC2_TAGS[0],
            EC2_TAGS[1],
        ],
        (Kind::RouteTable, Delete) => &[("ec2:DisassociateRouteTable", Itself), ("ec2:DeleteRouteTable", Itself)],
        (Kind::VpcEndpoint, Create) => {
            &[("ec2:CreateVpcEndpoint", Itself), ("ec2:CreateVpcEndpoint", Vpc), EC2_TAGS[0]]
        }
        (Kind::VpcEndpoint, Update) => &[("ec2:ModifyVpcEndpoint", Itself), EC2_TAGS[0], EC2_TAGS[1]],
        (Kind::VpcEndpoint, Delete) => &[("ec2:DeleteVpcEndpoints", Itself)],
        (Kind::KmsKey, Create) => &[
            ("kms:CreateKey", Star),
            ("kms:TagResource", Itself),
            ("kms:EnableKeyRotation", Itself),
            ("kms:CreateAlias", Alias),
            ("kms:CreateAlias", Itself),
        ],
        (Kind::KmsKey, Update) => &[
            ("kms:PutKeyPolicy", Itself),
            ("kms:EnableKeyRotation", Itself),
            ("kms:DisableKeyRotation", Itself),
            ("kms:UpdateKeyDescription", Itself),
            ("kms:EnableKey", Itself),
            ("kms:DisableKey", Itself),
            ("kms:CancelKeyDeletion", Itself),
            ("kms:TagResource", Itself),
            ("kms:UntagResource", Itself),
            ("kms:CreateAlias", Alias),
            ("kms:CreateAlias", Itself),
            ("kms:UpdateAlias", Alias),
            ("kms:UpdateAlias", Itself),
        ],
        (Kind::KmsKey, Delete) => {
            &[("kms:DeleteAlias", Alias), ("kms:DeleteAlias", Itself), ("kms:ScheduleKeyDeletion", Itself)]
        }
        (Kind::S3Bucket, Create) => &[
            ("s3:CreateBucket", Itself),
            ("s3:TagResource", Itself),
            S3_CONFIGURATION[0],
            S3_CONFIGURATION[1],
            S3_CONFIGURATION[2],
            S3_CONFIGURATION[3],
            S3_CONFIGURATION[4],
            S3_CONFIGURATION[5],
            S3_CONFIGURATION[6],
            S3_CONFIGURATION[7],
        ],
        (Kind::S3Bucket, Update) => &S3_CONFIGURATION,
        (Kind::S3Bucket, Delete) => {
            &[("s3:DeleteObject", Objects), ("s3:DeleteObjectVersion", Objects), ("s3:DeleteBucket", Itself)]
        }
        (Kind::SqsQueue, Create) => &[("sqs:CreateQueue", Itself), ("sqs:SetQueueAttributes", Itself)],
        (Kind::SqsQueue, Update) => {
            &[("sqs:SetQueueAttributes", Itself), ("sqs:TagQueue", Itself), ("sqs:UntagQueue", Itself)]
        }
        (Kind::SqsQueue, Delete) => &[("sqs:DeleteQueue", Itself)],
        (Kind::EventBus, Create) => &[("events:CreateEventBus", Itself), ("events:PutPermission", Itself)],
        (Kind::EventBus, Update) => &[
            ("events:PutPermission", Itself),
            ("events:RemovePermission", Itself),
            ("events:TagResource", Itself),
            ("events:UntagResource", Itself),
        ],
        (Kind::EventBus, Delete) => &[("events:RemovePermission", Itself), ("events:DeleteEventBus", Itself)],
        (Kind::EventArchive, Create) => &[("events:CreateArchive", Itself)],
        (Kind::EventArchive, Update) => &[("events:UpdateArchive", Itself)],
        (Kind::EventArchive, Delete) => &[("events:DeleteArchive", Itself)],
        (Kind::LogGroup, Create) => &[
            ("logs:CreateLogGroup", Itself),
            ("logs:PutRetentionPolicy", Itself),
            ("logs:AssociateKmsKey", Itself),
            ("logs:CreateLogStream", Itself),
        ],
        (Kind::LogGroup, Update) => &[
            ("logs:PutRetentionPolicy", Itself),
            ("logs:DeleteRetentionPolicy", Itself),
            ("logs:AssociateKmsKey", Itself),
            ("logs:DisassociateKmsKey", Itself),
            ("logs:TagResource", Itself),
            ("logs:UntagResource", Itself),
        ],
        (Kind::LogGroup, Delete) => &[("logs:DeleteLogGroup", Itself)],
        (Kind::SnsTopic, Create) => &[("sns:CreateTopic", Itself), ("sns:SetTopicAttributes", Itself)],
        (Kind::SnsTopic, Update) => {
            &[("sns:SetTopicAttributes", Itself), ("sns:TagResource", Itself), ("sns:UntagResource", Itself)]
        }
        (Kind::SnsTopic, Delete) => &[("sns:DeleteTopic", Itself)],
        (Kind::XraySamplingRule, Create) => &[("xray:CreateSamplingRule", Itself), ("xray:TagResource", Itself)],
        (Kind::XraySamplingRule, Update) => {
            &[("xray:UpdateSamplingRule", Itself), ("xray:TagResource", Itself), ("xray:UntagResource", Itself)]
        }
        (Kind::XraySamplingRule, Delete) => &[("xray:DeleteSamplingRule", Itself)],
        (Kind::IamOidcProvider, Create) => {
            &[("iam:CreateOpenIDConnectProvider", Itself), ("iam:TagOpenIDConnectProvider", Itself)]
        }
        (Kind::IamOidcProvider, Update) => &[
            ("iam:AddClientIDToOpenIDConnectProvider", Itself),
            ("iam:RemoveClientIDFromOpenIDConnectProvider", Itself),
            ("iam:UpdateOpenIDConnectProviderThumbprint", Itself),
            ("iam:TagOpenIDConnectProvider", Itself),
            ("iam:UntagOpenIDConnectProvider", Itself),
        ],
        (Kind::IamOidcProvider, Delete) => &[("iam:DeleteOpenIDConnectProvider", Itself)],
        (Kind::IamPolicy, Create) => &[("iam:CreatePolicy", Itself), ("iam:TagPolicy", Itself)],
        (Kind::IamPolicy, Update) => &[
            ("iam:CreatePolicyVersion", Itself),
            ("iam:DeletePolicyVersion", Itself),
            ("iam:TagPolicy", Itself),
            ("iam:UntagPolicy", Itself),
        ],
        (Kind::IamPolicy, Delete) => &[
            ("iam:DetachRolePolicy", Itself),
            ("iam:DetachGroupPolicy", Itself),
            ("iam:DetachUserPolicy", Itself),
            ("iam:DeletePolicyVersion", Itself),
            ("iam:DeletePolicy", Itself),
        ],
        (Kind::IamRole, Create) => &[
            ("iam:CreateRole", Itself),
            ("iam:TagRole", Itself),
            ("iam:PutRolePolicy", Itself),
            ("iam:AttachRolePolicy", Itself),
        ],
        (Kind::IamRole, Update) => &[
            ("iam:UpdateAssumeRolePolicy", Itself),
            ("iam:UpdateRole", Itself),
            ("iam:PutRolePolicy", Itself),
            ("iam:DeleteRolePolicy", Itself),
            ("iam:AttachRolePolicy", Itself),
            ("iam:DetachRolePolicy", Itself),
            ("iam:TagRole", Itself),
            ("iam:UntagRole", Itself),
        ],
        (Kind::IamRole, Delete) => &[
            ("iam:DetachRolePolicy", Itself),
            ("iam:DeleteRolePolicy", Itself),
            ("iam:RemoveRoleFromInstanceProfile", Itself),
            ("iam:DeleteRole", Itself),
        ],
        (Kind::CloudTrailTrail, Create) => &[
            ("cloudtrail:CreateTrail", Itself),
            ("cloudtrail:PutEventSelectors", Itself),
            ("cloudtrail:StartLogging", Itself),
        ],
        (Kind::CloudTrailTrail, Update) => &[
            ("cloudtrail:UpdateTrail", Itself),
            ("cloudtrail:PutEventSelectors", Itself),
            ("cloudtrail:StartLogging", Itself),
            ("cloudtrail:StopLogging", Itself),
            ("cloudtrail:AddTags", Itself),
            ("cloudtrail:RemoveTags", Itself),
        ],
        (Kind::CloudTrailTrail, Delete) => &[("cloudtrail:DeleteTrail", Itself)],
        (Kind::FirehoseStream, Create) => &[("firehose:CreateDeliveryStream", Itself)],
        (Kind::FirehoseStream, Update) => &[
            ("firehose:UpdateDestination", Itself),
            ("firehose:StartDeliveryStreamEncryption", Itself),
            ("firehose:TagDeliveryStream", Itself),
            ("firehose:UntagDeliveryStream", Itself),
        ],
        (Kind::FirehoseStream, Delete) => &[("firehose:DeleteDeliveryStream", Itself)],
        (Kind::CognitoUserPool, Create) => {
            &[("cognito-idp:CreateUserPool", Star), ("cognito-idp:SetUserPoolMfaConfig", Itself)]
        }
        (Kind::CognitoUserPool, Update) => &[
            ("cognito-idp:UpdateUserPool", Itself),
            ("cognito-idp:SetUserPoolMfaConfig", Itself),
            ("cognito-idp:TagResource", Itself),
            ("cognito-idp:UntagResource", Itself),
        ],
        (Kind::CognitoUserPool, Delete) => {
            &[("cognito-idp:UpdateUserPool", Itself), ("cognito-idp:DeleteUserPool", Itself)]
        }
        (Kind::CognitoUserPoolClient, Create) => &[("cognito-idp:CreateUserPoolClient", Pool)],
        (Kind::CognitoUserPoolClient, Update) => &[("cognito-idp:UpdateUserPoolClient", Pool)],
        (Kind::CognitoUserPoolClient, Delete) => &[("cognito-idp:DeleteUserPoolClient", Pool)],
        // Made from the organization's management account, which SCPs never restrict.
        (Kind::ServiceControlPolicy, _) => &[],
        (Kind::SsmParameter, Create) => &[("ssm:PutParameter", Itself), ("ssm:AddTagsToResource", Itself)],
        (Kind::SsmParameter, Update) => {
            &[("ssm:PutParameter", Itself), ("ssm:AddTagsToResource", Itself), ("ssm:RemoveTagsFromResource", Itself)]
        }
        (Kind::SsmParameter, Delete) => &[("ssm:DeleteParameter", Itself)],
    }
}

/// The IAM action an API operation (`service:Operation`, as the provider and the emulator's
/// request log name it) is authorized as, where the two differ.
pub fn iam_action(operation: &str) -> String {
    let renamed = match operation {
        "s3:PutBucketEncryption" => "s3:PutEncryptionConfiguration",
        "s3:PutBucketLifecycleConfiguration" | "s3:DeleteBucketLifecycle" => "s3:PutLifecycleConfiguration",
        "s3:PutPublicAccessBlock" | "s3:DeletePublicAccessBlock" => "s3:PutBucketPublicAccessBlock",
        "s3:PutObjectLockConfiguration" => "s3:PutBucketObjectLockConfiguration",
        "s3:DeleteBucketTagging" => "s3:PutBucketTagging",
        "s3:DeleteObjects" => "s3:DeleteObject",
        other => other,
    };
    renamed.to_string()
}

/// Every action the table lists, for any kind and verb.
pub fn all_actions() -> Vec<&'static str> {
    let mut out: Vec<&str> = Kind::ALL
        .into_iter()
        .flat_map(|k| [Verb::Create, Verb::Update, Verb::Delete].into_iter().flat_map(move |v| calls(k, v)))
        .map(|(action, _)| *action)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
