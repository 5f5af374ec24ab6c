//! Typed properties of every resource kind, one module per AWS service.
//!
//! The same structs describe desired state (from the stack) and live state (read back by a
//! provider), so comparing the two is a field-by-field diff of their JSON forms.

pub mod cloudtrail;
pub mod cognito;
pub mod ec2;
pub mod events;
pub mod firehose;
pub mod iam;
pub mod kms;
pub mod logs;
pub mod organizations;
pub mod s3;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod xray;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::template::{self, Reference, Unresolved};
use crate::{AddressError, Kind};

/// Resource tags.
pub type Tags = BTreeMap<String, String>;

/// The properties of one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Props {
    Vpc(ec2::Vpc),
    Subnet(ec2::Subnet),
    InternetGateway(ec2::InternetGateway),
    RouteTable(ec2::RouteTable),
    VpcEndpoint(ec2::VpcEndpoint),
    KmsKey(kms::Key),
    S3Bucket(s3::Bucket),
    SqsQueue(sqs::Queue),
    EventBus(events::EventBus),
    EventArchive(events::EventArchive),
    LogGroup(logs::LogGroup),
    SnsTopic(sns::Topic),
    XraySamplingRule(xray::SamplingRule),
    IamOidcProvider(iam::OidcProvider),
    IamPolicy(iam::ManagedPolicy),
    IamRole(iam::Role),
    CloudTrailTrail(cloudtrail::Trail),
    FirehoseStream(firehose::DeliveryStream),
    CognitoUserPool(cognito::UserPool),
    CognitoUserPoolClient(cognito::UserPoolClient),
    ServiceControlPolicy(organizations::ServiceControlPolicy),
    SsmParameter(ssm::Parameter),
}

impl Props {
    pub fn kind(&self) -> Kind {
        match self {
            Props::Vpc(_) => Kind::Vpc,
            Props::Subnet(_) => Kind::Subnet,
            Props::InternetGateway(_) => Kind::InternetGateway,
            Props::RouteTable(_) => Kind::RouteTable,
            Props::VpcEndpoint(_) => Kind::VpcEndpoint,
            Props::KmsKey(_) => Kind::KmsKey,
            Props::S3Bucket(_) => Kind::S3Bucket,
            Props::SqsQueue(_) => Kind::SqsQueue,
            Props::EventBus(_) => Kind::EventBus,
            Props::EventArchive(_) => Kind::EventArchive,
            Props::LogGroup(_) => Kind::LogGroup,
            Props::SnsTopic(_) => Kind::SnsTopic,
            Props::XraySamplingRule(_) => Kind::XraySamplingRule,
            Props::CloudTrailTrail(_) => Kind::CloudTrailTrail,
            Props::FirehoseStream(_) => Kind::FirehoseStream,
            Props::CognitoUserPool(_) => Kind::CognitoUserPool,
            Props::CognitoUserPoolClient(_) => Kind::CognitoUserPoolClient,
            Props::ServiceControlPolicy(_) => Kind::ServiceControlPolicy,
            Props::IamOidcProvider(_) => Kind::IamOidcProvider,
            Props::IamPolicy(_) => Kind::IamPolicy,
            Props::IamRole(_) => Kind::IamRole,
            Props::SsmParameter(_) => Kind::SsmParameter,
        }
    }

    pub fn tags(&self) -> &Tags {
        match self {
            Props::Vpc(p) => &p.tags,
            Props::Subnet(p) => &p.tags,
            Props::InternetGateway(p) => &p.tags,
            Props::RouteTable(p) => &p.tags,
            Props::VpcEndpoint(p) => &p.tags,
            Props::KmsKey(p) => &p.tags,
            Props::S3Bucket(p) => &p.tags,
            Props::SqsQueue(p) => &p.tags,
            Props::EventBus(p) => &p.tags,
            Props::EventArchive(p) => &p.tags,
            Props::LogGroup(p) => &p.tags,
            Props::SnsTopic(p) => &p.tags,
            Props::XraySamplingRule(p) => &p.tags,
            Props::CloudTrailTrail(p) => &p.tags,
            Props::FirehoseStream(p) => &p.tags,
            Props::CognitoUserPool(p) => &p.tags,
            Props::CognitoUserPoolClient(p) => &p.tags,
            Props::ServiceControlPolicy(p) => &p.tags,
            Props::IamOidcProvider(p) => &p.tags,
            Props::IamPolicy(p) => &p.tags,
            Props::IamRole(p) => &p.tags,
            Props::SsmParameter(p) => &p.tags,
        }
    }

