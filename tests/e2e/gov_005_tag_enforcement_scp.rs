//! GOV-005 (GATE), deployment part: the tag-enforcement SCP, created through the organization's
//! management account (BANK_ORG_PROFILE), attached to the root; skipped with a notice when no
//! such profile is configured. (Whether the SCP denies is evaluated by `verify`, issue 4: the
//! emulator stores SCPs but never enforces them.)

use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};
use serde_json::Value;

use crate::harness::{Env, ORG_ACCOUNT, STAGE, changes, expect_changes, text};

const SCP: &str = "bank-platform-required-tags";

/// (policy id, content) of the SCP, if it exists.
async fn scp(org: &aws_sdk_organizations::Client) -> Option<(String, Value)> {
    let listed = org.list_policies().filter(PolicyType::ServiceControlPolicy).send().await.unwrap();
    let id = listed.policies().iter().find(|p| p.name() == Some(SCP))?.id()?.to_string();
    let described = org.describe_policy().policy_id(&id).send().await.unwrap();
    let content = serde_json::from_str(described.policy()?.content()?).unwrap();
    Some((id, content))
}

#[tokio::test]
async fn gov_005_tag_enforcement_scp_is_attached_to_the_root_through_the_management_account() {
    let env = Env::new().await.with_organization().await;
    env.apply();
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
    let (id, content) = scp(&org).await.expect("the SCP exists");
    let targets = org.list_targets_for_policy().policy_id(&id).send().await.unwrap();
    assert!(targets.targets().iter().any(|t| t.target_id() == root.id()), "attached to the root");

    let statements = content["Statement"].as_array().unwrap();
    for tag in ["tenant_id", "module_id", "environment"] {
        let statement = statements
            .iter()
            .find(|s| s["Condition"]["Null"][format!("aws:RequestTag/{tag}")] == "true")
            .unwrap_or_else(|| panic!("a statement denies creates without {tag}: {content:#}"));
        assert_eq!(statement["Effect"], "Deny");
        let actions: Vec<&str> = statement["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        for service in ["s3", "ec2", "kms", "events", "iam", "lambda", "cloudtrail"] {
            assert!(actions.contains(&format!("{service}:Create*").as_str()), "{tag}: {service}:Create* denied");
        }
    }
    env.assert_no_changes();

    // Drift in the management account is seen and repaired like any other.
    org.detach_policy().policy_id(&id).target_id(root.id().unwrap()).send().await.unwrap();
    let mut found = changes(&env.plan_json(2));
    found.sort();
    assert_eq!(found, expect_changes(&[("service_control_policy.required-tags", "update", &["attach_to_root"])]));
    env.apply();
    env.assert_no_changes();

    // Destroy detaches and deletes it.
    env.run_expect(&["destroy", "--stage", STAGE, "--auto-approve"], 0);
    assert!(scp(&org).await.is_none(), "the SCP is gone");
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
