use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Every resource kind the model knows, in the order they are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Vpc,
    Subnet,
    InternetGateway,
    RouteTable,
    VpcEndpoint,
    KmsKey,
    S3Bucket,
    SqsQueue,
    EventBus,
    EventArchive,
    LogGroup,
    SnsTopic,
    XraySamplingRule,
    IamOidcProvider,
    IamPolicy,
    IamRole,
    CloudTrailTrail,
    FirehoseStream,
    CognitoUserPool,
    CognitoUserPoolClient,
    ServiceControlPolicy,
    SsmParameter,
}

impl Kind {
    pub const ALL: [Kind; 22] = [
        Kind::Vpc,
        Kind::Subnet,
        Kind::InternetGateway,
        Kind::RouteTable,
        Kind::VpcEndpoint,
        Kind::KmsKey,
        Kind::S3Bucket,
        Kind::SqsQueue,
        Kind::EventBus,
        Kind::EventArchive,
        Kind::LogGroup,
        Kind::SnsTopic,
        Kind::XraySamplingRule,
        Kind::IamOidcProvider,
        Kind::IamPolicy,
        Kind::IamRole,
        Kind::CloudTrailTrail,
        Kind::FirehoseStream,
        Kind::CognitoUserPool,
        Kind::CognitoUserPoolClient,
        Kind::ServiceControlPolicy,
        Kind::SsmParameter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vpc => "vpc",
            Kind::Subnet => "subnet",
            Kind::InternetGateway => "internet_gateway",
            Kind::RouteTable => "route_table",
            Kind::VpcEndpoint => "vpc_endpoint",
            Kind::KmsKey => "kms_key",
            Kind::S3Bucket => "s3_bucket",
            Kind::SqsQueue => "sqs_queue",
            Kind::EventBus => "event_bus",
            Kind::EventArchive => "event_archive",
            Kind::LogGroup => "log_group",
            Kind::SnsTopic => "sns_topic",
            Kind::XraySamplingRule => "xray_sampling_rule",
            Kind::CloudTrailTrail => "cloudtrail_trail",
            Kind::FirehoseStream => "firehose_stream",
            Kind::CognitoUserPool => "cognito_user_pool",
            Kind::CognitoUserPoolClient => "cognito_user_pool_client",
            Kind::ServiceControlPolicy => "service_control_policy",
            Kind::IamOidcProvider => "iam_oidc_provider",
            Kind::IamPolicy => "iam_policy",
            Kind::IamRole => "iam_role",
            Kind::SsmParameter => "ssm_parameter",
        }
    }

    /// The AWS service that owns this kind.
    pub fn service(self) -> &'static str {
        match self {
            Kind::Vpc | Kind::Subnet | Kind::InternetGateway | Kind::RouteTable | Kind::VpcEndpoint => "ec2",
            Kind::KmsKey => "kms",
            Kind::S3Bucket => "s3",
            Kind::SqsQueue => "sqs",
            Kind::EventBus | Kind::EventArchive => "events",
            Kind::IamOidcProvider | Kind::IamPolicy | Kind::IamRole => "iam",
            Kind::LogGroup => "logs",
            Kind::SnsTopic => "sns",
            Kind::XraySamplingRule => "xray",
            Kind::CloudTrailTrail => "cloudtrail",
            Kind::FirehoseStream => "firehose",
            Kind::CognitoUserPool | Kind::CognitoUserPoolClient => "cognito-idp",
            Kind::ServiceControlPolicy => "organizations",
            Kind::SsmParameter => "ssm",
        }
    }

    /// Kinds whose resources may reference resources of this kind's dependencies. Used to order
    /// deletes of resources that are no longer declared (so their references are unknown).
    pub fn depends_on(self) -> &'static [Kind] {
        match self {
            Kind::Vpc | Kind::KmsKey => &[],
            Kind::Subnet | Kind::InternetGateway => &[Kind::Vpc],
            Kind::RouteTable => &[Kind::Vpc, Kind::Subnet, Kind::InternetGateway],
            Kind::VpcEndpoint => &[Kind::Vpc, Kind::RouteTable],
            Kind::S3Bucket | Kind::SqsQueue | Kind::EventBus => &[Kind::KmsKey],
            Kind::EventArchive => &[Kind::EventBus],
            Kind::LogGroup | Kind::SnsTopic => &[Kind::KmsKey],
            Kind::XraySamplingRule | Kind::IamOidcProvider => &[],
            Kind::IamPolicy => &[Kind::KmsKey, Kind::S3Bucket, Kind::EventBus, Kind::LogGroup, Kind::SnsTopic],
            Kind::IamRole => &[
                Kind::KmsKey,
                Kind::S3Bucket,
                Kind::EventBus,
                Kind::LogGroup,
                Kind::SnsTopic,
                Kind::IamOidcProvider,
                Kind::IamPolicy,
            ],
            Kind::CloudTrailTrail | Kind::FirehoseStream => {
                &[Kind::KmsKey, Kind::S3Bucket, Kind::LogGroup, Kind::IamRole]
            }
            Kind::CognitoUserPool => &[],
            Kind::CognitoUserPoolClient => &[Kind::CognitoUserPool],
            Kind::ServiceControlPolicy => &[],
            Kind::SsmParameter => &[
                Kind::Vpc,
                Kind::Subnet,
                Kind::InternetGateway,
                Kind::RouteTable,
                Kind::VpcEndpoint,
                Kind::KmsKey,
                Kind::S3Bucket,
                Kind::SqsQueue,
                Kind::EventBus,
                Kind::EventArchive,
                Kind::LogGroup,
                Kind::SnsTopic,
                Kind::XraySamplingRule,
                Kind::IamOidcProvider,
                Kind::IamPolicy,
                Kind::IamRole,
                Kind::CloudTrailTrail,
                Kind::FirehoseStream,
                Kind::CognitoUserPool,
                Kind::CognitoUserPoolClient,
                Kind::ServiceControlPolicy,
            ],
        }
    }

    /// Top-level attributes that AWS cannot change in place: a change forces replacement.
    pub fn replace_on(self) -> &'static [&'static str] {
        match self {
            Kind::Vpc => &["cidr_block"],
            Kind::Subnet => &["vpc_id", "cidr_block", "availability_zone"],
            Kind::InternetGateway => &[],
            Kind::RouteTable => &["vpc_id"],
            Kind::VpcEndpoint => &["vpc_id", "service_name", "vpc_endpoint_type"],
            Kind::KmsKey => &["key_usage", "key_spec"],
            Kind::S3Bucket => &["bucket", "object_lock_enabled"],
            Kind::SqsQueue => &["name"],
            Kind::EventBus => &["name"],
            Kind::EventArchive => &["name", "event_source_arn"],
            Kind::IamOidcProvider => &["url"],
            Kind::IamPolicy => &["name", "description"],
            Kind::IamRole => &["name"],
            Kind::LogGroup | Kind::SnsTopic | Kind::XraySamplingRule | Kind::CloudTrailTrail => &["name"],
            Kind::FirehoseStream => &["name"],
            Kind::CognitoUserPool => &["custom_attributes", "username_attributes"],
            Kind::CognitoUserPoolClient => &["user_pool_id", "name", "generate_secret"],
            Kind::ServiceControlPolicy => &[],
            Kind::SsmParameter => &["name"],
        }
    }

    /// Kinds whose identity is their name: found by name whoever owns them, so a resource that
    /// exists without this stack's ownership tags is adopted, never silently taken over. The
    /// others (VPCs, subnets, keys, ...) get a fresh ID at creation and are found by their tags.
    pub fn name_addressed(self) -> bool {
        !matches!(
            self,
            Kind::Vpc | Kind::Subnet | Kind::InternetGateway | Kind::RouteTable | Kind::VpcEndpoint | Kind::KmsKey
        )
    }

    /// Whether resources of this kind carry tags (and so ownership tags). An untaggable kind is
    /// owned through its declaration: it is read and destroyed only by its declared name.
    pub fn taggable(self) -> bool {
        !matches!(self, Kind::EventArchive | Kind::CognitoUserPoolClient)
    }

    /// Whether resources of this kind belong to the organization rather than to a stage (the
    /// tag-enforcement SCP, attached to the organization root, governs every stage's account):
    /// every stage converges on the same one, tagged without a stage; `destroy` keeps it.
    pub fn organization_scoped(self) -> bool {
        matches!(self, Kind::ServiceControlPolicy)
    }

    /// Whether deleting a resource of this kind can lose data.
    pub fn holds_data(self) -> bool {
        matches!(self, Kind::KmsKey | Kind::S3Bucket | Kind::CognitoUserPool | Kind::LogGroup)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| AddressError(format!("unknown resource kind `{s}`")))
    }
}

