//! The policy checks — GOV-005 and DT-002 (GATE), GOV-006 (LOG) — and the SSL-only check of
//! FR-418. Policies are read back from live state and evaluated for the requests that matter
//! with AWS's evaluation logic; live attributes are checked where the requirement is about them.

use bankinfra_model::{Kind, LiveResource, Props};
use bankinfra_policy::authorization::tagged_creates;
use bankinfra_policy::{Decision, Evaluation, PolicySet, Principal, Request, evaluate};
use serde_json::{Value, json};

use crate::checks::{Basis, Check, ensure, key_arn};
use crate::design::{self, REQUIRED_TAGS, SCP_SERVICES};
use crate::facts::Facts;

/// An identity policy that allows everything: the evaluations below ask what the resource
/// policies and SCPs still deny to a fully privileged caller.
fn allow_all() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

/// A fully privileged role of the stage's account (the CI/CD role).
fn admin(f: &Facts<'_>) -> Principal {
    Principal::role(&format!("arn:aws:iam::{}:role/{}", f.specs.stage.account_id, design::CICD_ROLE))
}

fn evaluation_error(e: impl std::fmt::Display) -> String {
    format!("the live policy cannot be evaluated: {e}")
}

/// Evaluates `request` against an allow-all identity policy and the bucket's live policy.
fn against_bucket(f: &Facts<'_>, purpose: &str, request: &Request) -> Result<Evaluation, String> {
    let (b, _) = f.bucket(purpose)?;
    let policies = PolicySet::new()
        .identity("allow-all", &allow_all())
        .and_then(|p| p.resource(&format!("bucket policy of {}", b.bucket), &b.policy))
        .map_err(evaluation_error)?;
    Ok(evaluate(request, &policies))
}

fn expect(evaluation: &Evaluation, allowed: bool, what: &str) -> Result<(), String> {
    let denied = evaluation.decision == Decision::ExplicitDeny;
    match (allowed, evaluation.is_allowed(), denied) {
        (true, true, _) | (false, _, true) => Ok(()),
        (true, false, _) => Err(format!("{what} should be allowed, but is {evaluation}")),
        (false, _, false) => Err(format!("{what} should be explicitly denied, but is {evaluation}")),
    }
}

/// A PutObject of `purpose`'s bucket with the given SSE headers and transport.
fn put(f: &Facts<'_>, purpose: &str, sse: Option<&str>, key: Option<&str>, tls: bool) -> Result<Request, String> {
    let (b, _) = f.bucket(purpose)?;
    let mut request = Request::new(admin(f), "s3:PutObject", &format!("arn:aws:s3:::{}/verify/object", b.bucket))
        .with("aws:SecureTransport", tls.to_string());
    if let Some(sse) = sse {
        request = request.with("s3:x-amz-server-side-encryption", sse);
    }
    if let Some(key) = key {
        request = request.with("s3:x-amz-server-side-encryption-aws-kms-key-id", key);
    }
    Ok(request)
}

/// FR-418 SSL-only: a request to the bucket without TLS is denied (as an otherwise allowed GET).
pub(crate) fn non_tls_denied(f: &Facts<'_>, purpose: &str) -> Result<(), String> {
    let (b, _) = f.bucket(purpose)?;
    let request = Request::new(admin(f), "s3:GetObject", &format!("arn:aws:s3:::{}/verify/object", b.bucket))
        .with("aws:SecureTransport", "false");
    expect(&against_bucket(f, purpose, &request)?, false, "a GetObject without TLS")
}

/// The create action checked for each service the SCP covers.
fn create_action(service: &str) -> String {
    let action = match service {
        "s3" => "CreateBucket",
        "ec2" => "CreateVpc",
        "kms" => "CreateKey",
        "events" => "CreateEventBus",
        "iam" => "CreateRole",
        "lambda" => "CreateFunction",
        "cloudtrail" => "CreateTrail",
        _ => "CreateResource",
    };
    format!("{service}:{action}")
}

