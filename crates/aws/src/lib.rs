//! The AWS provider: implements [`Provider`] with the AWS SDK for Rust.
//!
//! One module per AWS service and one file per resource kind, each holding that kind's whole
//! lifecycle (read, create, update, delete). No SDK type leaves this crate: every error becomes
//! a [`ProviderError`] carrying the service's error code and message.

/// `fn sdk_tags(&Tags) -> Result<Vec<$tag>, ProviderError>`: a service's SDK tag list from a
/// tag map (every service has its own `Tag` type with the same builder).
macro_rules! sdk_tags {
    ($vis:vis $tag:ty, $op:literal) => {
        $vis fn sdk_tags(tags: &bankinfra_model::Tags) -> Result<Vec<$tag>, bankinfra_model::ProviderError> {
            tags.iter()
                .map(|(k, v)| {
                    <$tag>::builder()
                        .key(k)
                        .value(v)
                        .build()
                        .map_err(|e| bankinfra_model::ProviderError::permanent($op, e.to_string()))
                })
                .collect()
        }
    };
}
pub(crate) use sdk_tags;

/// `.customize().config_override(sent_once!(aws_sdk_x))` on a call that makes a new resource each
/// time it lands (CreateVpc, CreateKey, CreateUserPool, ...): the SDK must not repeat it after a
/// lost response, or a second resource appears. The engine looks the resource up instead (see
/// `bankinfra_engine::retry`), which is safe because every create is tagged or named.
macro_rules! sent_once {
    ($sdk:ident) => {
        $sdk::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
    };
}
pub(crate) use sent_once;

mod cloudtrail;
mod cognito;
mod config;
mod ec2;
mod error;
mod events;
mod firehose;
mod iam;
mod kms;
mod lock;
mod logs;
mod organizations;
mod probe;
mod s3;
mod sns;
mod sqs;
mod ssm;
mod xray;

use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Semaphore;

use bankinfra_model::{
    Address, DataAtRisk, DeleteOptions, FieldChange, Kind, LiveResource, Outputs, Ownership, Props, Provider,
    ProviderError, Resource, Tags,
};

pub use config::{Connection, ambient_region};
pub use organizations::policy::{InForceScp, ScpsInForce};
pub use probe::ProbeOutcome;

/// The account and principal the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// Talks to one AWS account and region (or an emulator standing in for them).
#[derive(Clone)]
pub struct AwsProvider {
    cloudtrail: aws_sdk_cloudtrail::Client,
    cognito: aws_sdk_cognitoidentityprovider::Client,
    /// The user pools this provider created.
    cognito_fresh: Arc<cognito::FreshPools>,
    ec2: aws_sdk_ec2::Client,
    events: aws_sdk_eventbridge::Client,
    firehose: aws_sdk_firehose::Client,
    iam: aws_sdk_iam::Client,
    kms: aws_sdk_kms::Client,
    /// This stack's keys the last read found scheduled for deletion.
    kms_pending: Arc<kms::key::PendingDeletion>,
    logs: aws_sdk_cloudwatchlogs::Client,
    /// The organization's management account, when a profile for it is configured.
    organizations: Option<aws_sdk_organizations::Client>,
    s3: aws_sdk_s3::Client,
    sns: aws_sdk_sns::Client,
    sqs: aws_sdk_sqs::Client,
    ssm: aws_sdk_ssm::Client,
    sts: aws_sdk_sts::Client,
    xray: aws_sdk_xray::Client,
    /// Where requests go, for error messages.
    endpoint: String,
    /// Resource operations in flight per service whose control plane AWS documents as slow to
    /// accept changes (see [`ServiceLimits`]); the executor's own bound applies on top.
    limits: ServiceLimits,
}

/// Per-service bounds on concurrent resource operations, below the executor's global bound:
/// IAM's and Organizations' control planes throttle far earlier than data-plane services, so
/// sending them fewer calls at once keeps the whole run out of throttling instead of backing off.
#[derive(Clone)]
struct ServiceLimits {
    iam: Arc<Semaphore>,
    organizations: Arc<Semaphore>,
}

