//! The stack spec: MOD-104 as data.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::location::Source;
use crate::{Ipv4Cidr, SpecError, StageSpec};

/// The whole stack as declared in `specs/mod-104.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackSpec {
    pub module: ModuleSpec,
    pub network: NetworkSpec,
    pub kms: KmsSpec,
    pub storage: StorageSpec,
    pub eventbridge: EventBridgeSpec,
    pub iam: IamSpec,
    pub observability: ObservabilitySpec,
    pub cloudtrail: CloudTrailSpec,
    pub firehose: FirehoseSpec,
    pub cognito: CognitoSpec,
    pub scp: ScpSpec,
    /// SSM parameters published under `/bank/{env}/` for downstream modules.
    #[serde(default)]
    pub outputs: Vec<OutputSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSpec {
    /// Stack identity written in ownership tags (`bankinfra:stack`).
    pub stack: String,
    /// The `module_id` tag.
    pub id: String,
    /// The `system_id` tag.
    pub system_id: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    pub vpc_cidr: Spanned<Ipv4Cidr>,
    pub subnets: Vec<SubnetSpec>,
    /// AWS services reached through free gateway endpoints (`s3`, `dynamodb`).
    pub gateway_endpoints: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubnetTier {
    Public,
    Private,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetSpec {
    pub name: Spanned<String>,
    pub tier: SubnetTier,
    pub cidr: Spanned<Ipv4Cidr>,
    /// Index into the stage's `availability_zones`.
    pub az: Spanned<usize>,
}

/// Data classification, one CMK each (FR-419).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Classification {
    Pii,
    Financial,
    Operational,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Pii => "pii",
            Classification::Financial => "financial",
            Classification::Operational => "operational",
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsSpec {
    pub keys: Vec<KeySpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    pub classification: Spanned<Classification>,
    pub description: String,
    pub rotation_period_days: Spanned<u32>,
    /// AWS service principals trusted by the key policy besides the account root
    /// (`cloudtrail`, `logs`, `sns`).
    #[serde(default)]
    pub service_principals: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSpec {
    /// Bucket name pattern; `{purpose}` and `{stage}` are substituted.
    pub bucket_name: String,
    pub buckets: Vec<BucketSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketSpec {
    pub purpose: Spanned<String>,
    pub description: String,
    pub classification: Classification,
    #[serde(default)]
    pub lifecycle: LifecycleSpec,
    #[serde(default)]
    pub object_lock: Option<ObjectLockSpec>,
    /// Adds an explicit Deny on DeleteObject/DeleteObjectVersion for everyone.
    #[serde(default)]
    pub deny_object_delete: bool,
    /// Name of the trail allowed to check the ACL and deliver logs into this bucket.
    #[serde(default)]
    pub cloudtrail_delivery: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleSpec {
    pub glacier_after_days: Option<Spanned<u32>>,
    pub expire_after_days: Option<Spanned<u32>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectLockSpec {
    pub mode: Spanned<String>,
    pub years: Spanned<u32>,
}

/// The system-domain event buses (FR-417).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBridgeSpec {
    /// Days each bus's archive keeps events.
    pub archive_retention_days: Spanned<u32>,
    /// Dead-letter queue name pattern; `{domain}` and `{stage}` are substituted.
    pub dead_letter_queue_name: String,
    /// How long a dead-letter queue keeps messages, 1..=14 days (SQS limits).
    pub dead_letter_retention_days: Spanned<u32>,
    /// The CMK that encrypts the dead-letter queues.
    pub dead_letter_classification: Spanned<Classification>,
    pub buses: Vec<BusSpec>,
}

/// One domain's bus. Its name is the domain itself (no stage suffix, per the design).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusSpec {
    pub domain: Spanned<String>,
    pub description: String,
}

/// Lambda execution roles and the platform's own IAM (FR-420).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamSpec {
    /// `owner/repo` whose GitHub Actions workflows may assume the CI/CD role.
    pub github_repository: Spanned<String>,
    /// Thumbprints of GitHub's OIDC issuer certificates.
    pub github_oidc_thumbprints: Vec<Spanned<String>>,
    pub cicd_role: String,
    pub break_glass_role: String,
    /// Longest break-glass session, 1..=12 hours.
    pub break_glass_max_session_hours: Spanned<u32>,
    pub secrets_read_policy: String,
    pub lambda_roles: Vec<LambdaRoleSpec>,
}

/// One system domain's Lambda execution role.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaRoleSpec {
    /// The domain (one of the event buses).
    pub domain: Spanned<String>,
    pub role: Spanned<String>,
    /// Classification keys the domain may decrypt with.
    pub decrypt: Vec<Spanned<Classification>>,
    /// Neon database whose `bank-neon/*/{db}/*` secrets the domain reads, when it has one.
    #[serde(default)]
    pub neon_db: Option<String>,
    /// Domain-specific grants (`aml-appconfig`, `aml-core-bus-rules`, `payments-fx-invoke`).
    #[serde(default)]
    pub grants: Vec<Spanned<String>>,
}

/// The shared log group, the alerts topic and the default X-Ray sampling rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservabilitySpec {
    /// Log group name pattern; `{stage}` is substituted.
    pub log_group: String,
    pub log_retention_days: Spanned<u32>,
    /// Alerts topic name pattern; `{stage}` is substituted.
    pub alerts_topic: String,
    /// The CMK of the log group and the topic.
    pub classification: Spanned<Classification>,
    /// Sampling rule name pattern; `{stage}` is substituted (at most 32 characters).
    pub sampling_rule: Spanned<String>,
    pub sampling_priority: Spanned<u32>,
    pub sampling_fixed_rate: Spanned<f64>,
    pub sampling_reservoir_size: u32,
}

/// The organization-wide audit trail (FR-420, GOV-006).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudTrailSpec {
    pub name: Spanned<String>,
    /// Purpose of the bucket the trail writes to.
    pub bucket: Spanned<String>,
    pub classification: Spanned<Classification>,
    /// CloudWatch Logs group pattern; `{stage}` is substituted.
    pub log_group: String,
    pub log_retention_days: Spanned<u32>,
    /// Name pattern of the role CloudTrail writes to CloudWatch Logs with; `{stage}` is substituted.
    pub logs_role: String,
}