/// Evaluates a create against the live SCPs (every document of the stack's, next to AWS's
/// FullAWSAccess) and an allow-all identity policy, with the given request tags, on a resource
/// of the type the action creates (AWS's authorization data: a statement scoped to that type
/// must catch it).
fn create_under_scp(f: &Facts<'_>, service: &str, tags: &[(&str, &str)]) -> Result<Evaluation, String> {
    f.scp("required-tags").map_err(|e| organization_hint(f, e))?;
    let mut policies = PolicySet::new()
        .identity("allow-all", &allow_all())
        .and_then(|p| p.scp("FullAWSAccess", &allow_all()))
        .map_err(evaluation_error)?;
    for live in f.all(Kind::ServiceControlPolicy) {
        if let Props::ServiceControlPolicy(scp) = &live.props {
            policies = policies.scp(&scp.name, &scp.policy).map_err(evaluation_error)?;
        }
    }
    let action = create_action(service);
    let mut request = Request::new(admin(f), &action, &created_resource(f, &action))
        .with_multi("aws:TagKeys", tags.iter().map(|(k, _)| k.to_string()));
    for (k, v) in tags {
        request = request.with(&format!("aws:RequestTag/{k}"), *v);
    }
    Ok(evaluate(&request, &policies))
}

/// An ARN of the resource type `action` creates in the stage's account (`*` for an action with
/// no resource-level permissions).
fn created_resource(f: &Facts<'_>, action: &str) -> String {
    let Some(pattern) = tagged_creates().get(action).and_then(|row| row.creates.first()) else {
        return "*".to_string();
    };
    if pattern == "*" {
        return pattern.clone();
    }
    let (region, account) = (&f.specs.stage.region, &f.specs.stage.account_id);
    let parts: Vec<String> = pattern
        .splitn(6, ':')
        .enumerate()
        .map(|(i, part)| match (i, part) {
            (1, "*") => "aws".to_string(),
            (3, "*") => region.clone(),
            (4, "*") => account.clone(),
            (_, part) => part.replace('*', "verify"),
        })
        .collect();
    parts.join(":")
}

fn organization_hint(f: &Facts<'_>, error: String) -> String {
    if f.organization_read {
        error
    } else {
        format!("{error}: the organization was not read (set BANK_ORG_PROFILE to its management account's profile)")
    }
}