impl ServiceLimits {
    /// Concurrent IAM resource operations (each is a few calls).
    const IAM: usize = 8;
    /// Concurrent Organizations operations: its APIs accept a few requests per second.
    const ORGANIZATIONS: usize = 2;

    fn new() -> Self {
        ServiceLimits {
            iam: Arc::new(Semaphore::new(Self::IAM)),
            organizations: Arc::new(Semaphore::new(Self::ORGANIZATIONS)),
        }
    }

    /// Waits for room to run one operation on `kind`'s service; `None` where there is no limit.
    async fn admit(&self, kind: Kind) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let semaphore = match kind.service() {
            "iam" => &self.iam,
            "organizations" => &self.organizations,
            _ => return None,
        };
        semaphore.clone().acquire_owned().await.ok()
    }
}

/// Reads in flight at once per service, within one plan's read: each service's read fans out
/// over the resources that may be ours, and an unbounded fan-out would spend the service's
/// request quota in a burst and be throttled. CloudWatch Logs' control-plane quotas are per API
/// and account, 5-10 transactions per second for most
/// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html>);
/// Parameter Store's GetParameter(s) share 40 per second by default, its other reads less
/// (<https://docs.aws.amazon.com/general/latest/gr/ssm.html>); KMS's request quotas are per
/// operation, hundreds to thousands per second
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html>); S3
/// allows 5,500 GET/HEAD per second per prefix
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html>).
/// The SDK's adaptive retry mode additionally slows a client down once its service throttles.
pub(crate) const READS_IN_FLIGHT_LOGS: usize = 4;
pub(crate) const READS_IN_FLIGHT_SSM: usize = 4;
pub(crate) const READS_IN_FLIGHT_KMS: usize = 8;
pub(crate) const READS_IN_FLIGHT_S3: usize = 8;

/// Runs `reads` with at most `limit` of them in flight at once; their results in order, or the
/// first error.
pub(crate) async fn bounded<T, F>(limit: usize, reads: impl IntoIterator<Item = F>) -> Result<Vec<T>, ProviderError>
where
    F: Future<Output = Result<T, ProviderError>>,
{
    use futures_util::{StreamExt, TryStreamExt};
    futures_util::stream::iter(reads).buffered(limit.max(1)).try_collect().await
}

impl AwsProvider {
    /// Builds the clients. Makes no call; see [`AwsProvider::caller_identity`].
    pub async fn connect(connection: &Connection) -> Self {
        let (sdk, endpoint) = config::load(connection).await;
        let s3_config = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(connection.path_style()).build();
        AwsProvider {
            cloudtrail: aws_sdk_cloudtrail::Client::new(&sdk),
            cognito: aws_sdk_cognitoidentityprovider::Client::new(&sdk),
            cognito_fresh: Arc::default(),
            ec2: aws_sdk_ec2::Client::new(&sdk),
            events: aws_sdk_eventbridge::Client::new(&sdk),
            firehose: aws_sdk_firehose::Client::new(&sdk),
            iam: aws_sdk_iam::Client::new(&sdk),
            kms: aws_sdk_kms::Client::new(&sdk),
            kms_pending: Arc::default(),
            logs: aws_sdk_cloudwatchlogs::Client::new(&sdk),
            organizations: config::load_organization(connection).await.map(|c| aws_sdk_organizations::Client::new(&c)),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            sns: aws_sdk_sns::Client::new(&sdk),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            ssm: aws_sdk_ssm::Client::new(&sdk),
            sts: aws_sdk_sts::Client::new(&sdk),
            xray: aws_sdk_xray::Client::new(&sdk),
            endpoint,
            limits: ServiceLimits::new(),
        }
    }

    /// Whether the organization's management account is reachable through a configured profile.
    pub fn manages_organization(&self) -> bool {
        self.organizations.is_some()
    }

    /// The service control policies in force for the stage's `account`, read through the
    /// management account (the documents of `known` policy ids are not read again); `None` when
    /// no profile for it is configured.
    pub async fn scps_in_force(
        &self,
        account: &str,
        known: &[(String, serde_json::Value)],
    ) -> Result<Option<ScpsInForce>, ProviderError> {
        let Some(client) = &self.organizations else { return Ok(None) };
        organizations::policy::in_force(client, account, known).await.map(Some)
    }

