//! `bankinfra verify`: the design's acceptance table (FR-417, FR-418, FR-419, FR-420, GOV-005,
//! GOV-006, DT-002) against live state, and each out-of-band break failing exactly its check.

use serde_json::Value;

use crate::harness::{Env, STAGE};

/// The checks of the design's table per requirement (crates/verify/src/design.rs); the data
/// paths come on top, each under its requirement.
const DESIGN_CHECKS: [(&str, usize); 7] =
    [("FR-417", 33), ("FR-418", 43), ("FR-419", 7), ("FR-420", 28), ("GOV-005", 4), ("GOV-006", 4), ("DT-002", 4)];

/// The checks `verify` runs per requirement: the design's and the data paths.
fn expected_checks() -> Vec<(&'static str, usize)> {
    let specs = bankinfra_spec::load(&bankinfra_testkit::repo_root().join("specs"), STAGE).unwrap();
    let paths = bankinfra_verify::data_paths(&specs);
    DESIGN_CHECKS.map(|(id, n)| (id, n + paths.iter().filter(|p| p.requirement == id).count())).to_vec()
}

fn verify_json(env: &Env, code: i32) -> Value {
    serde_json::from_str(&env.run_expect(&["verify", "--stage", STAGE, "--json"], code))
        .expect("verify --json prints JSON")
}

