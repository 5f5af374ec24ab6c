//! The stack's data paths (`docs/data-paths.md`): `verify` evaluates every one over the live
//! documents, a statement broken out of band fails exactly the paths it carries, and `plan`
//! refuses a spec edit that would break one.

use serde_json::Value;

use crate::harness::{Env, STAGE, text};

fn verify_json(env: &Env, code: i32) -> Value {
    serde_json::from_str(&env.run_expect(&["verify", "--stage", STAGE, "--json"], code)).expect("verify --json")
}

/// The names of the data-path checks, and of those failing.
fn data_path_checks(report: &Value) -> (Vec<String>, Vec<String>) {
    let checks: Vec<&Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"].as_str().unwrap().starts_with("data path: "))
        .collect();
    let name = |c: &&Value| c["name"].as_str().unwrap().trim_start_matches("data path: ").to_string();
    (checks.iter().map(name).collect(), checks.iter().filter(|c| !c["failure"].is_null()).map(name).collect())
}

fn local_paths() -> Vec<String> {
    let specs = bankinfra_spec::load(&bankinfra_testkit::repo_root().join("specs"), STAGE).unwrap();
    bankinfra_verify::data_paths(&specs).into_iter().map(|p| p.name).collect()
}

#[tokio::test]
async fn verify_reports_every_data_path_and_fails_exactly_those_a_removed_key_statement_carried() {
    let env = Env::new().await.with_organization().await;
    env.apply();
    let (mut all, failing) = data_path_checks(&verify_json(&env, 0));
    let mut expected = local_paths();
    all.sort();
    expected.sort();
    assert_eq!(all, expected, "every path of docs/data-paths.md is reported");
    assert!(failing.is_empty(), "{failing:?}");

    // Out of band: the alerts key no longer lets CloudWatch alarms use it.
    let kms = env.kms();
    let key = env.param("kms/operational/arn").await.unwrap();
    let policy = kms.get_key_policy().key_id(&key).policy_name("default").send().await.unwrap();
    let mut policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    policy["Statement"].as_array_mut().unwrap().retain(|s| s["Sid"] != "AllowCloudWatchAlarmsToEncryptedTopics");
    kms.put_key_policy().key_id(&key).policy_name("default").policy(policy.to_string()).send().await.unwrap();
    let (_, failing) = data_path_checks(&verify_json(&env, 1));
    assert_eq!(
        failing,
        [
            "CloudWatch alarms publish to the encrypted alerts topic (kms:GenerateDataKey)",
            "CloudWatch alarms publish to the encrypted alerts topic (kms:Decrypt)"
        ]
    );
    env.apply();
    assert_eq!(verify_json(&env, 0)["passed"], true, "an apply repairs it");
}

#[tokio::test]
async fn plan_refuses_a_spec_edit_that_breaks_a_data_path_naming_the_path_and_the_policy() {
    let mut env = Env::new().await;
    let specs = crate::harness::copy_specs("data-path-break");
    let stack = specs.join("mod-104.toml");
    let original = std::fs::read_to_string(&stack).unwrap();
    let edited = original.replace(
        r#"service_principals = ["cloudtrail", "logs", "sns", "events", "cloudwatch"]"#,
        r#"service_principals = ["cloudtrail", "logs", "sns", "events"]"#,
    );
    assert_ne!(original, edited);
    std::fs::write(&stack, edited).unwrap();
    env.specs = specs;

    let out = env.run(&["plan", "--stage", STAGE]);
    assert_eq!(out.status.code(), Some(5), "plan refuses a broken data path");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("data path: CloudWatch alarms publish to the encrypted alerts topic"), "{stderr}");
    assert!(stderr.contains("key policy of alias/bank/operational"), "names the policy: {stderr}");
    assert!(!stderr.contains("data path: Firehose"), "only the broken paths: {stderr}");
}