    /// Whether requests go to an endpoint override (an emulator or proxy) rather than AWS.
    pub fn is_custom_endpoint(&self) -> bool {
        !self.endpoint.starts_with("AWS ")
    }

    /// Where requests go: the endpoint override, or "AWS" for the regional public endpoints.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Who the credentials belong to (`sts:GetCallerIdentity`). Proves the endpoint is reachable
    /// and the credentials are accepted, without changing anything.
    pub async fn caller_identity(&self) -> Result<CallerIdentity, ProviderError> {
        let out =
            self.sts.get_caller_identity().send().await.map_err(|e| error::from_sdk("sts:GetCallerIdentity", e))?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        })
    }

    /// GATE probe: a PutObject into `bucket` with the given encryption; an accepted object is
    /// deleted again.
    pub async fn probe_put_object(
        &self,
        bucket: &str,
        sse: Option<&str>,
        kms_key: Option<&str>,
    ) -> Result<ProbeOutcome, ProviderError> {
        probe::put_object(&self.s3, bucket, sse, kms_key).await
    }

    /// GATE probe: creating an untagged bucket named `bucket` (deleted again if it is created).
    pub async fn probe_create_untagged_bucket(&self, bucket: &str) -> Result<ProbeOutcome, ProviderError> {
        probe::create_untagged_bucket(&self.s3, bucket).await
    }

    /// GATE probe: deleting an existing object version of `bucket` (never writes).
    pub async fn probe_delete_object_version(&self, bucket: &str) -> Result<ProbeOutcome, ProviderError> {
        probe::delete_object_version(&self.s3, bucket).await
    }

    /// Creates the lock parameter `name` with `value` unless it exists; `true` when created.
    pub async fn lock_create(&self, name: &str, value: &str) -> Result<bool, ProviderError> {
        lock::create(&self.ssm, name, value).await
    }

    /// The lock parameter's value, if it exists.
    pub async fn lock_read(&self, name: &str) -> Result<Option<String>, ProviderError> {
        lock::read(&self.ssm, name).await
    }

    /// Deletes the lock parameter.
    pub async fn lock_delete(&self, name: &str) -> Result<(), ProviderError> {
        lock::delete(&self.ssm, name).await
    }

    /// Reads the values of SSM parameters under `path`, recursively: name → value.
    pub async fn parameters_under(&self, path: &str) -> Result<Vec<(String, String)>, ProviderError> {
        ssm::values_under(&self.ssm, path).await
    }
}

impl AwsProvider {
    fn organization(&self) -> Result<&aws_sdk_organizations::Client, ProviderError> {
        self.organizations.as_ref().ok_or_else(|| {
            ProviderError::permanent(
                "organizations",
                "no profile for the organization's management account; set BANK_ORG_PROFILE",
            )
        })
    }
}

#[async_trait]
impl Provider for AwsProvider {
    async fn read(
        &self,
        kinds: &[Kind],
        desired: &[Resource],
        ownership: &Ownership,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        type Read<'a> = std::pin::Pin<Box<dyn Future<Output = Result<Vec<LiveResource>, ProviderError>> + Send + 'a>>;
        let (d, o) = (desired, ownership);
        let services: Vec<(&str, Read<'_>)> = vec![
            ("ec2", Box::pin(ec2::read(&self.ec2, d, o))),
            ("kms", Box::pin(kms::read(&self.kms, d, o, &self.kms_pending))),
            ("s3", Box::pin(s3::read(&self.s3, d, o))),
            ("sqs", Box::pin(sqs::read(&self.sqs, d, o))),
            ("events", Box::pin(events::read(&self.events, d, o))),
            ("logs", Box::pin(logs::read(&self.logs, d, o))),
            ("sns", Box::pin(sns::read(&self.sns, d, o))),
            ("xray", Box::pin(xray::read(&self.xray, d, o))),
            ("iam", Box::pin(iam::read(&self.iam, d, o))),
            ("cloudtrail", Box::pin(cloudtrail::read(&self.cloudtrail, d, o))),
            ("firehose", Box::pin(firehose::read(&self.firehose, d, o))),
            ("cognito-idp", Box::pin(cognito::read(&self.cognito, d, o))),
            (
                "organizations",
                Box::pin(async move {
                    match &self.organizations {
                        Some(org) => organizations::read(org, d, o).await,
                        None => Ok(Vec::new()),
                    }
                }),
            ),
            ("ssm", Box::pin(ssm::read(&self.ssm, d, o))),
        ];
        // Only the services of the kinds asked for are called.
        let reads = services.into_iter().filter(|(service, _)| kinds.iter().any(|k| k.service() == *service));
        let live = futures_util::future::try_join_all(reads.map(|(_, read)| read)).await?;
        let mut live: Vec<LiveResource> =
            live.into_iter().flatten().filter(|l| kinds.contains(&l.address.kind())).collect();
        kms::canonical_key_references(&self.kms, &mut live).await?;
        Ok(live)
    }