/// The names of the failing checks.
fn failing(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "failed")
        .map(|c| format!("{} {}", c["requirement"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn verify_reports_every_acceptance_check_passing_after_a_cold_apply() {
    let env = Env::new().await.with_organization().await;
    env.apply();
    let report = verify_json(&env, 0);
    assert_eq!(report["passed"], true, "{:#?}", failing(&report));
    let expected = expected_checks();
    for &(id, tests) in &expected {
        let row = report["requirements"].as_array().unwrap().iter().find(|r| r["id"] == id).expect(id);
        let counts = (row["tests"].as_u64(), row["fail"].as_u64(), row["not_run"].as_u64());
        assert_eq!(counts, (Some(tests as u64), Some(0), Some(0)), "{id}: {row}");
    }
    let total: usize = expected.iter().map(|(_, n)| n).sum();
    assert_eq!(report["checks"].as_array().unwrap().len(), total);

    let junit = std::env::temp_dir().join(format!("bankinfra-verify-{}.xml", std::process::id()));
    let table = env.run_expect(&["verify", "--stage", STAGE, "--junit", junit.to_str().unwrap()], 0);
    assert!(table.contains("| FR / Policy | Mode | Tests | Pass | Fail | Status |"), "{table}");
    let gov_005 = expected.iter().find(|(id, _)| *id == "GOV-005").unwrap().1;
    let row = format!("| GOV-005 — untagged resources blocked | GATE | {gov_005} | {gov_005} | 0 | PASS |");
    assert!(table.contains(&row), "{table}");
    assert!(table.contains(&format!("| Total | | {total} | {total} | 0 | 100% |")), "{table}");
    assert!(!table.contains("not run"), "{table}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.starts_with("<?xml") && xml.contains("<testsuites") && xml.contains("failures=\"0\" skipped=\"0\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), total);
}

/// A cold-applied stage (with its organization) that passes every check.
async fn applied() -> Env {
    let env = Env::new().await.with_organization().await;
    env.apply();
    env
}

/// After `break_it`, verify fails exactly `check`; an apply repairs it.
async fn fails_exactly(env: &Env, check: &str) {
    assert_eq!(failing(&verify_json(env, 1)), [check]);
    env.apply();
    assert_eq!(verify_json(env, 0)["passed"], true);
}

#[tokio::test]
async fn fr_419_verify_fails_exactly_rotation_when_a_key_stops_rotating() {
    let env = applied().await;
    let key = env.param("kms/pii/arn").await.unwrap();
    env.kms().disable_key_rotation().key_id(&key).send().await.unwrap();
    fails_exactly(&env, "FR-419 pii: rotation every 365 days").await;
}

#[tokio::test]
async fn fr_417_verify_fails_exactly_the_archive_when_its_retention_is_shortened() {
    let env = applied().await;
    env.events().update_archive().archive_name("bank-kyc-archive").retention_days(7).send().await.unwrap();
    fails_exactly(&env, "FR-417 bank-kyc: 30-day archive").await;
}

#[tokio::test]
async fn gov_005_verify_fails_exactly_the_attachment_when_the_scp_is_detached() {
    let env = applied().await;
    let org = env.organizations().await;
    let policies = org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let scp = policies.policies().iter().find(|p| p.name() == Some("bank-platform-required-tags")).unwrap();
    let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_string();
    org.detach_policy().policy_id(scp.id().unwrap()).target_id(&root).send().await.unwrap();
    fails_exactly(&env, "GOV-005 SCP bank-platform-required-tags exists and is attached to the root").await;
}

#[tokio::test]
async fn dt_002_verify_fails_exactly_deny_unencrypted_put_when_the_statement_is_removed() {
    let env = applied().await;
    let s3 = env.s3();
    let bucket = format!("bank-documents-{STAGE}");
    let policy = s3.get_bucket_policy().bucket(&bucket).send().await.unwrap();
    let mut policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    policy["Statement"].as_array_mut().unwrap().retain(|s| s["Sid"] != "DenyUnencryptedPut");
    s3.put_bucket_policy().bucket(&bucket).policy(policy.to_string()).send().await.unwrap();
    fails_exactly(&env, "DT-002 PutObject without SSE is denied by DenyUnencryptedPut on every bucket").await;
}

#[tokio::test]
async fn plan_refuses_a_spec_that_drops_a_gate_statement_unless_overridden_loudly() {
    let mut env = Env::new().await.with_organization().await;
    env.apply();
    let specs = crate::harness::copy_specs("gate-break");
    let stack = specs.join("mod-104.toml");
    let text = std::fs::read_to_string(&stack).unwrap();
    let edited = text.replace(
        r#"required_tags = ["tenant_id", "module_id", "environment"]"#,
        r#"required_tags = ["tenant_id", "environment"]"#,
    );
    assert_ne!(text, edited);
    std::fs::write(&stack, edited).unwrap();
    env.specs = specs;

    let out = env.run(&["plan", "--stage", STAGE]);
    assert_eq!(out.status.code(), Some(5), "plan refuses a GATE break");
    let stderr = crate::harness::text(&out.stderr);
    assert!(stderr.contains("GOV-005") && stderr.contains("without module_id"), "{stderr}");
    assert!(stderr.contains("bank-platform-required-tags"), "names the policy: {stderr}");
    let out = env.run(&["apply", "--stage", STAGE, "--auto-approve"]);
    assert_eq!(out.status.code(), Some(5), "apply refuses it too");

    let out = env.run(&["apply", "--stage", STAGE, "--auto-approve", "--allow-gate-violation"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(crate::harness::text(&out.stderr).contains("WARNING: --allow-gate-violation"));
    assert_eq!(failing(&verify_json(&env, 1)).len(), 1, "verify sees the broken gate");
}

/// The probe checks of a `verify --probe --json` report, by a part of their name.
fn probe<'a>(report: &'a Value, text: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["basis"] == "probe" && c["name"].as_str().unwrap().contains(text))
        .unwrap_or_else(|| panic!("no probe {text}"))
}

#[tokio::test]
async fn verify_probes_send_the_gate_requests_to_the_endpoint() {
    let env = Env::new().await.with_organization().await;
    env.apply();
    let probe_json = || -> Value {
        serde_json::from_str(&env.run_expect(&["verify", "--stage", STAGE, "--json", "--probe"], 0)).unwrap()
    };

    // Before any trail log exists there is nothing to try to delete: not run, never a pass, and
    // verify still exits 0 since nothing failed.
    let report = probe_json();
    let delete = probe(&report, "deleting a log version");
    assert_eq!((&delete["outcome"], &delete["failure"]), (&Value::from("not_run"), &Value::Null), "{delete}");
    assert!(delete["note"].as_str().unwrap().contains("holds no object version"), "{delete}");
    let row = report["requirements"].as_array().unwrap().iter().find(|r| r["id"] == "GOV-006").unwrap();
    assert_eq!((row["not_run"].as_u64(), row["fail"].as_u64()), (Some(1), Some(0)), "{row}");

    // A trail log to try to delete: written as CloudTrail would, encrypted with the trail's key.
    let operational = env.param("kms/operational/arn").await.unwrap();
    env.s3()
        .put_object()
        .bucket(format!("bank-cloudtrail-{STAGE}"))
        .key("AWSLogs/123456789012/CloudTrail/log.json.gz")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"log"))
        .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
        .ssekms_key_id(&operational)
        .send()
        .await
        .expect("the trail bucket takes an encrypted log over TLS");

    let report = probe_json();
    // Refusals count only as AWS's policy refusal, AccessDenied.
    for refused in ["unencrypted PutObject", "deleting a log version"] {
        let check = probe(&report, refused);
        assert_eq!(check["outcome"], "passed", "{check}");
        assert_eq!(check["note"], "refused with AccessDenied", "{check}");
    }
    assert_eq!(probe(&report, "with aws:kms and its key is accepted")["outcome"], "passed");
    // The emulator enforces the SCP on the stage's account, a member of the organization.
    let scp = probe(&report, "untagged CreateBucket");
    assert_eq!(scp["outcome"], "passed", "{scp}");
    assert_eq!(scp["note"], "refused with AccessDenied", "{scp}");

    let junit = std::env::temp_dir().join(format!("bankinfra-verify-probe-{}.xml", std::process::id()));
    let table = env.run_expect(&["verify", "--stage", STAGE, "--probe", "--junit", junit.to_str().unwrap()], 0);
    assert!(!table.contains("not run"), "{table}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("skipped=\"0\"") && !xml.contains("<skipped message="), "{xml}");
}