/// The delivery streams into the data lake (FR-420).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirehoseSpec {
    /// Purpose of the bucket the streams deliver to.
    pub bucket: Spanned<String>,
    /// The CMK of the streams and of the objects they write.
    pub classification: Spanned<Classification>,
    /// 1..=128 MiB.
    pub buffer_size_mb: Spanned<u32>,
    /// 0..=900 seconds.
    pub buffer_interval_seconds: Spanned<u32>,
    pub compression: Spanned<String>,
    /// Name pattern of the role Firehose writes with; `{stage}` is substituted.
    pub role: String,
    /// Error-logging log group pattern; `{stage}` is substituted.
    pub log_group: String,
    pub log_retention_days: Spanned<u32>,
    pub streams: Vec<StreamSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    /// Short key used in addresses and output paths (`cdc`, `usage`).
    pub key: Spanned<String>,
    pub name: Spanned<String>,
    pub prefix: Spanned<String>,
    pub error_output_prefix: Spanned<String>,
}

/// The customer and staff user pools (FR-420). Every pool requires TOTP MFA and all character
/// classes in passwords; deletion protection comes from the stage's switches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CognitoSpec {
    pub pools: Vec<PoolSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// Short key used in addresses and output paths (`customers`, `staff`).
    pub key: Spanned<String>,
    /// Name pattern; `{stage}` is substituted.
    pub name: String,
    /// 8..=99 (Cognito limits).
    pub minimum_password_length: Spanned<u32>,
    /// `custom:` string attributes (names without the prefix).
    pub custom_attributes: Vec<Spanned<String>>,
    pub clients: Vec<ClientSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    pub name: Spanned<String>,
    /// Confidential clients get a secret; public ones use PKCE.
    pub confidential: bool,
    /// `{stage}` is substituted.
    pub callback_urls: Vec<Spanned<String>>,
    /// `{stage}` is substituted.
    pub logout_urls: Vec<String>,
}