    async fn create(&self, resource: &Resource) -> Result<Outputs, ProviderError> {
        let _admitted = self.limits.admit(resource.address.kind()).await;
        match resource.address.kind() {
            Kind::Vpc | Kind::Subnet | Kind::InternetGateway | Kind::RouteTable | Kind::VpcEndpoint => {
                ec2::create(&self.ec2, resource).await
            }
            Kind::KmsKey => kms::key::create(&self.kms, resource, &self.kms_pending).await,
            Kind::S3Bucket => s3::bucket::create(&self.s3, resource).await,
            Kind::SqsQueue => sqs::queue::create(&self.sqs, resource).await,
            Kind::EventBus => events::bus::create(&self.events, resource).await,
            Kind::EventArchive => events::archive::create(&self.events, resource).await,
            Kind::LogGroup => logs::log_group::create(&self.logs, resource).await,
            Kind::SnsTopic => sns::topic::create(&self.sns, resource).await,
            Kind::XraySamplingRule => xray::sampling_rule::create(&self.xray, resource).await,
            Kind::CloudTrailTrail => cloudtrail::trail::create(&self.cloudtrail, resource).await,
            Kind::FirehoseStream => firehose::stream::create(&self.firehose, resource).await,
            Kind::CognitoUserPool => cognito::user_pool::create(&self.cognito, resource, &self.cognito_fresh).await,
            Kind::CognitoUserPoolClient => cognito::client::create(&self.cognito, resource, &self.cognito_fresh).await,
            Kind::ServiceControlPolicy => organizations::policy::create(self.organization()?, resource).await,
            Kind::IamOidcProvider => iam::oidc_provider::create(&self.iam, resource).await,
            Kind::IamPolicy => iam::policy::create(&self.iam, resource).await,
            Kind::IamRole => iam::role::create(&self.iam, resource).await,
            Kind::SsmParameter => ssm::parameter::create(&self.ssm, resource).await,
        }
    }

    async fn update(
        &self,
        live: &LiveResource,
        desired: &Resource,
        changes: &[FieldChange],
    ) -> Result<Outputs, ProviderError> {
        let _admitted = self.limits.admit(desired.address.kind()).await;
        match desired.address.kind() {
            Kind::Vpc | Kind::Subnet | Kind::InternetGateway | Kind::RouteTable | Kind::VpcEndpoint => {
                ec2::update(&self.ec2, live, desired, changes).await
            }
            Kind::KmsKey => kms::key::update(&self.kms, live, desired, changes).await,
            Kind::S3Bucket => s3::bucket::update(&self.s3, live, desired, changes).await,
            Kind::SqsQueue => sqs::queue::update(&self.sqs, live, desired, changes).await,
            Kind::EventBus => events::bus::update(&self.events, live, desired, changes).await,
            Kind::EventArchive => events::archive::update(&self.events, live, desired, changes).await,
            Kind::LogGroup => logs::log_group::update(&self.logs, live, desired, changes).await,
            Kind::SnsTopic => sns::topic::update(&self.sns, live, desired, changes).await,
            Kind::XraySamplingRule => xray::sampling_rule::update(&self.xray, live, desired, changes).await,
            Kind::CloudTrailTrail => cloudtrail::trail::update(&self.cloudtrail, live, desired, changes).await,
            Kind::FirehoseStream => firehose::stream::update(&self.firehose, live, desired, changes).await,
            Kind::CognitoUserPool => cognito::user_pool::update(&self.cognito, live, desired, changes).await,
            Kind::CognitoUserPoolClient => cognito::client::update(&self.cognito, live, desired, changes).await,
            Kind::ServiceControlPolicy => {
                organizations::policy::update(self.organization()?, live, desired, changes).await
            }
            Kind::IamOidcProvider => iam::oidc_provider::update(&self.iam, live, desired, changes).await,
            Kind::IamPolicy => iam::policy::update(&self.iam, live, desired, changes).await,
            Kind::IamRole => iam::role::update(&self.iam, live, desired, changes).await,
            Kind::SsmParameter => ssm::parameter::update(&self.ssm, live, desired, changes).await,
        }
    }

