//! The design's expected values, transcribed from `shared/seed/MOD-104-technical-design.txt`
//! (not from `specs/`): `verify` checks the live state against this table, so a spec edit that
//! departs from the design fails. Only the stage's own values (its name `{env}`, account,
//! region, organization) come from the stage file.
//!
//! Live resources are found by the stack's addresses (ARCHITECTURE.md: `event_bus.bank-core`,
//! `s3_bucket.iceberg`, ...); what they must be — names, periods, keys, settings — is the
//! design's.

use bankinfra_model::Kind;
use bankinfra_spec::Classification::{self, Financial, Operational, Pii};
use bankinfra_spec::StageSpec;

/// "1y" in the design's lifecycles, in days (as the specs write it).
pub(crate) const ONE_YEAR_DAYS: u32 = 365;
/// "7y" in the design's lifecycles, in days: 7 × 365, as the specs write it (S3 lifecycle rules
/// take days; the leap days of seven years are not added).
pub(crate) const SEVEN_YEARS_DAYS: u32 = 7 * ONE_YEAR_DAYS;

/// `pattern` with the design's `{env}` (and the specs' `{stage}`) replaced by the stage's name.
pub(crate) fn staged(pattern: &str, stage: &StageSpec) -> String {
    pattern.replace("{env}", &stage.name).replace("{stage}", &stage.name)
}

// ---------------------------------------------------------------- EventBridge (FR-417)

/// "Bus names (no env suffix, per spec)".
pub(crate) const DOMAINS: [&str; 8] = [
    "bank-core",
    "bank-kyc",
    "bank-aml",
    "bank-payments",
    "bank-credit",
    "bank-risk-platform",
    "bank-platform",
    "bank-app",
];
/// "30-day event archive".
pub(crate) const ARCHIVE_RETENTION_DAYS: u32 = 30;
/// "Dead-letter SQS queue ({domain}-events-dlq-{env}, KMS-encrypted, 14-day retention)".
pub(crate) const DLQ_NAME: &str = "{domain}-events-dlq-{env}";
pub(crate) const DLQ_RETENTION_DAYS: u32 = 14;
/// The design says "KMS-encrypted" without naming the key; its KMS table gives "misc ops" to
/// the operational key, whose policy admits the AWS services.
pub(crate) const DLQ_KEY: Classification = Operational;
/// The tags every resource carries (provider `defaultTags`; GOV-005's required request tags).
pub(crate) const REQUIRED_TAGS: [&str; 3] = ["tenant_id", "module_id", "environment"];

// ---------------------------------------------------------------- S3 (FR-418)

/// One row of the design's bucket table.
pub(crate) struct Bucket {
    pub purpose: &'static str,
    pub description: &'static str,
    pub key: Classification,
    pub glacier_after_days: Option<u32>,
    pub expire_after_days: Option<u32>,
}

pub(crate) const BUCKET_NAME: &str = "bank-{purpose}-{env}";
pub(crate) const BUCKETS: [Bucket; 7] = [
    bucket("iceberg", "Iceberg data lake / CDC output", Financial, Some(90), Some(SEVEN_YEARS_DAYS)),
    bucket("firehose-landing", "Firehose landing zone", Operational, None, Some(1)),
    bucket("documents", "Customer documents", Pii, Some(ONE_YEAR_DAYS), Some(SEVEN_YEARS_DAYS)),
    bucket("artefacts", "Build/deploy artefacts", Operational, None, Some(90)),
    bucket("reports", "Regulatory report output", Financial, Some(ONE_YEAR_DAYS), Some(SEVEN_YEARS_DAYS)),
    bucket("cloudtrail", "CloudTrail logs", Operational, Some(90), Some(SEVEN_YEARS_DAYS)),
    // "Versioning ON · no expiration (state must persist for stack lifetime)".
    bucket("pulumi-state", "Pulumi state backend", Operational, None, None),
];

