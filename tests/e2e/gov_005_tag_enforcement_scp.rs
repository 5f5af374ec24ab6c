//! GOV-005 (GATE): the tag-enforcement SCPs, derived from AWS's authorization data, created
//! through the organization's management account (BANK_ORG_PROFILE) and attached to the root —
//! and enforced by the emulator on the stage account, a member of the organization. They belong
//! to the organization: every stage converges on them, `destroy` keeps them, `destroy-scp`
//! removes them. A spec edit that would make them deny one of bankinfra's own calls is refused
//! before any call.

use std::collections::BTreeSet;

use aws_sdk_organizations::error::ProvideErrorMetadata;
use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};
use serde_json::Value;

use crate::harness::{
    Env, ORG_ACCOUNT, STAGE, calls_the_lockout_gate_does_not_know, changes, copy_specs, expect_changes, text,
};

const SCP: &str = "bank-platform-required-tags";
const TAGS: [&str; 3] = ["tenant_id", "module_id", "environment"];

/// The stack's SCPs: (id, name, content), by name.
async fn scps(org: &aws_sdk_organizations::Client) -> Vec<(String, String, Value)> {
    let listed = org.list_policies().filter(PolicyType::ServiceControlPolicy).send().await.unwrap();
    let mut out = Vec::new();
    for p in listed.policies().iter().filter(|p| p.name().is_some_and(|n| n.starts_with(SCP))) {
        let id = p.id().unwrap().to_string();
        let described = org.describe_policy().policy_id(&id).send().await.unwrap();
        let content = described.policy().unwrap().content().unwrap();
        assert!(content.chars().count() <= 5120, "{} is {} characters", p.name().unwrap(), content.len());
        out.push((id, p.name().unwrap().to_string(), serde_json::from_str(content).unwrap()));
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// How many times each of the stack's SCPs is attached to the root.
async fn root_attachments(org: &aws_sdk_organizations::Client) -> Vec<usize> {
    let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_string();
    let mut counts = Vec::new();
    for (id, _, _) in scps(org).await {
        let targets = org.list_targets_for_policy().policy_id(&id).send().await.unwrap();
        counts.push(targets.targets().iter().filter(|t| t.target_id() == Some(root.as_str())).count());
    }
    counts
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
        Value::String(one) => vec![one.clone()],
        other => panic!("not a string list: {other}"),
    }
}

#[tokio::test]
async fn gov_005_scps_from_aws_authorization_data_are_attached_to_the_root_and_kept_by_destroy() {
    let env = Env::new().await.with_organization().await;
    let applied = env.apply();
    let org = env.organizations().await;
    let organization = org.describe_organization().send().await.unwrap();
    assert_eq!(organization.organization().and_then(|o| o.master_account_id()), Some(ORG_ACCOUNT));
    let roots = org.list_roots().send().await.unwrap();
    let root = &roots.roots()[0];
    assert!(
        root.policy_types()
            .iter()
            .any(|t| t.r#type() == Some(&PolicyType::ServiceControlPolicy)
                && t.status() == Some(&PolicyTypeStatus::Enabled)),
        "SCPs are enabled on the root"
    );
    let documents = scps(&org).await;
    assert!((1..=4).contains(&documents.len()), "{} documents fit next to FullAWSAccess", documents.len());
    assert_eq!(documents[0].1, SCP, "the first keeps the design's name");
    assert_eq!(root_attachments(&org).await, vec![1; documents.len()], "each attached to the root once");
    for (_, name, _) in &documents {
        assert!(applied.contains(&format!("SCP {name}: ")), "apply reports {name}'s size:\n{applied}");
    }

    // Exactly the tagged creates of AWS's data, once per tag, none on a wildcard action.
    let data: Value = serde_json::from_str(include_str!("../../crates/policy/data/required-tag-actions.json")).unwrap();
    let expected: BTreeSet<String> =
        data["actions"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap().to_string()).collect();
    let statements: Vec<&Value> = documents.iter().flat_map(|(_, _, d)| d["Statement"].as_array().unwrap()).collect();
    for tag in TAGS {
        let mut denied = Vec::new();
        for s in statements.iter().filter(|s| s["Condition"]["Null"].get(format!("aws:RequestTag/{tag}")).is_some()) {
            assert_eq!(s["Effect"], "Deny");
            denied.extend(strings(&s["Action"]));
        }
        let unique: BTreeSet<String> = denied.iter().cloned().collect();
        assert_eq!(unique.len(), denied.len(), "{tag}: each action once");
        assert_eq!(unique, expected, "{tag}: exactly the create actions that take request tags");
    }
    let subnet = statements.iter().find(|s| strings(&s["Action"]).contains(&"ec2:CreateSubnet".into())).unwrap();
    assert!(!strings(&subnet["Resource"]).iter().any(|r| r.contains(":vpc/") || r == "*"), "{subnet}");

    // The organization's, not the stage's.
    let tags = org.list_tags_for_resource().resource_id(&documents[0].0).send().await.unwrap();
    let tags: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert!(tags.contains(&("bankinfra:scope", "organization")), "{tags:?}");
    assert!(!tags.iter().any(|(k, _)| *k == "bankinfra:stage" || *k == "environment"), "{tags:?}");
    env.assert_no_changes();

    // Drift in the management account is seen and repaired like any other.
    org.detach_policy().policy_id(&documents[0].0).target_id(root.id().unwrap()).send().await.unwrap();
    let mut found = changes(&env.plan_json(2));
    found.sort();
    assert_eq!(found, expect_changes(&[("service_control_policy.required-tags", "update", &["attach_to_root"])]));
    env.apply();
    env.assert_no_changes();

    // Destroy keeps them, and says so; destroy-scp removes them, after asking.
    let destroyed = env.run_expect(&["destroy", "--stage", STAGE, "--auto-approve"], 0);
    assert!(destroyed.contains("Kept: service_control_policy.required-tags ("), "{destroyed}");
    assert_eq!(scps(&org).await.len(), documents.len(), "destroy leaves the SCPs");
    assert_eq!(root_attachments(&org).await, vec![1; documents.len()], "still attached");
    let refused = env.run(&["destroy-scp", "--stage", STAGE]);
    assert_eq!(refused.status.code(), Some(5), "no terminal, no --auto-approve: {}", text(&refused.stderr));
    assert_eq!(scps(&org).await.len(), documents.len());
    env.run_expect(&["destroy-scp", "--stage", STAGE, "--auto-approve"], 0);
    assert!(scps(&org).await.is_empty(), "destroy-scp removes them");
}

#[tokio::test]
async fn gov_005_under_the_enforced_scp_untagged_creates_of_another_principal_are_refused_and_tagged_ones_allowed() {
    let env =
        Env::with_emulator(bankinfra_testkit::Emulator::start_with_request_log(&[])).await.with_organization().await;
    env.apply();
    let applied = env.emulator.request_log().len();
    let (s3, kms) = env.other_principal_clients().await;
    let tags = [("tenant_id", "totara-bank"), ("module_id", "MOD-104"), ("environment", "local")];

    let untagged = s3.create_bucket().bucket("bank-untagged-probe").send().await;
    let error = untagged.expect_err("an untagged CreateBucket is refused");
    assert_eq!(error.code(), Some("AccessDenied"), "{error:?}");
    let mut configuration = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from("ap-southeast-2"));
    for (k, v) in tags {
        configuration = configuration.tags(aws_sdk_s3::types::Tag::builder().key(k).value(v).build().unwrap());
    }
    s3.create_bucket()
        .bucket("bank-tagged-probe")
        .create_bucket_configuration(configuration.build())
        .send()
        .await
        .expect("a CreateBucket with the three tags is allowed");

    let error = kms.create_key().send().await.expect_err("an untagged CreateKey is refused");
    assert_eq!(error.code(), Some("AccessDeniedException"), "{error:?}");
    let mut create = kms.create_key();
    for (k, v) in tags {
        create = create.tags(aws_sdk_kms::types::Tag::builder().tag_key(k).tag_value(v).build().unwrap());
    }
    create.send().await.expect("a CreateKey with the three tags is allowed");

    // bankinfra's own calls pass: a destroy and a re-apply under the SCP.
    let before = env.emulator.request_log().len();
    env.run_expect(&["destroy", "--stage", STAGE, "--auto-approve"], 0);
    env.apply();
    env.assert_no_changes();
    // And the lockout gate knows every call they made.
    let log = env.emulator.request_log();
    let ours: Vec<_> = log[..applied].iter().chain(&log[before..]).cloned().collect();
    let unknown = calls_the_lockout_gate_does_not_know(&ours);
    assert!(unknown.is_empty(), "calls missing from crates/verify/src/lockout/calls.rs: {unknown:?}");
}

