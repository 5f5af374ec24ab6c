//! The check templates, one table per requirement, expanded over the stack's items.

use bankinfra_model::Kind;
use bankinfra_model::policy::normalize;
use bankinfra_spec::{Classification, Specs};
use serde::Serialize;
use serde_json::Value;

use crate::facts::Facts;
use crate::gates;

/// How a requirement is enforced, as the design's table says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A functional requirement.
    Functional,
    /// A policy that must block (negative tests).
    Gate,
    /// A policy that must leave an immutable record.
    Log,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Functional => "—",
            Mode::Gate => "GATE",
            Mode::Log => "LOG",
        }
    }
}

/// One row of the design's acceptance table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Requirement {
    pub id: &'static str,
    pub title: &'static str,
    pub mode: Mode,
}

/// The design's acceptance table, in its order.
pub const REQUIREMENTS: [Requirement; 7] = [
    Requirement {
        id: "FR-417",
        title: "8 EventBridge buses + cross-acct policy + 30d archive + DLQ",
        mode: Mode::Functional,
    },
    Requirement {
        id: "FR-418",
        title: "S3 buckets + KMS by classification + SSL-only + lifecycle",
        mode: Mode::Functional,
    },
    Requirement { id: "FR-419", title: "3 classification CMKs + rotation + SSM export", mode: Mode::Functional },
    Requirement { id: "FR-420", title: "Cognito + Firehose + 8 IAM roles + CloudTrail", mode: Mode::Functional },
    Requirement { id: "GOV-005", title: "untagged resources blocked", mode: Mode::Gate },
    Requirement { id: "GOV-006", title: "CloudTrail enabled + logs immutable", mode: Mode::Log },
    Requirement { id: "DT-002", title: "CMKs per classification + DenyUnencryptedPut", mode: Mode::Gate },
];

/// What a check's verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Live attributes read from the endpoint.
    Live,
    /// The live policy documents, evaluated with AWS's policy evaluation logic.
    Evaluated,
    /// A real request sent to the endpoint (`verify --probe`).
    Probe,
}

/// The verdict of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub requirement: &'static str,
    pub name: String,
    pub basis: Basis,
    /// `None` when the check passed; otherwise what is wrong.
    pub failure: Option<String>,
    /// Why a passing check proves less than it says (e.g. a probe that could not run here).
    pub note: Option<String>,
}

impl CheckResult {
    /// A verdict reached outside the check tables (a probe's).
    pub fn new(
        requirement: &'static str,
        name: String,
        basis: Basis,
        failure: Option<String>,
        note: Option<String>,
    ) -> Self {
        CheckResult { requirement, name, basis, failure, note }
    }
}

type Test<'s> = Box<dyn Fn(&Facts<'_>) -> Result<(), String> + 's>;

pub(crate) struct Check<'s> {
    requirement: &'static str,
    name: String,
    basis: Basis,
    test: Test<'s>,
}

impl<'s> Check<'s> {
    pub(crate) fn new(
        requirement: &'static str,
        name: impl Into<String>,
        basis: Basis,
        test: impl Fn(&Facts<'_>) -> Result<(), String> + 's,
    ) -> Self {
        Check { requirement, name: name.into(), basis, test: Box::new(test) }
    }

    pub(crate) fn is_evaluated(&self) -> bool {
        self.basis == Basis::Evaluated
    }

    pub(crate) fn requirement(&self) -> &'static str {
        self.requirement
    }

    pub(crate) fn run(&self, facts: &Facts<'_>) -> CheckResult {
        CheckResult {
            requirement: self.requirement,
            name: self.name.clone(),
            basis: self.basis,
            failure: (self.test)(facts).err(),
            note: None,
        }
    }
}

fn check<'s>(
    requirement: &'static str,
    name: impl Into<String>,
    basis: Basis,
    test: impl Fn(&Facts<'_>) -> Result<(), String> + 's,
) -> Check<'s> {
    Check::new(requirement, name, basis, test)
}

/// `Err(message)` unless `condition`.
pub(crate) fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(message()) }
}

