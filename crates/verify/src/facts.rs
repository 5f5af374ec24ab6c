//! What the checks look at: the live state of every declared resource, read once, plus the
//! specs (the stage's name, account, region and organization; what the design's checks expect
//! is in `design`).

use std::collections::BTreeMap;

use bankinfra_model::props::cloudtrail::Trail;
use bankinfra_model::props::cognito::{UserPool, UserPoolClient};
use bankinfra_model::props::events::{EventArchive, EventBus};
use bankinfra_model::props::firehose::DeliveryStream;
use bankinfra_model::props::iam::{ManagedPolicy, Role};
use bankinfra_model::props::kms::Key;
use bankinfra_model::props::logs::LogGroup;
use bankinfra_model::props::organizations::ServiceControlPolicy;
use bankinfra_model::props::s3::Bucket;
use bankinfra_model::props::sns::Topic;
use bankinfra_model::props::sqs::Queue;
use bankinfra_model::props::xray::SamplingRule;
use bankinfra_model::{Address, Kind, LiveResource, Props};
use bankinfra_spec::Specs;

/// Live state by address, with the specs it is checked against.
pub struct Facts<'a> {
    pub specs: &'a Specs,
    live: BTreeMap<Address, LiveResource>,
    /// Whether organization-level resources (the SCP) were read.
    pub organization_read: bool,
}

/// Looks up one kind's live props by logical name.
macro_rules! accessor {
    ($name:ident, $kind:ident, $variant:ident, $ty:ty) => {
        pub fn $name(&self, name: &str) -> Result<(&$ty, &LiveResource), String> {
            let address = Address::new(Kind::$kind, name);
            match self.live.get(&address) {
                Some(live @ LiveResource { props: Props::$variant(p), .. }) => Ok((p, live)),
                _ => Err(format!("{address} does not exist")),
            }
        }
    };
}

impl<'a> Facts<'a> {
    pub fn new(specs: &'a Specs, live: Vec<LiveResource>, organization_read: bool) -> Self {
        Facts { specs, live: live.into_iter().map(|l| (l.address.clone(), l)).collect(), organization_read }
    }

    accessor!(bus, EventBus, EventBus, EventBus);
    accessor!(archive, EventArchive, EventArchive, EventArchive);
    accessor!(queue, SqsQueue, SqsQueue, Queue);
    accessor!(bucket, S3Bucket, S3Bucket, Bucket);
    accessor!(key, KmsKey, KmsKey, Key);
    accessor!(pool, CognitoUserPool, CognitoUserPool, UserPool);
    accessor!(client, CognitoUserPoolClient, CognitoUserPoolClient, UserPoolClient);
    accessor!(stream, FirehoseStream, FirehoseStream, DeliveryStream);
    accessor!(role, IamRole, IamRole, Role);
    accessor!(managed_policy, IamPolicy, IamPolicy, ManagedPolicy);
    accessor!(trail, CloudTrailTrail, CloudTrailTrail, Trail);
    accessor!(scp, ServiceControlPolicy, ServiceControlPolicy, ServiceControlPolicy);
    accessor!(log_group, LogGroup, LogGroup, LogGroup);
    accessor!(topic, SnsTopic, SnsTopic, Topic);
    accessor!(sampling_rule, XraySamplingRule, XraySamplingRule, SamplingRule);

    /// An output of a live resource (`arn`, `id`, ...).
    pub fn output(&self, kind: Kind, name: &str, output: &str) -> Result<String, String> {
        let address = Address::new(kind, name);
        let live = self.live.get(&address).ok_or_else(|| format!("{address} does not exist"))?;
        live.outputs.get(output).cloned().ok_or_else(|| format!("{address} has no {output}"))
    }

    /// The value of the published SSM parameter at `path` (below `/bank/{env}/`).
    pub fn parameter(&self, path: &str) -> Result<String, String> {
        let address = Address::new(Kind::SsmParameter, path);
        match self.live.get(&address) {
            Some(LiveResource { props: Props::SsmParameter(p), .. }) => Ok(p.value.clone()),
            _ => Err(format!("/bank/{}/{path} is not published", self.specs.stage.name)),
        }
    }

    /// Every live resource of `kind`.
    pub fn all(&self, kind: Kind) -> impl Iterator<Item = &LiveResource> {
        self.live.values().filter(move |l| l.address.kind() == kind)
    }
}