/// GOV-005 (GATE): the SCP exists and is attached; it denies untagged creates on each of its
/// services and allows fully tagged ones; every resource carries the required tags.
pub(crate) fn gov_005() -> Vec<Check<'static>> {
    vec![
        Check::new(
            "GOV-005",
            format!("SCP {} exists and is attached to the root", design::SCP_NAME),
            Basis::Live,
            |f| {
                let (p, _) = f.scp("required-tags").map_err(|e| organization_hint(f, e))?;
                ensure(p.name == design::SCP_NAME, || {
                    format!("the SCP is named {}, not {}", p.name, design::SCP_NAME)
                })?;
                ensure(p.attach_to_root, || format!("SCP {} is not attached to the organization root", p.name))?;
                let detached: Vec<String> = f
                    .all(Kind::ServiceControlPolicy)
                    .filter_map(|l| match &l.props {
                        Props::ServiceControlPolicy(p) if !p.attach_to_root => Some(p.name.clone()),
                        _ => None,
                    })
                    .collect();
                ensure(detached.is_empty(), || format!("not attached to the root: {}", detached.join(", ")))
            },
        ),
        Check::new(
            "GOV-005",
            format!(
                "a Create* without any one of {} is denied on each of the {} services",
                REQUIRED_TAGS.join(", "),
                SCP_SERVICES.len()
            ),
            Basis::Evaluated,
            |f| {
                for service in SCP_SERVICES {
                    let untagged = create_under_scp(f, service, &[])?;
                    expect(&untagged, false, &format!("an untagged {}", create_action(service)))?;
                    for missing in REQUIRED_TAGS {
                        let others: Vec<(&str, &str)> =
                            REQUIRED_TAGS.iter().filter(|t| **t != missing).map(|t| (*t, "verify")).collect();
                        let evaluation = create_under_scp(f, service, &others)?;
                        let what =
                            format!("a {} without {missing} (under SCP {})", create_action(service), design::SCP_NAME);
                        expect(&evaluation, false, &what)?;
                    }
                }
                Ok(())
            },
        ),
        Check::new(
            "GOV-005",
            format!("a Create* tagged {} is not denied", REQUIRED_TAGS.join(", ")),
            Basis::Evaluated,
            |f| {
                let tagged: Vec<(&str, &str)> = REQUIRED_TAGS.iter().map(|t| (*t, "verify")).collect();
                for service in SCP_SERVICES {
                    let evaluation = create_under_scp(f, service, &tagged)?;
                    expect(&evaluation, true, &format!("a fully tagged {}", create_action(service)))?;
                }
                Ok(())
            },
        ),
        Check::new("GOV-005", "every taggable resource carries the required tag keys", Basis::Live, move |f| {
            let untagged: Vec<String> = Kind::ALL
                .iter()
                .filter(|k| k.taggable() && **k != Kind::ServiceControlPolicy)
                .flat_map(|k| f.all(*k))
                .filter(|l: &&LiveResource| REQUIRED_TAGS.iter().any(|t| !l.props.tags().contains_key(*t)))
                .map(|l| l.address.to_string())
                .collect();
            ensure(untagged.is_empty(), || format!("missing required tags: {}", untagged.join(", ")))
        }),
    ]
}

/// GOV-006 (LOG): the trail logs everything, validated and encrypted, into a bucket whose
/// objects cannot be deleted.
pub(crate) fn gov_006() -> Vec<Check<'static>> {
    let (trail, bucket) = (design::TRAIL_NAME, design::TRAIL_BUCKET);
    let lock = Some((design::OBJECT_LOCK_MODE.to_string(), design::OBJECT_LOCK_YEARS));
    vec![
        Check::new(
            "GOV-006",
            format!("trail {trail} is logging, multi-region, with global events"),
            Basis::Live,
            move |f| {
                let (t, _) = f.trail(trail)?;
                ensure(t.logging, || format!("trail {trail} is not logging"))?;
                ensure(t.is_multi_region_trail && t.include_global_service_events, || {
                    format!("trail {trail} is not multi-region with global service events")
                })?;
                let all_objects = t.s3_data_events.iter().any(|d| design::ALL_S3_OBJECTS.contains(&d.as_str()));
                ensure(t.management_events == design::TRAIL_MANAGEMENT_EVENTS && all_objects, || {
                    format!("trail {trail} does not record all management events and S3 data events")
                })
            },
        ),
        Check::new("GOV-006", format!("trail {trail} validates log files and encrypts them"), Basis::Live, move |f| {
            let (t, _) = f.trail(trail)?;
            ensure(t.enable_log_file_validation, || format!("trail {trail} does not validate log files"))?;
            let class = design::TRAIL_KEY;
            let key = key_arn(f, class)?;
            ensure(t.kms_key_id == key, || {
                format!("trail {trail} is encrypted with {}, not the {class} key", t.kms_key_id)
            })
        }),
        Check::new(
            "GOV-006",
            format!(
                "{bucket} bucket: Object Lock {} {} years on every log",
                design::OBJECT_LOCK_MODE,
                design::OBJECT_LOCK_YEARS
            ),
            Basis::Live,
            move |f| {
                let (b, _) = f.bucket(bucket)?;
                let live = b.object_lock_retention.as_ref().map(|r| (r.mode.clone(), r.years));
                ensure(b.object_lock_enabled && live == lock, || format!("Object Lock is {live:?}, expected {lock:?}"))
            },
        ),
        Check::new(
            "GOV-006",
            format!("{bucket} bucket: DeleteObject and DeleteObjectVersion are denied"),
            Basis::Evaluated,
            move |f| {
                let (b, _) = f.bucket(bucket)?;
                let object =
                    format!("arn:aws:s3:::{}/AWSLogs/{}/CloudTrail/log.json.gz", b.bucket, f.specs.stage.account_id);
                for action in ["s3:DeleteObject", "s3:DeleteObjectVersion"] {
                    let request = Request::new(admin(f), action, &object).with("aws:SecureTransport", "true");
                    expect(&against_bucket(f, bucket, &request)?, false, &format!("{action} of a trail log"))?;
                }
                Ok(())
            },
        ),
    ]
}