    pub fn tags_mut(&mut self) -> &mut Tags {
        match self {
            Props::Vpc(p) => &mut p.tags,
            Props::Subnet(p) => &mut p.tags,
            Props::InternetGateway(p) => &mut p.tags,
            Props::RouteTable(p) => &mut p.tags,
            Props::VpcEndpoint(p) => &mut p.tags,
            Props::KmsKey(p) => &mut p.tags,
            Props::S3Bucket(p) => &mut p.tags,
            Props::SqsQueue(p) => &mut p.tags,
            Props::EventBus(p) => &mut p.tags,
            Props::EventArchive(p) => &mut p.tags,
            Props::LogGroup(p) => &mut p.tags,
            Props::SnsTopic(p) => &mut p.tags,
            Props::XraySamplingRule(p) => &mut p.tags,
            Props::CloudTrailTrail(p) => &mut p.tags,
            Props::FirehoseStream(p) => &mut p.tags,
            Props::CognitoUserPool(p) => &mut p.tags,
            Props::CognitoUserPoolClient(p) => &mut p.tags,
            Props::ServiceControlPolicy(p) => &mut p.tags,
            Props::IamOidcProvider(p) => &mut p.tags,
            Props::IamPolicy(p) => &mut p.tags,
            Props::IamRole(p) => &mut p.tags,
            Props::SsmParameter(p) => &mut p.tags,
        }
    }

    /// Outputs that follow from the properties alone, known before the resource exists (a
    /// bucket's name and ARN, a parameter's name). Others (IDs, key ARNs) are known after apply.
    pub fn predicted_outputs(&self) -> crate::Outputs {
        let pairs: Vec<(&str, String)> = match self {
            Props::S3Bucket(b) => vec![("name", b.bucket.clone()), ("arn", format!("arn:aws:s3:::{}", b.bucket))],
            Props::SsmParameter(p) => vec![("name", p.name.clone())],
            Props::SqsQueue(q) => vec![("name", q.name.clone())],
            Props::EventBus(b) => vec![("name", b.name.clone())],
            Props::EventArchive(a) => vec![("name", a.name.clone())],
            Props::IamRole(r) => vec![("name", r.name.clone())],
            Props::IamPolicy(p) => vec![("name", p.name.clone())],
            Props::LogGroup(g) => vec![("name", g.name.clone())],
            Props::SnsTopic(t) => vec![("name", t.name.clone())],
            Props::XraySamplingRule(r) => vec![("name", r.name.clone())],
            Props::CloudTrailTrail(t) => vec![("name", t.name.clone())],
            Props::FirehoseStream(f) => vec![("name", f.name.clone())],
            _ => Vec::new(),
        };
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// The attributes as a JSON object, without the kind tag.
    pub fn fields(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut map)) => {
                map.shift_remove("kind");
                map
            }
            _ => Map::new(),
        }
    }

    /// Every `${address.output}` reference in the properties.
    pub fn references(&self) -> Result<BTreeSet<Reference>, AddressError> {
        template::references_in(&Value::Object(self.fields()))
    }

    /// A copy with every reference substituted (see [`template::resolve`]).
    pub fn resolve(
        &self,
        lookup: &impl Fn(&Reference) -> Option<String>,
        on_missing: Option<&str>,
    ) -> Result<Props, Unresolved> {
        let mut value = serde_json::to_value(self).map_err(|e| Unresolved(e.to_string()))?;
        template::resolve(&mut value, lookup, on_missing)?;
        serde_json::from_value(value).map_err(|e| Unresolved(e.to_string()))
    }
}
