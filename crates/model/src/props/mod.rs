//! Typed properties of every resource kind, one module per AWS service.
//!
//! The same structs describe desired state (from the stack) and live state (read back by a
//! provider), so comparing the two is a field-by-field diff of their JSON forms.

/// Implements [`Strings`] for props structs by destructuring each exhaustively, so that every
/// field is visited: `strings!(Vpc { cidr_block, enable_dns_support, enable_dns_hostnames, tags });`
macro_rules! strings {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {$(
        impl $crate::props::strings::Strings for $ty {
            fn each_str<E>(&self, f: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
                let $ty { $($field),* } = self;
                $( $crate::props::strings::Strings::each_str($field, f)?; )*
                Ok(())
            }

            fn each_string_mut<E>(&mut self, f: &mut impl FnMut(&mut String) -> Result<(), E>) -> Result<(), E> {
                let $ty { $($field),* } = self;
                $( $crate::props::strings::Strings::each_string_mut($field, f)?; )*
                Ok(())
            }
        }
    )*};
}

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
pub mod strings;
pub mod xray;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::template::{self, Reference, Unresolved};
use crate::{AddressError, Kind};
use strings::Strings;

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

/// `match` over every variant, binding its struct to `$p` (each has its own type).
macro_rules! each_variant {
    ($props:expr, $p:ident => $body:expr) => {
        match $props {
            Props::Vpc($p) => $body,
            Props::Subnet($p) => $body,
            Props::InternetGateway($p) => $body,
            Props::RouteTable($p) => $body,
            Props::VpcEndpoint($p) => $body,
            Props::KmsKey($p) => $body,
            Props::S3Bucket($p) => $body,
            Props::SqsQueue($p) => $body,
            Props::EventBus($p) => $body,
            Props::EventArchive($p) => $body,
            Props::LogGroup($p) => $body,
            Props::SnsTopic($p) => $body,
            Props::XraySamplingRule($p) => $body,
            Props::CloudTrailTrail($p) => $body,
            Props::FirehoseStream($p) => $body,
            Props::CognitoUserPool($p) => $body,
            Props::CognitoUserPoolClient($p) => $body,
            Props::ServiceControlPolicy($p) => $body,
            Props::IamOidcProvider($p) => $body,
            Props::IamPolicy($p) => $body,
            Props::IamRole($p) => $body,
            Props::SsmParameter($p) => $body,
        }
    };
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
        each_variant!(self, p => &p.tags)
    }

    pub fn tags_mut(&mut self) -> &mut Tags {
        each_variant!(self, p => &mut p.tags)
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
        let mut out = BTreeSet::new();
        self.each_str(&mut |s: &str| {
            if s.contains("${") {
                out.extend(template::references(s)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// A copy with every reference substituted (see [`template::resolve_string`]).
    pub fn resolve(
        &self,
        lookup: &impl Fn(&Reference) -> Option<String>,
        on_missing: Option<&str>,
    ) -> Result<Props, Unresolved> {
        let mut resolved = self.clone();
        resolved.each_string_mut(&mut |s: &mut String| template::resolve_string(s, lookup, on_missing))?;
        Ok(resolved)
    }
}

impl Strings for Props {
    fn each_str<E>(&self, f: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        each_variant!(self, p => p.each_str(f))
    }

    fn each_string_mut<E>(&mut self, f: &mut impl FnMut(&mut String) -> Result<(), E>) -> Result<(), E> {
        each_variant!(self, p => p.each_string_mut(f))
    }
}