/// DT-002 (GATE): a CMK per classification, and every bucket refuses anything but SSE-KMS with
/// its own key over TLS.
pub(crate) fn dt_002() -> Vec<Check<'static>> {
    vec![
        Check::new("DT-002", "one enabled CMK per classification, each bucket on its own", Basis::Live, move |f| {
            for class in design::KEYS {
                ensure(f.key(class.as_str())?.0.enabled, || format!("the {class} key is disabled"))?;
            }
            for spec in &design::BUCKETS {
                let (b, _) = f.bucket(spec.purpose)?;
                let key = key_arn(f, spec.key)?;
                ensure(b.kms_key_arn == key, || {
                    format!("bucket {} is not encrypted with the {} key", b.bucket, spec.key)
                })?;
            }
            Ok(())
        }),
        Check::new(
            "DT-002",
            "PutObject without SSE is denied by DenyUnencryptedPut on every bucket",
            Basis::Evaluated,
            move |f| {
                for p in design::BUCKETS.iter().map(|b| b.purpose) {
                    let evaluation = against_bucket(f, p, &put(f, p, None, None, true)?)?;
                    expect(&evaluation, false, &format!("an unencrypted PutObject to {p}"))?;
                    // The design names the statement: another deny catching the request by accident
                    // (the encryption-type check, which also holds for an absent header) is not it.
                    ensure(evaluation.sids().contains(&"DenyUnencryptedPut"), || {
                        format!(
                            "bucket {p}: no DenyUnencryptedPut statement denies an unencrypted PutObject ({evaluation})"
                        )
                    })?;
                }
                Ok(())
            },
        ),
        Check::new(
            "DT-002",
            "PutObject with AES256 or another classification's key is denied",
            Basis::Evaluated,
            move |f| {
                for spec in &design::BUCKETS {
                    let p = spec.purpose;
                    expect(
                        &against_bucket(f, p, &put(f, p, Some("AES256"), None, true)?)?,
                        false,
                        &format!("an AES256 PutObject to {p}"),
                    )?;
                    for other in design::KEYS.into_iter().filter(|c| *c != spec.key) {
                        let key = key_arn(f, other)?;
                        let request = put(f, p, Some("aws:kms"), Some(&key), true)?;
                        expect(
                            &against_bucket(f, p, &request)?,
                            false,
                            &format!("a PutObject to {p} with the {other} key"),
                        )?;
                    }
                }
                Ok(())
            },
        ),
        Check::new(
            "DT-002",
            "PutObject with aws:kms and the bucket's key is allowed, never without TLS",
            Basis::Evaluated,
            move |f| {
                for spec in &design::BUCKETS {
                    let p = spec.purpose;
                    let key = key_arn(f, spec.key)?;
                    expect(
                        &against_bucket(f, p, &put(f, p, Some("aws:kms"), Some(&key), true)?)?,
                        true,
                        &format!("a PutObject to {p} with its key"),
                    )?;
                    expect(
                        &against_bucket(f, p, &put(f, p, Some("aws:kms"), Some(&key), false)?)?,
                        false,
                        &format!("a PutObject to {p} without TLS"),
                    )?;
                }
                Ok(())
            },
        ),
    ]
}