    async fn delete(&self, live: &LiveResource, options: &DeleteOptions) -> Result<(), ProviderError> {
        let _admitted = self.limits.admit(live.address.kind()).await;
        match live.address.kind() {
            Kind::Vpc | Kind::Subnet | Kind::InternetGateway | Kind::RouteTable | Kind::VpcEndpoint => {
                ec2::delete(&self.ec2, live).await
            }
            Kind::KmsKey => kms::key::delete(&self.kms, live, options).await,
            Kind::S3Bucket => s3::bucket::delete(&self.s3, live, options).await,
            Kind::SqsQueue => sqs::queue::delete(&self.sqs, live).await,
            Kind::EventBus => events::bus::delete(&self.events, live).await,
            Kind::EventArchive => events::archive::delete(&self.events, live).await,
            Kind::LogGroup => logs::log_group::delete(&self.logs, live).await,
            Kind::SnsTopic => sns::topic::delete(&self.sns, live).await,
            Kind::XraySamplingRule => xray::sampling_rule::delete(&self.xray, live).await,
            Kind::CloudTrailTrail => cloudtrail::trail::delete(&self.cloudtrail, live).await,
            Kind::FirehoseStream => firehose::stream::delete(&self.firehose, live).await,
            Kind::CognitoUserPool => cognito::user_pool::delete(&self.cognito, live).await,
            Kind::CognitoUserPoolClient => cognito::client::delete(&self.cognito, live).await,
            Kind::ServiceControlPolicy => organizations::policy::delete(self.organization()?, live).await,
            Kind::IamOidcProvider => iam::oidc_provider::delete(&self.iam, live).await,
            Kind::IamPolicy => iam::policy::delete(&self.iam, live).await,
            Kind::IamRole => iam::role::delete(&self.iam, live).await,
            Kind::SsmParameter => ssm::parameter::delete(&self.ssm, live).await,
        }
    }

    async fn data_at_risk(&self, live: &LiveResource) -> Result<Option<DataAtRisk>, ProviderError> {
        match live.address.kind() {
            Kind::S3Bucket => s3::bucket::data_at_risk(&self.s3, live).await,
            Kind::CognitoUserPool => cognito::user_pool::data_at_risk(&self.cognito, live).await,
            Kind::LogGroup => logs::log_group::data_at_risk(&self.logs, live).await,
            // What a key encrypts is known from the specs, not from AWS.
            _ => Ok(None),
        }
    }
}

/// Top-level attributes named by a list of changes (`tags.x` → `tags`).
pub(crate) fn changed_fields(changes: &[FieldChange]) -> std::collections::BTreeSet<&str> {
    changes.iter().map(|c| c.path.split('.').next().unwrap_or_default()).collect()
}

/// Name → address of every resource in `desired` that `name_of` names (a kind's declared names).
pub(crate) fn declared(desired: &[Resource], name_of: impl Fn(&Props) -> Option<&str>) -> BTreeMap<String, Address> {
    desired.iter().filter_map(|r| Some((name_of(&r.props)?.to_string(), r.address.clone()))).collect()
}

/// Removes the stale tags and adds or changes the others, each call only when needed.
pub(crate) async fn retag(
    live: &Tags,
    desired: &Tags,
    untag: impl AsyncFnOnce(Vec<String>) -> Result<(), ProviderError>,
    tag: impl AsyncFnOnce(Tags) -> Result<(), ProviderError>,
) -> Result<(), ProviderError> {
    let (stale, changed) = tag_changes(live, desired);
    if !stale.is_empty() {
        untag(stale).await?;
    }
    if !changed.is_empty() {
        tag(changed).await?;
    }
    Ok(())
}

