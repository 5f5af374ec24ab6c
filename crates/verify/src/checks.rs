//! The check templates, one table per requirement, expanded over the stack's items.

use bankinfra_model::Kind;
use bankinfra_model::policy::normalize;
use bankinfra_spec::{Classification, Specs, StageSpec};
use serde::Serialize;
use serde_json::Value;

use crate::facts::Facts;
use crate::{contract, design, fr_420, gates};

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

/// What became of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    /// The check could not run here (a probe with nothing to probe, an endpoint that is not
    /// AWS); it proves nothing either way.
    NotRun,
}

/// The verdict of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub requirement: &'static str,
    pub name: String,
    pub basis: Basis,
    pub outcome: Outcome,
    /// What is wrong, when the check failed.
    pub failure: Option<String>,
    /// Why the check did not run, or what a passing one rests on (e.g. the refusal's code).
    pub note: Option<String>,
}

impl CheckResult {
    /// A passed check, with what it rests on if worth saying.
    pub fn passed(requirement: &'static str, name: String, basis: Basis, note: Option<String>) -> Self {
        CheckResult { requirement, name, basis, outcome: Outcome::Passed, failure: None, note }
    }

    /// A failed check and what is wrong.
    pub fn failed(requirement: &'static str, name: String, basis: Basis, failure: String) -> Self {
        CheckResult { requirement, name, basis, outcome: Outcome::Failed, failure: Some(failure), note: None }
    }

    /// A check that could not run, and why.
    pub fn not_run(requirement: &'static str, name: String, basis: Basis, why: String) -> Self {
        CheckResult { requirement, name, basis, outcome: Outcome::NotRun, failure: None, note: Some(why) }
    }

    pub fn is_failed(&self) -> bool {
        self.outcome == Outcome::Failed
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
        let (requirement, name) = (self.requirement, self.name.clone());
        match (self.test)(facts) {
            Ok(()) => CheckResult::passed(requirement, name, self.basis, None),
            Err(why) => CheckResult::failed(requirement, name, self.basis, why),
        }
    }
}

pub(crate) fn check<'s>(
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

pub(crate) fn equal<T: PartialEq + std::fmt::Debug>(what: &str, actual: T, expected: T) -> Result<(), String> {
    ensure(actual == expected, || format!("{what} is {actual:?}, expected {expected:?}"))
}

/// Every check of every requirement, with names for the stage in `specs`.
pub(crate) fn all(specs: &Specs) -> Vec<Check<'_>> {
    let stage = &specs.stage;
    let mut out = Vec::new();
    out.extend(fr_417(stage));
    out.extend(fr_418(stage));
    out.extend(fr_419());
    out.extend(fr_420::checks(stage));
    out.extend(contract::checks(stage));
    out.extend(gates::gov_005());
    out.extend(gates::gov_006());
    out.extend(gates::dt_002());
    out
}

pub(crate) fn key_arn(facts: &Facts<'_>, class: Classification) -> Result<String, String> {
    facts.output(Kind::KmsKey, class.as_str(), "arn")
}

/// FR-417: each bus, its cross-account policy, its archive and its encrypted dead-letter queue.
fn fr_417(stage: &StageSpec) -> Vec<Check<'static>> {
    let mut out = Vec::new();
    for d in design::DOMAINS {
        let tags = design::REQUIRED_TAGS.join(", ");
        out.push(check("FR-417", format!("{d}: bus {d} exists, tagged {tags}"), Basis::Live, move |f| {
            let (b, _) = f.bus(d)?;
            equal("the bus name", b.name.as_str(), d)?;
            for tag in design::REQUIRED_TAGS {
                ensure(b.tags.contains_key(tag), || format!("bus {d} lacks the {tag} tag"))?;
            }
            Ok(())
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
        let days = design::ARCHIVE_RETENTION_DAYS;
        out.push(check("FR-417", format!("{d}: {days}-day archive"), Basis::Live, move |f| {
            let (a, _) = f.archive(d)?;
            equal("the archive's source", a.event_source_arn.as_str(), f.output(Kind::EventBus, d, "arn")?.as_str())?;
            equal("the archive's retention (days)", a.retention_days, days)
        }));
        let queue = design::DLQ_NAME.replace("{domain}", d).replace("{env}", &stage.name);
        let (class, retention) = (design::DLQ_KEY, design::DLQ_RETENTION_DAYS);
        out.push(check(
            "FR-417",
            format!("{d}: dead-letter queue {queue}, {class} key, {retention}-day retention"),
            Basis::Live,
            move |f| {
                let (q, _) = f.queue(&format!("{d}-dlq"))?;
                equal("the queue name", q.name.as_str(), queue.as_str())?;
                equal("the queue's KMS key", q.kms_master_key_id.clone(), key_arn(f, class)?)?;
                equal("the queue's retention (seconds)", q.message_retention_seconds, retention * 86_400)
            },
        ));
    }
    out
}

/// FR-418: each bucket exists, encrypted with its classification key, versioned, private,
/// TLS-only and with its lifecycle.
fn fr_418(stage: &StageSpec) -> Vec<Check<'static>> {
    let mut out = Vec::new();
    for spec in &design::BUCKETS {
        let p = spec.purpose;
        let name = design::staged(&design::BUCKET_NAME.replace("{purpose}", p), stage);
        out.push(check("FR-418", format!("{p}: bucket {name} ({})", spec.description), Basis::Live, move |f| {
            equal("the bucket name", f.bucket(p)?.0.bucket.as_str(), name.as_str())
        }));
        let class = spec.key;
        out.push(check("FR-418", format!("{p}: SSE-KMS with the {class} key"), Basis::Live, move |f| {
            equal("the default encryption key", f.bucket(p)?.0.kms_key_arn.clone(), key_arn(f, class)?)
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
        let (glacier, expire) = (spec.glacier_after_days, spec.expire_after_days);
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
            let rules = b.lifecycle_rules.iter().filter(|r| r.enabled);
            let transitions: Vec<(u32, &str)> =
                rules.clone().flat_map(|r| &r.transitions).map(|t| (t.days, t.storage_class.as_str())).collect();
            let expirations: Vec<u32> = rules.filter_map(|r| r.expiration_days).collect();
            equal("the transitions (days, class)", transitions, glacier.map(|d| (d, "GLACIER")).into_iter().collect())?;
            equal("the expirations (days)", expirations, expire.into_iter().collect())
        }));
    }
    out
}

/// FR-419: each classification key has its alias and annual rotation (its SSM export is part
/// of the consumer contract's checks).
fn fr_419() -> Vec<Check<'static>> {
    let mut out = Vec::new();
    for class in design::KEYS {
        let alias = design::key_alias(class);
        out.push(check("FR-419", format!("{class}: key {alias}"), Basis::Live, move |f| {
            equal("the alias", f.key(class.as_str())?.0.alias.as_str(), alias.as_str())
        }));
        let period = design::ROTATION_DAYS;
        out.push(check("FR-419", format!("{class}: rotation every {period} days"), Basis::Live, move |f| {
            let (k, _) = f.key(class.as_str())?;
            ensure(k.enabled, || format!("key {class} is disabled"))?;
            equal("the rotation period (days)", k.rotation_period_days, Some(period))
        }));
    }
    out
}