fn equal<T: PartialEq + std::fmt::Debug>(what: &str, actual: T, expected: T) -> Result<(), String> {
    ensure(actual == expected, || format!("{what} is {actual:?}, expected {expected:?}"))
}

/// Every check of every requirement, for the stack in `specs`.
pub(crate) fn all(specs: &Specs) -> Vec<Check<'_>> {
    let mut out = Vec::new();
    out.extend(fr_417(specs));
    out.extend(fr_418(specs));
    out.extend(fr_419(specs));
    out.extend(fr_420(specs));
    out.extend(gates::gov_005(specs));
    out.extend(gates::gov_006(specs));
    out.extend(gates::dt_002(specs));
    out
}

fn key_arn(facts: &Facts<'_>, class: Classification) -> Result<String, String> {
    facts.output(Kind::KmsKey, class.as_str(), "arn")
}

/// FR-417: each bus, its cross-account policy, its archive and its encrypted dead-letter queue.
fn fr_417(specs: &Specs) -> Vec<Check<'_>> {
    let eb = &specs.stack.eventbridge;
    let mut out = Vec::new();
    for bus in &eb.buses {
        let d = bus.domain.get_ref().as_str();
        out.push(check("FR-417", format!("{d}: bus exists, tagged and published"), Basis::Live, move |f| {
            let (b, live) = f.bus(d)?;
            for tag in ["tenant_id", "module_id", "environment"] {
                ensure(b.tags.contains_key(tag), || format!("bus {d} lacks the {tag} tag"))?;
            }
            equal("the published bus ARN", f.parameter(&format!("eventbridge/{d}/arn"))?, live.outputs["arn"].clone())
        }));
        out.push(check(
            "FR-417",
            format!("{d}: cross-account policy (account root + organization)"),
            Basis::Live,
            move |f| {
                let (b, _) = f.bus(d)?;
                let policy = normalize(b.policy.as_ref().ok_or_else(|| format!("bus {d} has no resource policy"))?);
                let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
                let root = Value::String(format!("arn:aws:iam::{}:root", f.specs.stage.account_id));
                let allows_root = statements.iter().any(|s| {
                    s["Effect"] == "Allow" && s["Principal"]["AWS"].as_array().is_some_and(|p| p.contains(&root))
                });
                ensure(allows_root, || format!("bus {d}'s policy does not allow the account root"))?;
                let org = Value::Array(vec![Value::String(f.specs.stage.org_id.clone())]);
                let allows_org = statements
                    .iter()
                    .any(|s| s["Effect"] == "Allow" && s["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == org);
                ensure(allows_org, || format!("bus {d}'s policy does not allow organization {}", f.specs.stage.org_id))
            },
        ));
        let days = *eb.archive_retention_days.get_ref();
        out.push(check("FR-417", format!("{d}: {days}-day archive"), Basis::Live, move |f| {
            let (a, live) = f.archive(d)?;
            equal("the archive's source", a.event_source_arn.as_str(), f.output(Kind::EventBus, d, "arn")?.as_str())?;
            equal("the archive's retention (days)", a.retention_days, days)?;
            equal(
                "the published archive ARN",
                f.parameter(&format!("eventbridge/{d}/archive-arn"))?,
                live.outputs["arn"].clone(),
            )
        }));
        let (class, retention) = (*eb.dead_letter_classification.get_ref(), *eb.dead_letter_retention_days.get_ref());
        out.push(check(
            "FR-417",
            format!("{d}: KMS-encrypted {retention}-day dead-letter queue"),
            Basis::Live,
            move |f| {
                let (q, live) = f.queue(&format!("{d}-dlq"))?;
                equal("the queue's KMS key", q.kms_master_key_id.clone(), key_arn(f, class)?)?;
                equal("the queue's retention (seconds)", q.message_retention_seconds, retention * 86_400)?;
                equal(
                    "the published queue ARN",
                    f.parameter(&format!("eventbridge/{d}/dlq-arn"))?,
                    live.outputs["arn"].clone(),
                )
            },
        ));
    }
    out
}

/// FR-418: each bucket exists, encrypted with its classification key, versioned, private,
/// TLS-only and with its lifecycle.
fn fr_418(specs: &Specs) -> Vec<Check<'_>> {
    let mut out = Vec::new();
    for spec in &specs.stack.storage.buckets {
        let p = spec.purpose.get_ref().as_str();
        let expected_name =
            specs.stack.storage.bucket_name.replace("{purpose}", p).replace("{stage}", &specs.stage.name);
        out.push(check("FR-418", format!("{p}: bucket exists and is published"), Basis::Live, move |f| {
            let (b, _) = f.bucket(p)?;
            equal("the bucket name", b.bucket.clone(), expected_name.clone())?;
            equal("the published bucket name", f.parameter(&format!("s3/{p}/name"))?, expected_name.clone())
        }));
        let class = spec.classification;
        out.push(check("FR-418", format!("{p}: SSE-KMS with the {class} key"), Basis::Live, move |f| {
            let (b, _) = f.bucket(p)?;
            equal("the default encryption key", b.kms_key_arn.clone(), key_arn(f, class)?)
        }));
        out.push(check("FR-418", format!("{p}: versioning enabled"), Basis::Live, move |f| {
            equal("versioning", f.bucket(p)?.0.versioning.as_str(), "Enabled")
        }));
        out.push(check("FR-418", format!("{p}: all four public-access-block flags"), Basis::Live, move |f| {
            equal(
                "the public access block",
                &f.bucket(p)?.0.public_access_block,
                &bankinfra_model::props::s3::PublicAccessBlock::ALL,
            )
        }));
        out.push(check("FR-418", format!("{p}: SSL-only (a non-TLS request is denied)"), Basis::Evaluated, move |f| {
            gates::non_tls_denied(f, p)
        }));
        let (glacier, expire) = (
            spec.lifecycle.glacier_after_days.as_ref().map(|d| *d.get_ref()),
            spec.lifecycle.expire_after_days.as_ref().map(|d| *d.get_ref()),
        );
        let label = match (glacier, expire) {
            (None, None) => "no expiration".to_string(),
            (g, e) => format!(
                "lifecycle{}{}",
                g.map(|d| format!(" Glacier @ {d}d")).unwrap_or_default(),
                e.map(|d| format!(" expire @ {d}d")).unwrap_or_default()
            ),
        };
        out.push(check("FR-418", format!("{p}: {label}"), Basis::Live, move |f| {
            let (b, _) = f.bucket(p)?;
            let transitions: Vec<u32> = b.lifecycle_rules.iter().flat_map(|r| &r.transitions).map(|t| t.days).collect();
            let expirations: Vec<u32> = b.lifecycle_rules.iter().filter_map(|r| r.expiration_days).collect();
            equal("the Glacier transitions (days)", transitions, glacier.into_iter().collect())?;
            equal("the expirations (days)", expirations, expire.into_iter().collect())
        }));
    }
    out
}