const fn bucket(
    purpose: &'static str,
    description: &'static str,
    key: Classification,
    glacier_after_days: Option<u32>,
    expire_after_days: Option<u32>,
) -> Bucket {
    Bucket { purpose, description, key, glacier_after_days, expire_after_days }
}

/// The trail bucket's "Object Lock (GOVERNANCE, 7y)".
pub(crate) const TRAIL_BUCKET: &str = "cloudtrail";
pub(crate) const OBJECT_LOCK_MODE: &str = "GOVERNANCE";
pub(crate) const OBJECT_LOCK_YEARS: u32 = 7;

// ---------------------------------------------------------------- KMS (FR-419)

/// The three classification CMKs: `alias/bank/{classification}`, "annual" rotation.
pub(crate) const KEYS: [Classification; 3] = [Pii, Financial, Operational];
pub(crate) const ROTATION_DAYS: u32 = ONE_YEAR_DAYS;

pub(crate) fn key_alias(class: Classification) -> String {
    format!("alias/bank/{class}")
}

// ---------------------------------------------------------------- Cognito (FR-420)

/// One row of the design's user-pool table.
pub(crate) struct Pool {
    /// The pool's key in SSM paths (`cognito/{key}/...`).
    pub key: &'static str,
    pub name: &'static str,
    pub minimum_password_length: u32,
    pub custom_attributes: &'static [&'static str],
    /// App clients and whether each is confidential (has a secret) or public (PKCE).
    pub clients: &'static [(&'static str, bool)],
}

/// Both pools: "TOTP required"; "all character classes required".
pub(crate) const POOLS: [Pool; 2] = [
    Pool {
        key: "customers",
        name: "bank-customers-{env}",
        minimum_password_length: 12,
        custom_attributes: &["user_id", "party_id", "jurisdiction"],
        clients: &[("mobile", false), ("web", false)],
    },
    Pool {
        key: "staff",
        name: "bank-staff-{env}",
        minimum_password_length: 14,
        custom_attributes: &["staff_id"],
        clients: &[("back-office", true), ("api-authoriser", true)],
    },
];

/// "Deletion protection: INACTIVE in dev, ACTIVE in prod." The design is silent on local and
/// uat: there the stage file's switch decides.
pub(crate) fn deletion_protection(stage: &StageSpec) -> &'static str {
    let active = match stage.name.as_str() {
        "prod" => true,
        "dev" => false,
        _ => stage.switches.cognito_deletion_protection,
    };
    if active { "ACTIVE" } else { "INACTIVE" }
}

// ---------------------------------------------------------------- Firehose (FR-420)

/// A delivery stream: its key in SSM paths, name and S3 prefix. The design writes the time
/// partitions as `year=.../month=.../day=...`; Firehose spells them with its timestamp
/// namespace.
pub(crate) const STREAMS: [(&str, &str, &str); 2] = [
    ("cdc", "bank-cdc-stream", "cdc/source=neon/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"),
    ("usage", "bank-usage-events", "usage/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"),
];
/// Both stream into `bank-iceberg-{env}`, "128 MB / 300 s", GZIP, SSE with the financial key.
pub(crate) const STREAM_BUCKET: &str = "iceberg";
pub(crate) const STREAM_BUFFER_MB: u32 = 128;
pub(crate) const STREAM_BUFFER_SECONDS: u32 = 300;
pub(crate) const STREAM_COMPRESSION: &str = "GZIP";
pub(crate) const STREAM_KEY: Classification = Financial;

// ---------------------------------------------------------------- IAM (FR-420)