/// The `name` and `arn` outputs most name-addressed kinds have.
pub(crate) fn name_arn_outputs(name: &str, arn: &str) -> bankinfra_model::Outputs {
    bankinfra_model::Outputs::from([("name".to_string(), name.to_string()), ("arn".to_string(), arn.to_string())])
}

/// The address of a name-addressed resource found live: its declared address when `name` is
/// declared; otherwise the address in its ownership tags when this stack and stage own it.
pub(crate) fn name_addressed(
    name: &str,
    declared: &BTreeMap<String, Address>,
    tags: &Tags,
    ownership: &Ownership,
    kind: Kind,
) -> Option<Address> {
    if let Some(address) = declared.get(name) {
        return Some(address.clone());
    }
    Ownership::address_in(tags).filter(|a| a.kind() == kind && ownership.owns(tags))
}

/// How long [`after_create`] keeps calling while the service does not see a new resource: the
/// engine's own readiness bound (`crates/engine/src/retry.rs`).
const AFTER_CREATE_LIMIT: std::time::Duration = std::time::Duration::from_secs(90);

/// Runs `call` — a call that follows the create of the resource it names, in the same step — and
/// calls it again, with growing pauses, while the service answers that it does not see that
/// resource yet ([`ErrorClass::NotReady`](bankinfra_model::ErrorClass::NotReady): EC2 and KMS
/// are eventually consistent, "a resource might not be available immediately after it is
/// created", <https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html>,
/// <https://docs.aws.amazon.com/kms/latest/developerguide/accessing-kms.html#programming-eventual-consistency>).
/// The create took effect, so this call alone is repeated: the engine repeating the step would
/// look the resource up, and a resource nothing sees yet would be made a second time.
pub(crate) async fn after_create<T, F, Fut>(mut call: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ProviderError>>,
{
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(200);
    loop {
        match call().await {
            Err(e) if e.class == bankinfra_model::ErrorClass::NotReady && started.elapsed() < AFTER_CREATE_LIMIT => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(std::time::Duration::from_secs(8));
            }
            result => return result,
        }
    }
}

/// A policy document as read back (possibly URL-encoded, as IAM sends them, or re-serialised);
/// `None` when empty. Text that is not JSON either way is kept as a string, so it shows as drift.
pub(crate) fn parse_policy(text: &str) -> Option<serde_json::Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = serde_json::from_str(text).ok().or_else(|| serde_json::from_str(&percent_decode(text)?).ok());
    Some(parsed.unwrap_or_else(|| serde_json::Value::String(text.to_string())))
}

/// Decodes `%XX` escapes (RFC 3986); `None` when the result is not UTF-8 or an escape is broken.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Tag keys to remove and tags to add or change to turn `live` into `desired`.
pub(crate) fn tag_changes(live: &Tags, desired: &Tags) -> (Vec<String>, Tags) {
    let stale = live.keys().filter(|k| !desired.contains_key(*k)).cloned().collect();
    let changed =
        desired.iter().filter(|(k, v)| live.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    (stale, changed)
}

#[cfg(test)]
mod tests {
    use super::parse_policy;
    use serde_json::json;

    #[tokio::test]
    async fn bounded_reads_keep_their_order_and_their_limit() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let reads = (0..20).map(|i| {
            let (running, most) = (&running, &most);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, bankinfra_model::ProviderError>(i)
            }
        });
        assert_eq!(super::bounded(3, reads).await.unwrap(), (0..20).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn policies_parse_plain_or_url_encoded() {
        let doc =
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
        assert_eq!(parse_policy(&doc.to_string()), Some(doc.clone()));
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22s3%3A%2A%22%2C%20%22Resource%22%3A%20%22%2A%22%7D%5D%7D";
        assert_eq!(parse_policy(encoded), Some(doc));
        assert_eq!(parse_policy("  "), None);
        assert_eq!(parse_policy("%zz"), Some(json!("%zz")));
    }
}