#[tokio::test]
async fn gov_005_a_spec_edit_that_would_deny_bankinfras_own_calls_is_refused_before_any_call() {
    let mut env =
        Env::with_emulator(bankinfra_testkit::Emulator::start_with_request_log(&[])).await.with_organization().await;
    env.specs = copy_specs("scp-lockout");
    let stack = env.specs.join("mod-104.toml");
    let toml = std::fs::read_to_string(&stack).unwrap();
    let edited = toml.replace(
        "required_tags = [\"tenant_id\", \"module_id\", \"environment\"]",
        "required_tags = [\"tenant_id\", \"module_id\", \"environment\"]\nalso_deny = [\"kms:CreateAlias\"]",
    );
    assert_ne!(edited, toml);
    std::fs::write(&stack, edited).unwrap();
    let before = env.emulator.mutating_requests().len();
    let out = env.run(&["plan", "--stage", STAGE]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "refused: {stderr}");
    assert!(stderr.contains("kms:CreateAlias on arn:aws:kms:ap-southeast-2:123456789012:alias/"), "{stderr}");
    assert!(stderr.contains("bank-platform-required-tags") && stderr.contains("statement"), "{stderr}");
    let out = env.run(&["apply", "--stage", STAGE, "--auto-approve"]);
    assert_eq!(out.status.code(), Some(5), "apply is refused too: {}", text(&out.stderr));
    let after: Vec<_> = env.emulator.mutating_requests().into_iter().skip(before).collect();
    assert!(
        after.iter().all(|r| r.service.as_deref() == Some("sts") || r.service.as_deref() == Some("ssm")),
        "nothing but the stage lock was written: {after:?}"
    );
}