/// The eight system-domain Lambda execution roles, by domain.
pub(crate) const LAMBDA_ROLES: [(&str, &str); 8] = [
    ("bank-core", "BankCoreRole"),
    ("bank-kyc", "BankKycRole"),
    ("bank-aml", "BankAmlRole"),
    ("bank-payments", "BankPaymentsRole"),
    ("bank-credit", "BankCreditRole"),
    ("bank-risk-platform", "BankRiskRole"),
    ("bank-platform", "BankPlatformRole"),
    ("bank-app", "BankAppRole"),
];
/// "AWSLambdaBasicExecutionRole + AWSLambdaVPCAccessExecutionRole managed-policy attachments".
pub(crate) const LAMBDA_MANAGED_POLICIES: [&str; 2] = [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
];
pub(crate) const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
/// "GitHub OIDC (repo:totara-bank/bank-platform:*)", AdministratorAccess.
pub(crate) const CICD_ROLE: &str = "bank-platform-cicd";
pub(crate) const GITHUB_REPOSITORY: &str = "totara-bank/bank-platform";
/// "root account + MFA", AdministratorAccess, "1h max session".
pub(crate) const BREAK_GLASS_ROLE: &str = "bank-platform-break-glass";
pub(crate) const BREAK_GLASS_SESSION_SECONDS: u32 = 3600;
/// "GetSecretValue + DescribeSecret on bank-*/* secrets; Decrypt on all three classification CMKs".
pub(crate) const SECRETS_READ_POLICY: &str = "bank-secrets-read";

// ---------------------------------------------------------------- CloudTrail (FR-420, GOV-006)

/// Multi-region, global service events, log-file validation, read + write management events,
/// data events for all S3 objects, into [`TRAIL_BUCKET`].
pub(crate) const TRAIL_NAME: &str = "bank-platform";
pub(crate) const TRAIL_KEY: Classification = Operational;
pub(crate) const TRAIL_LOG_GROUP: &str = "/aws/cloudtrail/bank-platform-{env}";
/// CloudTrail's `ReadWriteType` for read + write management events.
pub(crate) const TRAIL_MANAGEMENT_EVENTS: &str = "All";
/// The data-resource values CloudTrail documents for "all S3 objects" (every current and future
/// bucket).
pub(crate) const ALL_S3_OBJECTS: [&str; 2] = ["arn:aws:s3", "arn:aws:s3:::"];

// ---------------------------------------------------------------- Observability, SCP

pub(crate) const LOG_GROUP: &str = "/aws/bank-platform/{env}";
pub(crate) const ALERTS_TOPIC: &str = "bank-platform-alerts-{env}";
/// "bank-platform-default-{env} (5% fixed, reservoir 1)".
pub(crate) const SAMPLING_RULE: &str = "bank-platform-default-{env}";
pub(crate) const SAMPLING_FIXED_RATE: f64 = 0.05;
pub(crate) const SAMPLING_RESERVOIR: u32 = 1;

/// GOV-005: "SCP bank-platform-required-tags ... attached to the organization root. Policy
/// denies Create* on 7 taggable services (S3/EC2/KMS/Events/IAM/Lambda/CloudTrail) unless
/// tenant_id, module_id, and environment request tags are present."
pub(crate) const SCP_NAME: &str = "bank-platform-required-tags";
pub(crate) const SCP_SERVICES: [&str; 7] = ["s3", "ec2", "kms", "events", "iam", "lambda", "cloudtrail"];

// ---------------------------------------------------------------- SSM outputs (consumer contract)

/// Where a published value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// An output (`id`, `arn`, `name`) of the live resource at `kind.name`.
    Output(Kind, String, &'static str),
    /// The IDs of the VPC's three subnets of a tier (public: routed to the internet gateway).
    Subnets { public: bool },
}

/// One row of the consumer contract, `{domain}` and `{client-name}` expanded.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    /// Below `/bank/{env}/`.
    pub path: String,
    /// The design's "Value" column.
    pub value: &'static str,
    pub source: Source,
}

fn out(
    path: impl Into<String>,
    value: &'static str,
    kind: Kind,
    name: impl Into<String>,
    output: &'static str,
) -> Output {
    Output { path: path.into(), value, source: Source::Output(kind, name.into(), output) }
}