/// The logical, stage-independent name of a resource: `kind.name`, e.g. `subnet.private-a`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Address {
    kind: Kind,
    /// Shared, so that an address is copied without an allocation (plans, graphs, reports and
    /// events all hold addresses).
    name: Arc<str>,
}

/// A malformed address or template reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AddressError(pub String);

impl Address {
    pub fn new(kind: Kind, name: impl AsRef<str>) -> Self {
        Address { kind, name: Arc::from(name.as_ref()) }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, name) =
            s.split_once('.').ok_or_else(|| AddressError(format!("address `{s}` must look like kind.name")))?;
        if name.is_empty() {
            return Err(AddressError(format!("address `{s}` has an empty name")));
        }
        Ok(Address::new(kind.parse()?, name))
    }
}

impl TryFrom<String> for Address {
    type Error = AddressError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Address> for String {
    fn from(a: Address) -> String {
        a.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        let a: Address = "ssm_parameter.network/vpc-id".parse().unwrap();
        assert_eq!(a.kind(), Kind::SsmParameter);
        assert_eq!(a.name(), "network/vpc-id");
        assert_eq!(a.to_string(), "ssm_parameter.network/vpc-id");
        assert!("nope.x".parse::<Address>().is_err());
        assert!("vpc.".parse::<Address>().is_err());
    }

    #[test]
    fn every_kind_parses_from_its_name() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
        }
    }

    #[test]
    fn dependency_kinds_come_earlier_in_creation_order() {
        for k in Kind::ALL {
            for d in k.depends_on() {
                assert!(d < &k, "{d} must sort before {k}");
            }
        }
    }
}