#[tokio::test]
async fn gov_005_two_stages_converge_on_one_scp_and_destroying_one_keeps_it() {
    let mut env = Env::new().await.with_organization().await;
    env.specs = copy_specs("scp-two-stages");
    // Stage `second` lives in an account of its own, as each stage of the bank does.
    let account = env.member_account_profile("second").await;
    let local = std::fs::read_to_string(env.specs.join("stages/local.toml")).unwrap();
    let second = local
        .replace("name = \"local\"", "name = \"second\"")
        .replace("account_id = \"123456789012\"", &format!("account_id = \"{account}\""));
    std::fs::write(env.specs.join("stages/second.toml"), second).unwrap();
    let in_second = |args: &[&str], code: i32| {
        let out = env.command(args).env("AWS_PROFILE", "second").output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}\n{}\n{}", text(&out.stdout), text(&out.stderr));
        text(&out.stdout)
    };
    env.apply();
    in_second(&["apply", "--stage", "second", "--auto-approve"], 0);
    let org = env.organizations().await;
    let documents = scps(&org).await;
    let names: BTreeSet<&str> = documents.iter().map(|(_, n, _)| n.as_str()).collect();
    assert_eq!(names.len(), documents.len(), "one of each: {names:?}");
    assert_eq!(root_attachments(&org).await, vec![1; documents.len()], "attached once");
    // Neither stage undoes the other's apply.
    env.assert_no_changes();
    in_second(&["plan", "--stage", "second", "--detailed-exitcode"], 0);
    // Destroying one stage leaves them in force for the other.
    let destroyed = in_second(&["destroy", "--stage", "second", "--auto-approve"], 0);
    assert!(destroyed.contains("Kept: service_control_policy.required-tags"), "{destroyed}");
    assert_eq!(scps(&org).await.len(), documents.len());
    assert_eq!(root_attachments(&org).await, vec![1; documents.len()]);
    env.assert_no_changes();
}

#[tokio::test]
async fn gov_005_without_an_organization_profile_the_scp_is_skipped_with_a_notice() {
    let env = Env::new().await;
    let out = env.run(&["apply", "--stage", STAGE, "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("BANK_ORG_PROFILE is not set"), "{stderr}");
    assert!(!text(&out.stdout).contains("service_control_policy"), "nothing organization-level is planned");
    env.assert_no_changes();
}