/// The design's SSM outputs table: 65 paths.
pub(crate) fn ssm_outputs() -> Vec<Output> {
    let mut rows = vec![
        out("network/vpc-id", "VPC ID", Kind::Vpc, "main", "id"),
        Output {
            path: "network/private-subnet-ids".into(),
            value: "CSV of 3 subnet IDs",
            source: Source::Subnets { public: false },
        },
        Output {
            path: "network/public-subnet-ids".into(),
            value: "CSV of 3 subnet IDs",
            source: Source::Subnets { public: true },
        },
    ];
    rows.extend(KEYS.iter().map(|c| out(format!("kms/{c}/arn"), "KMS ARN", Kind::KmsKey, c.as_str(), "arn")));
    rows.extend(DOMAINS.iter().map(|d| out(format!("eventbridge/{d}/arn"), "Bus ARN", Kind::EventBus, *d, "arn")));
    for d in DOMAINS {
        rows.push(out(format!("eventbridge/{d}/dlq-arn"), "SQS ARN", Kind::SqsQueue, format!("{d}-dlq"), "arn"));
    }
    for d in DOMAINS {
        rows.push(out(format!("eventbridge/{d}/archive-arn"), "Archive ARN", Kind::EventArchive, d, "arn"));
    }
    rows.push(out("s3/iceberg/name", "Bucket name", Kind::S3Bucket, "iceberg", "name"));
    rows.push(out("s3/iceberg/arn", "Bucket ARN", Kind::S3Bucket, "iceberg", "arn"));
    for p in ["firehose-landing", "documents", "artefacts", "reports", "cloudtrail", "pulumi-state"] {
        rows.push(out(format!("s3/{p}/name"), "Bucket name", Kind::S3Bucket, p, "name"));
    }
    rows.push(out("s3/pulumi-state/arn", "Bucket ARN", Kind::S3Bucket, "pulumi-state", "arn"));
    rows.extend(DOMAINS.iter().map(|d| out(format!("iam/lambda/{d}/arn"), "Role ARN", Kind::IamRole, *d, "arn")));
    rows.push(out("iam/cicd/arn", "Role ARN", Kind::IamRole, "cicd", "arn"));
    rows.push(out("iam/break-glass/arn", "Role ARN", Kind::IamRole, "break-glass", "arn"));
    rows.push(out("iam/secrets-read/arn", "Policy ARN", Kind::IamPolicy, "secrets-read", "arn"));
    for pool in &POOLS {
        let k = pool.key;
        rows.push(out(format!("cognito/{k}/pool-id"), "Pool ID", Kind::CognitoUserPool, k, "id"));
        rows.push(out(format!("cognito/{k}/arn"), "Pool ARN", Kind::CognitoUserPool, k, "arn"));
        for (client, _) in pool.clients {
            let address = format!("{k}-{client}");
            rows.push(out(
                format!("cognito/{k}/client/{client}"),
                "Client ID",
                Kind::CognitoUserPoolClient,
                address,
                "id",
            ));
        }
    }
    rows.push(out("firehose/cdc/arn", "Stream ARN", Kind::FirehoseStream, "cdc", "arn"));
    rows.push(out("firehose/usage/arn", "Stream ARN", Kind::FirehoseStream, "usage", "arn"));
    rows.push(out("cloudtrail/arn", "Trail ARN", Kind::CloudTrailTrail, TRAIL_NAME, "arn"));
    rows.push(out("cloudtrail/log-group-arn", "Log group ARN", Kind::LogGroup, "cloudtrail", "arn"));
    rows.push(out("logs/bank-platform/arn", "Log group ARN", Kind::LogGroup, "bank-platform", "arn"));
    rows.push(out("sns/alerts/arn", "Topic ARN", Kind::SnsTopic, "alerts", "arn"));
    rows.push(out("xray/sampling/arn", "Sampling rule ARN", Kind::XraySamplingRule, "default", "arn"));
    rows
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_consumer_contract_has_the_designs_65_distinct_paths() {
        let rows = ssm_outputs();
        let paths: BTreeSet<&str> = rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!((rows.len(), paths.len()), (65, 65));
    }

    #[test]
    fn seven_years_is_written_as_the_specs_write_it() {
        assert_eq!((ONE_YEAR_DAYS, SEVEN_YEARS_DAYS), (365, 2555));
    }
}