/// The tag-enforcement service control policy (GOV-005), deployed through the organization's
/// management account when one is configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScpSpec {
    pub name: Spanned<String>,
    pub description: String,
    /// IAM service prefixes whose create actions need the tags: every create action of these
    /// services that accepts `aws:RequestTag` for the resource it creates, from AWS's
    /// authorization data (`bankinfra_policy::authorization`).
    pub services: Vec<Spanned<String>>,
    /// Request tags every such create must carry.
    pub required_tags: Vec<Spanned<String>>,
    /// Further actions (`service:Action`) denied on every resource without the tags.
    #[serde(default)]
    pub also_deny: Vec<Spanned<String>>,
}

const COMPRESSIONS: &[&str] = &["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"];

/// Retention periods CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: &[u32] =
    &[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// The domain-specific grants the stack knows how to write.
pub const LAMBDA_GRANTS: &[&str] = &["aml-appconfig", "aml-core-bus-rules", "payments-fx-invoke"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Path below `/bank/{env}/`, e.g. `network/vpc-id`.
    pub path: Spanned<String>,
    /// Value template: `${address.output}` references, e.g. `${vpc.main.id}`.
    pub value: Spanned<String>,
    pub description: String,
    /// Repeats the output once per item of a list, substituting the list's placeholder in path,
    /// value and description: `"bus"` and `"lambda_role"` substitute `{domain}` (once per event
    /// bus, once per Lambda role); `"clients:<pool key>"` substitutes `{client}`.
    #[serde(default)]
    pub for_each: Option<Spanned<String>>,
}

impl OutputSpec {
    /// The outputs this entry stands for: (path, value, description).
    pub fn expand(&self, stack: &StackSpec) -> Vec<(String, String, String)> {
        let (path, value) = (self.path.get_ref(), self.value.get_ref());
        let Some((placeholder, items)) = self.for_each.as_ref().and_then(|f| for_each_items(f.get_ref(), stack)) else {
            return vec![(path.clone(), value.clone(), self.description.clone())];
        };
        items
            .into_iter()
            .map(|item| {
                let sub = |t: &str| t.replace(placeholder, &item);
                (sub(path), sub(value), sub(&self.description))
            })
            .collect()
    }
}

/// The placeholder and items of a `for_each` list; `None` for an unknown list.
fn for_each_items(list: &str, stack: &StackSpec) -> Option<(&'static str, Vec<String>)> {
    match list.split_once(':') {
        None if list == "bus" => {
            Some(("{domain}", stack.eventbridge.buses.iter().map(|b| b.domain.get_ref().clone()).collect()))
        }
        None if list == "lambda_role" => {
            Some(("{domain}", stack.iam.lambda_roles.iter().map(|r| r.domain.get_ref().clone()).collect()))
        }
        Some(("clients", pool)) => {
            let pool = stack.cognito.pools.iter().find(|p| p.key.get_ref() == pool)?;
            Some(("{client}", pool.clients.iter().map(|c| c.name.get_ref().clone()).collect()))
        }
        _ => None,
    }
}

const SERVICE_PRINCIPALS: &[&str] = &["cloudtrail", "logs", "sns", "events", "cloudwatch"];
const GATEWAY_SERVICES: &[&str] = &["s3", "dynamodb"];
const LOCK_MODES: &[&str] = &["GOVERNANCE", "COMPLIANCE"];

pub(crate) fn load(path: &Path, stage: &StageSpec) -> Result<StackSpec, SpecError> {
    let text = crate::read(path)?;
    let src = Source { path, text: &text };
    let spec: StackSpec = src.parse()?;
    validate(&spec, stage, &src)?;
    Ok(spec)
}

fn validate(spec: &StackSpec, stage: &StageSpec, src: &Source<'_>) -> Result<(), SpecError> {
    validate_network(&spec.network, stage, src)?;
    validate_kms(&spec.kms, src)?;
    validate_storage(&spec.storage, &spec.kms, src)?;
    validate_eventbridge(&spec.eventbridge, &spec.kms, src)?;
    validate_iam(&spec.iam, &spec.eventbridge, &spec.kms, src)?;
    validate_observability(&spec.observability, &spec.kms, stage, src)?;
    validate_cloudtrail(&spec.cloudtrail, &spec.storage, &spec.kms, src)?;
    validate_firehose(&spec.firehose, &spec.storage, &spec.kms, src)?;
    validate_cognito(&spec.cognito, src)?;
    validate_scp(&spec.scp, src)?;
    let mut paths = BTreeSet::new();
    for out in &spec.outputs {
        let placeholder = match &out.for_each {
            Some(f) => match for_each_items(f.get_ref(), spec) {
                Some((placeholder, _)) => Some(placeholder),
                None => {
                    return Err(src.error(
                        f.span(),
                        format!(
                            "unknown for_each `{}` (expected `bus`, `lambda_role` or `clients:<pool key>`)",
                            f.get_ref()
                        ),
                    ));
                }
            },
            None => None,
        };
        let templated = ["{domain}", "{client}"].into_iter().find(|p| out.path.get_ref().contains(p));
        if templated != placeholder {
            return Err(src.error(
                out.path.span(),
                "an output path repeated with `for_each` must use exactly that list's placeholder ({domain} or {client})",
            ));
        }
        for (p, _, _) in out.expand(spec) {
            validate_output_path(&p, out, &mut paths, src)?;
        }
        if out.value.get_ref().trim().is_empty() {
            return Err(src.error(out.value.span(), "output value must not be empty"));
        }
    }
    Ok(())
}

fn validate_output_path(
    p: &str,
    out: &OutputSpec,
    paths: &mut BTreeSet<String>,
    src: &Source<'_>,
) -> Result<(), SpecError> {
    let valid = !p.is_empty()
        && !p.starts_with('/')
        && p.split('/')
            .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
    if !valid {
        return Err(src.error(
            out.path.span(),
            format!("output path `{p}` must be relative segments of [A-Za-z0-9-_.] separated by `/`"),
        ));
    }
    if !paths.insert(p.to_string()) {
        return Err(src.error(out.path.span(), format!("duplicate output path `{p}`")));
    }
    Ok(())
}

fn has_key(kms: &KmsSpec, class: &Spanned<Classification>, src: &Source<'_>) -> Result<(), SpecError> {
    if kms.keys.iter().any(|k| k.classification.get_ref() == class.get_ref()) {
        return Ok(());
    }
    Err(src.error(class.span(), format!("classification `{}` has no key in [kms]", class.get_ref())))
}

fn log_retention(days: &Spanned<u32>, src: &Source<'_>) -> Result<(), SpecError> {
    if LOG_RETENTION_DAYS.contains(days.get_ref()) {
        return Ok(());
    }
    Err(src.error(
        days.span(),
        format!("log retention {} days is not one CloudWatch Logs accepts ({LOG_RETENTION_DAYS:?})", days.get_ref()),
    ))
}

fn validate_observability(
    obs: &ObservabilitySpec,
    kms: &KmsSpec,
    stage: &StageSpec,
    src: &Source<'_>,
) -> Result<(), SpecError> {
    has_key(kms, &obs.classification, src)?;
    log_retention(&obs.log_retention_days, src)?;
    let rule = obs.sampling_rule.get_ref().replace("{stage}", &stage.name);
    if rule.is_empty() || rule.chars().count() > 32 {
        return Err(src.error(
            obs.sampling_rule.span(),
            format!("sampling rule name `{rule}` must be 1..=32 characters (X-Ray limits)"),
        ));
    }
    if !(1..=9999).contains(obs.sampling_priority.get_ref()) {
        return Err(src.error(obs.sampling_priority.span(), "sampling_priority must be 1..=9999"));
    }
    if !(0.0..=1.0).contains(obs.sampling_fixed_rate.get_ref()) {
        return Err(src.error(obs.sampling_fixed_rate.span(), "sampling_fixed_rate must be between 0 and 1"));
    }
    Ok(())
}

fn validate_cloudtrail(
    trail: &CloudTrailSpec,
    storage: &StorageSpec,
    kms: &KmsSpec,
    src: &Source<'_>,
) -> Result<(), SpecError> {
    has_key(kms, &trail.classification, src)?;
    log_retention(&trail.log_retention_days, src)?;
    let bucket = storage.buckets.iter().find(|b| b.purpose.get_ref() == trail.bucket.get_ref());
    let Some(bucket) = bucket else {
        return Err(src.error(trail.bucket.span(), format!("no bucket with purpose `{}`", trail.bucket.get_ref())));
    };
    if bucket.cloudtrail_delivery.as_ref() != Some(trail.name.get_ref()) {
        return Err(src.error(
            trail.bucket.span(),
            format!(
                "bucket `{}` must set cloudtrail_delivery = \"{}\" so the trail may write to it",
                trail.bucket.get_ref(),
                trail.name.get_ref()
            ),
        ));
    }
    Ok(())
}

fn validate_scp(scp: &ScpSpec, src: &Source<'_>) -> Result<(), SpecError> {
    let name = scp.name.get_ref();
    if name.is_empty() || name.len() > 128 {
        return Err(src.error(scp.name.span(), "SCP name must be 1..=128 characters"));
    }
    for list in [&scp.services, &scp.required_tags] {
        let mut seen = BTreeSet::new();
        for item in list {
            let valid = !item.get_ref().is_empty()
                && item.get_ref().bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b))
                && seen.insert(item.get_ref().clone());
            if !valid {
                return Err(src.error(item.span(), format!("`{}` is empty, malformed or repeated", item.get_ref())));
            }
        }
    }
    if scp.required_tags.is_empty() || scp.services.is_empty() {
        return Err(src.error(scp.name.span(), "the SCP needs at least one service and one required tag"));
    }
    let data = bankinfra_policy::authorization::tagged_creates();
    if let Some(unknown) = scp.services.iter().find(|s| !data.services.contains(s.get_ref())) {
        return Err(src.error(
            unknown.span(),
            format!(
                "`{}` is not one of the services whose create actions the authorization data lists ({})",
                unknown.get_ref(),
                data.services.join(", ")
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    for action in &scp.also_deny {
        let text = action.get_ref();
        let well_formed = text.split_once(':').is_some_and(|(service, name)| {
            !service.is_empty()
                && !name.is_empty()
                && service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
        });
        if !well_formed || !seen.insert(text.to_ascii_lowercase()) {
            return Err(src.error(action.span(), format!("`{text}` is not a `service:Action` or is repeated")));
        }
    }
    Ok(())
}

fn validate_cognito(cognito: &CognitoSpec, src: &Source<'_>) -> Result<(), SpecError> {
    let mut keys = BTreeSet::new();
    for pool in &cognito.pools {
        if !keys.insert(pool.key.get_ref().clone()) {
            return Err(src.error(pool.key.span(), format!("duplicate pool key `{}`", pool.key.get_ref())));
        }
        if !(8..=99).contains(pool.minimum_password_length.get_ref()) {
            return Err(src.error(pool.minimum_password_length.span(), "minimum_password_length must be 8..=99"));
        }
        let mut attrs = BTreeSet::new();
        for a in &pool.custom_attributes {
            let name = a.get_ref();
            let valid = !name.is_empty()
                && name.len() <= 20
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && attrs.insert(name.clone());
            if !valid {
                return Err(src.error(
                    a.span(),
                    format!("custom attribute `{name}` is invalid or repeated (1..=20 of [A-Za-z0-9_])"),
                ));
            }
        }
        let mut names = BTreeSet::new();
        for c in &pool.clients {
            let name = c.name.get_ref();
            let valid = !name.is_empty()
                && name.len() <= 40
                && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid || !names.insert(name.clone()) {
                return Err(src.error(c.name.span(), format!("client name `{name}` is invalid or used twice")));
            }
            for url in &c.callback_urls {
                if !url.get_ref().contains("://") {
                    return Err(src.error(url.span(), format!("callback URL `{}` is not a URL", url.get_ref())));
                }
            }
            if c.callback_urls.is_empty() {
                return Err(src.error(c.name.span(), format!("client `{name}` needs at least one callback URL")));
            }
        }
    }
    Ok(())
}

fn validate_firehose(
    fh: &FirehoseSpec,
    storage: &StorageSpec,
    kms: &KmsSpec,
    src: &Source<'_>,
) -> Result<(), SpecError> {
    has_key(kms, &fh.classification, src)?;
    log_retention(&fh.log_retention_days, src)?;
    if !storage.buckets.iter().any(|b| b.purpose.get_ref() == fh.bucket.get_ref()) {
        return Err(src.error(fh.bucket.span(), format!("no bucket with purpose `{}`", fh.bucket.get_ref())));
    }
    if !(1..=128).contains(fh.buffer_size_mb.get_ref()) {
        return Err(src.error(fh.buffer_size_mb.span(), "buffer_size_mb must be 1..=128 (Firehose limits)"));
    }
    if *fh.buffer_interval_seconds.get_ref() > 900 {
        return Err(
            src.error(fh.buffer_interval_seconds.span(), "buffer_interval_seconds must be 0..=900 (Firehose limits)")
        );
    }
    if !COMPRESSIONS.contains(&fh.compression.get_ref().as_str()) {
        return Err(src.error(
            fh.compression.span(),
            format!("unknown compression `{}` (expected one of {COMPRESSIONS:?})", fh.compression.get_ref()),
        ));
    }
    let (mut keys, mut names) = (BTreeSet::new(), BTreeSet::new());
    for s in &fh.streams {
        let name = s.name.get_ref();
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !valid || !names.insert(name.clone()) {
            return Err(src.error(s.name.span(), format!("stream name `{name}` is invalid or used twice")));
        }
        if !keys.insert(s.key.get_ref().clone()) {
            return Err(src.error(s.key.span(), format!("duplicate stream key `{}`", s.key.get_ref())));
        }
        if s.error_output_prefix.get_ref().is_empty() {
            return Err(src.error(s.error_output_prefix.span(), "error_output_prefix must not be empty"));
        }
        // Firehose requires an error prefix whenever the prefix uses expressions.
        if s.prefix.get_ref().is_empty() || !s.prefix.get_ref().ends_with('/') {
            return Err(src.error(s.prefix.span(), "prefix must be a non-empty path ending in `/`"));
        }
    }
    Ok(())
}

fn validate_iam(iam: &IamSpec, eb: &EventBridgeSpec, kms: &KmsSpec, src: &Source<'_>) -> Result<(), SpecError> {
    let repo = iam.github_repository.get_ref();
    if repo.split('/').count() != 2 || repo.split('/').any(str::is_empty) {
        return Err(src.error(iam.github_repository.span(), format!("github_repository `{repo}` must be owner/repo")));
    }
    for t in &iam.github_oidc_thumbprints {
        if t.get_ref().len() != 40 || !t.get_ref().bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(src.error(t.span(), format!("thumbprint `{}` must be 40 hex digits", t.get_ref())));
        }
    }
    let hours = *iam.break_glass_max_session_hours.get_ref();
    if !(1..=12).contains(&hours) {
        return Err(src.error(
            iam.break_glass_max_session_hours.span(),
            format!("break_glass_max_session_hours must be 1..=12 (IAM limits), got {hours}"),
        ));
    }
    let mut roles = BTreeSet::new();
    let mut domains = BTreeSet::new();
    for r in &iam.lambda_roles {
        let (domain, role) = (r.domain.get_ref(), r.role.get_ref());
        if !eb.buses.iter().any(|b| b.domain.get_ref() == domain) {
            return Err(src.error(r.domain.span(), format!("lambda role domain `{domain}` has no event bus")));
        }
        if !domains.insert(domain.clone()) {
            return Err(src.error(r.domain.span(), format!("duplicate lambda role for domain `{domain}`")));
        }
        let valid = !role.is_empty()
            && role.len() <= 64
            && role.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
        if !valid || !roles.insert(role.clone()) {
            return Err(src.error(r.role.span(), format!("role name `{role}` is invalid or used twice")));
        }
        for class in &r.decrypt {
            if !kms.keys.iter().any(|k| k.classification.get_ref() == class.get_ref()) {
                return Err(
                    src.error(class.span(), format!("classification `{}` has no key in [kms]", class.get_ref()))
                );
            }
        }
        for g in &r.grants {
            if !LAMBDA_GRANTS.contains(&g.get_ref().as_str()) {
                return Err(
                    src.error(g.span(), format!("unknown grant `{}` (expected one of {LAMBDA_GRANTS:?})", g.get_ref()))
                );
            }
        }
    }
    Ok(())
}

fn validate_eventbridge(eb: &EventBridgeSpec, kms: &KmsSpec, src: &Source<'_>) -> Result<(), SpecError> {
    let days = *eb.archive_retention_days.get_ref();
    if days == 0 {
        return Err(src.error(eb.archive_retention_days.span(), "archive_retention_days must be at least 1"));
    }
    let dlq_days = *eb.dead_letter_retention_days.get_ref();
    if !(1..=14).contains(&dlq_days) {
        return Err(src.error(
            eb.dead_letter_retention_days.span(),
            format!("dead_letter_retention_days must be 1..=14 (SQS limits), got {dlq_days}"),
        ));
    }
    let class = *eb.dead_letter_classification.get_ref();
    if !kms.keys.iter().any(|k| *k.classification.get_ref() == class) {
        return Err(src.error(
            eb.dead_letter_classification.span(),
            format!("dead_letter_classification `{class}` has no key in [kms]"),
        ));
    }
    let mut seen = BTreeSet::new();
    for bus in &eb.buses {
        let d = bus.domain.get_ref();
        // Bus names: 1..=256 of [.-_A-Za-z0-9]; archives append `-archive` and allow 48.
        let valid = !d.is_empty()
            && d.len() <= 40
            && d.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && d != "default";
        if !valid {
            return Err(src.error(
                bus.domain.span(),
                format!("bus domain `{d}` must be 1..=40 lowercase letters, digits and hyphens, and not `default`"),
            ));
        }
        if !seen.insert(d.clone()) {
            return Err(src.error(bus.domain.span(), format!("duplicate bus domain `{d}`")));
        }
    }
    Ok(())
}

fn validate_network(net: &NetworkSpec, stage: &StageSpec, src: &Source<'_>) -> Result<(), SpecError> {
    let vpc = *net.vpc_cidr.get_ref();
    if !(16..=28).contains(&vpc.prefix()) {
        return Err(src.error(
            net.vpc_cidr.span(),
            format!("VPC CIDR {vpc} must have a prefix between /16 and /28 (AWS limits)"),
        ));
    }
    let mut names = BTreeSet::new();
    for (i, subnet) in net.subnets.iter().enumerate() {
        let name = subnet.name.get_ref();
        if !names.insert(name.clone()) {
            return Err(src.error(subnet.name.span(), format!("duplicate subnet name `{name}`")));
        }
        let cidr = subnet.cidr.get_ref();
        if !vpc.contains(cidr) {
            return Err(
                src.error(subnet.cidr.span(), format!("subnet `{name}` CIDR {cidr} is outside the VPC CIDR {vpc}"))
            );
        }
        if let Some(other) = net.subnets[..i].iter().find(|o| o.cidr.get_ref().overlaps(cidr)) {
            return Err(src.error(
                subnet.cidr.span(),
                format!(
                    "subnet `{name}` CIDR {cidr} overlaps subnet `{}` ({})",
                    other.name.get_ref(),
                    other.cidr.get_ref()
                ),
            ));
        }
        let az = *subnet.az.get_ref();
        if az >= stage.availability_zones.len() {
            return Err(src.error(
                subnet.az.span(),
                format!(
                    "subnet `{name}` uses az index {az}, but stage `{}` has {} availability zones",
                    stage.name,
                    stage.availability_zones.len()
                ),
            ));
        }
    }
    for tier in [SubnetTier::Public, SubnetTier::Private] {
        if !net.subnets.iter().any(|s| s.tier == tier) {
            return Err(src
                .error(net.vpc_cidr.span(), format!("the network needs at least one {tier:?} subnet").to_lowercase()));
        }
    }
    let mut seen = BTreeSet::new();
    for svc in &net.gateway_endpoints {
        if !GATEWAY_SERVICES.contains(&svc.get_ref().as_str()) {
            return Err(src.error(
                svc.span(),
                format!("unknown gateway endpoint service `{}` (expected one of {GATEWAY_SERVICES:?})", svc.get_ref()),
            ));
        }
        if !seen.insert(svc.get_ref()) {
            return Err(src.error(svc.span(), format!("duplicate gateway endpoint `{}`", svc.get_ref())));
        }
    }
    Ok(())
}

fn validate_kms(kms: &KmsSpec, src: &Source<'_>) -> Result<(), SpecError> {
    let mut seen = BTreeSet::new();
    for key in &kms.keys {
        let class = *key.classification.get_ref();
        if !seen.insert(class) {
            return Err(src.error(key.classification.span(), format!("duplicate key for classification `{class}`")));
        }
        let days = *key.rotation_period_days.get_ref();
        if !(90..=2560).contains(&days) {
            return Err(src.error(
                key.rotation_period_days.span(),
                format!("rotation_period_days must be 90..=2560 (AWS limits), got {days}"),
            ));
        }
        for p in &key.service_principals {
            if !SERVICE_PRINCIPALS.contains(&p.get_ref().as_str()) {
                return Err(src.error(
                    p.span(),
                    format!("unknown service principal `{}` (expected one of {SERVICE_PRINCIPALS:?})", p.get_ref()),
                ));
            }
        }
    }
    Ok(())
}

fn validate_storage(storage: &StorageSpec, kms: &KmsSpec, src: &Source<'_>) -> Result<(), SpecError> {
    let mut seen = BTreeSet::new();
    for b in &storage.buckets {
        let purpose = b.purpose.get_ref();
        let valid = !purpose.is_empty()
            && purpose.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            && !purpose.starts_with('-')
            && !purpose.ends_with('-');
        if !valid {
            return Err(src.error(
                b.purpose.span(),
                format!("bucket purpose `{purpose}` must be lowercase letters, digits and inner hyphens"),
            ));
        }
        if !seen.insert(purpose.clone()) {
            return Err(src.error(b.purpose.span(), format!("duplicate bucket purpose `{purpose}`")));
        }
        if !kms.keys.iter().any(|k| *k.classification.get_ref() == b.classification) {
            return Err(src.error(
                b.purpose.span(),
                format!("bucket `{purpose}` uses classification `{}`, which has no key in [kms]", b.classification),
            ));
        }
        if let (Some(g), Some(e)) = (&b.lifecycle.glacier_after_days, &b.lifecycle.expire_after_days)
            && e.get_ref() <= g.get_ref()
        {
            return Err(src.error(
                e.span(),
                format!(
                    "bucket `{purpose}` expires after {} days, not after its Glacier transition at {} days",
                    e.get_ref(),
                    g.get_ref()
                ),
            ));
        }
        for d in [&b.lifecycle.glacier_after_days, &b.lifecycle.expire_after_days].into_iter().flatten() {
            if *d.get_ref() == 0 {
                return Err(src.error(d.span(), "lifecycle days must be at least 1"));
            }
        }
        if let Some(lock) = &b.object_lock {
            if !LOCK_MODES.contains(&lock.mode.get_ref().as_str()) {
                return Err(src.error(
                    lock.mode.span(),
                    format!("object lock mode `{}` must be GOVERNANCE or COMPLIANCE", lock.mode.get_ref()),
                ));
            }
            if *lock.years.get_ref() == 0 || *lock.years.get_ref() > 100 {
                return Err(src.error(lock.years.span(), "object lock years must be 1..=100"));
            }
        }
    }
    Ok(())
}