/// FR-419: each classification key has its alias, annual rotation and its SSM export.
fn fr_419(specs: &Specs) -> Vec<Check<'_>> {
    let mut out = Vec::new();
    for key in &specs.stack.kms.keys {
        let class = *key.classification.get_ref();
        let period = *key.rotation_period_days.get_ref();
        out.push(check("FR-419", format!("{class}: alias alias/bank/{class}"), Basis::Live, move |f| {
            equal("the alias", f.key(class.as_str())?.0.alias.clone(), format!("alias/bank/{class}"))
        }));
        out.push(check("FR-419", format!("{class}: rotation every {period} days"), Basis::Live, move |f| {
            let (k, _) = f.key(class.as_str())?;
            ensure(k.enabled, || format!("key {class} is disabled"))?;
            equal("the rotation period (days)", k.rotation_period_days, Some(period))
        }));
        out.push(check("FR-419", format!("{class}: ARN exported to SSM"), Basis::Live, move |f| {
            equal("the published key ARN", f.parameter(&format!("kms/{class}/arn"))?, key_arn(f, class)?)
        }));
    }
    out
}

/// FR-420: the user pools and their clients, the delivery streams, the Lambda roles and the
/// trail (14 checks, as in the design).
fn fr_420(specs: &Specs) -> Vec<Check<'_>> {
    let mut out = Vec::new();
    for pool in &specs.stack.cognito.pools {
        let key = pool.key.get_ref().as_str();
        let min = *pool.minimum_password_length.get_ref();
        out.push(check("FR-420", format!("{key} pool: TOTP MFA required, published"), Basis::Live, move |f| {
            let (p, live) = f.pool(key)?;
            equal("MFA", p.mfa_configuration.as_str(), "ON")?;
            ensure(p.software_token_mfa, || format!("pool {key} does not enable TOTP"))?;
            equal("the published pool ID", f.parameter(&format!("cognito/{key}/pool-id"))?, live.outputs["id"].clone())
        }));
        out.push(check(
            "FR-420",
            format!("{key} pool: password min {min}, all character classes"),
            Basis::Live,
            move |f| {
                let pw = &f.pool(key)?.0.password_policy;
                equal("the minimum length", pw.minimum_length, min)?;
                ensure(pw.require_uppercase && pw.require_lowercase && pw.require_numbers && pw.require_symbols, || {
                    format!("pool {key} does not require every character class")
                })
            },
        ));
        let attributes: Vec<String> = pool.custom_attributes.iter().map(|a| a.get_ref().clone()).collect();
        let clients: Vec<(String, bool)> =
            pool.clients.iter().map(|c| (c.name.get_ref().clone(), c.confidential)).collect();
        let protection = if specs.stage.switches.cognito_deletion_protection { "ACTIVE" } else { "INACTIVE" };
        out.push(check(
            "FR-420",
            format!("{key} pool: custom attributes and deletion protection {protection}"),
            Basis::Live,
            move |f| {
                let (p, _) = f.pool(key)?;
                for a in &attributes {
                    ensure(p.custom_attributes.iter().any(|c| &c.name == a), || {
                        format!("pool {key} lacks custom:{a}")
                    })?;
                }
                equal("deletion protection", p.deletion_protection.as_str(), protection)
            },
        ));
        out.push(check("FR-420", format!("{key} pool: app clients"), Basis::Live, move |f| {
            for (name, confidential) in &clients {
                let (c, live) = f.client(&format!("{key}-{name}"))?;
                let kind = if *confidential { "confidential" } else { "public (PKCE)" };
                ensure(c.generate_secret == *confidential, || format!("client {name} is not {kind}"))?;
                equal(
                    &format!("the published ID of client {name}"),
                    f.parameter(&format!("cognito/{key}/client/{name}"))?,
                    live.outputs["id"].clone(),
                )?;
            }
            Ok(())
        }));
    }
    let fh = &specs.stack.firehose;
    for stream in &fh.streams {
        let key = stream.key.get_ref().as_str();
        let prefix = stream.prefix.get_ref().clone();
        out.push(check(
            "FR-420",
            format!(
                "{} stream: partitioned, {} MB / {} s, {}, encrypted",
                stream.name.get_ref(),
                fh.buffer_size_mb.get_ref(),
                fh.buffer_interval_seconds.get_ref(),
                fh.compression.get_ref()
            ),
            Basis::Live,
            move |f| {
                let fh = &f.specs.stack.firehose;
                let (s, _) = f.stream(key)?;
                let key_arn = key_arn(f, *fh.classification.get_ref())?;
                equal("the prefix", s.prefix.as_str(), prefix.as_str())?;
                equal(
                    "the buffer (MB, s)",
                    (s.buffer_size_mb, s.buffer_interval_seconds),
                    (*fh.buffer_size_mb.get_ref(), *fh.buffer_interval_seconds.get_ref()),
                )?;
                equal("the compression", s.compression.as_str(), fh.compression.get_ref().as_str())?;
                equal("the stream's key", s.stream_kms_key_arn.as_str(), key_arn.as_str())?;
                equal("the objects' key", s.s3_kms_key_arn.as_str(), key_arn.as_str())?;
                ensure(!s.log_group.is_empty() && !s.error_output_prefix.is_empty(), || {
                    "delivery errors are not logged".into()
                })
            },
        ));
    }
    out.push(check(
        "FR-420",
        "8 Lambda execution roles with trust, managed policies and domain policy",
        Basis::Live,
        |f| {
            for r in &f.specs.stack.iam.lambda_roles {
                let d = r.domain.get_ref();
                let (role, live) = f.role(d)?;
                let trust = role.assume_role_policy.to_string();
                ensure(trust.contains("lambda.amazonaws.com") && trust.contains("aws:SourceAccount"), || {
                    format!("role {} does not trust Lambda of this account only", role.name)
                })?;
                ensure(role.managed_policy_arns.len() == 2, || {
                    format!("role {} lacks its managed policies", role.name)
                })?;
                ensure(role.inline_policies.contains_key(&format!("{d}-domain-permissions")), || {
                    format!("role {} lacks its domain policy", role.name)
                })?;
                equal(
                    &format!("the published ARN of {}", role.name),
                    f.parameter(&format!("iam/lambda/{d}/arn"))?,
                    live.outputs["arn"].clone(),
                )?;
            }
            Ok(())
        },
    ));
    out.push(check(
        "FR-420",
        "CI/CD role trusts the repository's GitHub OIDC; break-glass needs MFA",
        Basis::Live,
        |f| {
            let iam = &f.specs.stack.iam;
            let (cicd, _) = f.role("cicd")?;
            let oidc = f.output(Kind::IamOidcProvider, "github", "arn")?;
            let trust = cicd.assume_role_policy.to_string();
            ensure(
                trust.contains(&oidc) && trust.contains(&format!("repo:{}:", iam.github_repository.get_ref())),
                || format!("role {} does not trust GitHub OIDC for {}", cicd.name, iam.github_repository.get_ref()),
            )?;
            let (glass, _) = f.role("break-glass")?;
            ensure(glass.assume_role_policy.to_string().contains("aws:MultiFactorAuthPresent"), || {
                format!("role {} does not require MFA", glass.name)
            })?;
            equal(
                "the break-glass session (s)",
                glass.max_session_duration,
                iam.break_glass_max_session_hours.get_ref() * 3600,
            )
        },
    ));
    out.push(check(
        "FR-420",
        "bank-secrets-read grants bank-*/* secrets and decrypt on the classification keys",
        Basis::Live,
        |f| {
            let (p, live) = f.managed_policy("secrets-read")?;
            let doc = p.policy.to_string();
            ensure(doc.contains("secretsmanager:GetSecretValue") && doc.contains(":secret:bank-*/*"), || {
                format!("policy {} does not grant the bank-*/* secrets", p.name)
            })?;
            for key in &f.specs.stack.kms.keys {
                let arn = key_arn(f, *key.classification.get_ref())?;
                ensure(doc.contains(&arn), || format!("policy {} does not decrypt with {arn}", p.name))?;
            }
            equal("the published policy ARN", f.parameter("iam/secrets-read/arn")?, live.outputs["arn"].clone())
        },
    ));
    out.push(check(
        "FR-420",
        "CloudTrail trail delivering to the locked bucket and CloudWatch Logs",
        Basis::Live,
        |f| {
            let spec = &f.specs.stack.cloudtrail;
            let (t, live) = f.trail(spec.name.get_ref())?;
            equal(
                "the trail bucket",
                t.s3_bucket_name.clone(),
                f.output(Kind::S3Bucket, spec.bucket.get_ref(), "name")?,
            )?;
            ensure(!t.cloud_watch_logs_log_group_arn.is_empty(), || {
                "the trail does not deliver to CloudWatch Logs".into()
            })?;
            equal("the published trail ARN", f.parameter("cloudtrail/arn")?, live.outputs["arn"].clone())
        },
    ));
    out
}
