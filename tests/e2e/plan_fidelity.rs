//! Plans an operator can trust: a saved plan is applied exactly or refused, `--target` limits a
//! run to what it names, and replacing what holds data needs explicit consent.

use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};

use crate::harness::{Env, STAGE, changes, copy_specs, text};

const REFUSED: i32 = 5;
const BAD_INPUT: i32 = 3;

fn temp_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bankinfra-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("plan.json")
}

#[tokio::test]
async fn a_saved_plan_is_applied_exactly_and_refused_once_live_state_moved() {
    let env = Env::new().await;
    let file = temp_file("saved");
    let path = file.to_str().unwrap();

    // Cold: the saved plan creates everything, and applying the file needs no other approval.
    env.run_expect(&["plan", "--stage", STAGE, "--out", path], 0);
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(saved["saved_plan"]["format"], "bankinfra-saved-plan/1");
    assert_eq!(saved["summary"]["create"], crate::harness::TOTAL_RESOURCES);
    env.run_expect(&["apply", "--stage", STAGE, path], 0);
    env.assert_no_changes();

    // Drift, planned and saved; then more drift after the review: the file is stale.
    let s3 = env.s3();
    let suspend = |bucket: &'static str| {
        let s3 = s3.clone();
        async move {
            let suspended = VersioningConfiguration::builder().status(BucketVersioningStatus::Suspended).build();
            s3.put_bucket_versioning().bucket(bucket).versioning_configuration(suspended).send().await.unwrap();
        }
    };
    suspend("bank-iceberg-local").await;
    env.run_expect(&["plan", "--stage", STAGE, "--out", path], 0);
    suspend("bank-documents-local").await;
    let out = env.run(&["apply", "--stage", STAGE, path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(REFUSED), "{stderr}");
    assert!(stderr.contains("s3_bucket.documents changed in live"), "names what moved: {stderr}");
    assert!(!stderr.contains("s3_bucket.iceberg"), "only what moved since the plan: {stderr}");
    assert_eq!(changes(&env.plan_json(2)).len(), 2, "nothing was repaired by the refused apply");

    // A saved plan for another stage is refused before anything happens.
    let out = env.run(&["apply", "--stage", "dev", path]);
    assert_ne!(out.status.code(), Some(0));

    // A fresh plan, saved and applied, repairs both.
    env.run_expect(&["plan", "--stage", STAGE, "--out", path], 0);
    let applied = env.run_expect(&["apply", "--stage", STAGE, path], 0);
    assert!(applied.contains("0 created, 2 updated"), "{applied}");
    env.assert_no_changes();

    // A file that is not a saved plan is bad input.
    std::fs::write(&file, "{}").unwrap();
    let out = env.run(&["apply", "--stage", STAGE, path]);
    assert_eq!(out.status.code(), Some(BAD_INPUT), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}

#[tokio::test]
async fn a_target_limits_apply_to_it_and_its_dependencies_and_destroy_to_its_dependents() {
    let env = Env::new().await;
    let plan = env.run_expect(&["plan", "--stage", STAGE, "--target", "ssm_parameter.network/vpc-id", "--json"], 0);
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    let planned: Vec<String> = changes(&plan).into_iter().map(|(a, _, _)| a).collect();
    assert_eq!(planned, ["vpc.main", "ssm_parameter.network/vpc-id"], "the target and what it refers to");

    let applied =
        env.run_expect(&["apply", "--stage", STAGE, "--auto-approve", "--target", "ssm_parameter.network/vpc-id"], 0);
    assert!(applied.contains("Targeting ssm_parameter.network/vpc-id (and 1 resources they depend on)"), "{applied}");
    assert!(env.param("network/vpc-id").await.is_some());
    let buckets = env.s3().list_buckets().send().await.unwrap();
    assert!(buckets.buckets().is_empty(), "nothing outside the target was created");

    // Destroy the VPC: what refers to it goes too, first.
    let destroyed = env.run_expect(&["destroy", "--stage", STAGE, "--auto-approve", "--target", "vpc.main"], 0);
    assert!(destroyed.contains("2 destroyed"), "{destroyed}");
    assert!(env.param("network/vpc-id").await.is_none());

    let out = env.run(&["plan", "--stage", STAGE, "--target", "vpc.nope"]);
    assert_eq!(out.status.code(), Some(BAD_INPUT));
    assert!(text(&out.stderr).contains("--target vpc.nope: no such resource"), "{}", text(&out.stderr));
    let out = env.run(&["plan", "--stage", STAGE, "--target", "nonsense"]);
    assert_eq!(out.status.code(), Some(BAD_INPUT));
}

#[tokio::test]
async fn replacing_a_user_pool_needs_consent_and_moves_its_clients_and_outputs() {
    let mut env = Env::new().await;
    env.apply();
    let old_pool = env.param("cognito/staff/pool-id").await.unwrap();
    let specs = copy_specs("replace-pool");
    let stack = specs.join("mod-104.toml");
    let original = std::fs::read_to_string(&stack).unwrap();
    let edited = original.replace(r#"custom_attributes = ["staff_id"]"#, r#"custom_attributes = ["staff_id", "team"]"#);
    assert_ne!(original, edited);
    std::fs::write(&stack, edited).unwrap();
    env.specs = specs;

    let plan = env.run_expect(&["plan", "--stage", STAGE], 0);
    assert!(
        plan.contains("cognito_user_pool.staff must be replaced (custom_attributes forces replacement)"),
        "the plan names the attribute forcing the replacement: {plan}"
    );
    assert!(plan.contains("apply needs --allow-replace cognito_user_pool.staff"), "{plan}");

    let out = env.run(&["apply", "--stage", STAGE, "--auto-approve"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(REFUSED), "{stderr}");
    assert!(stderr.contains("refusing to replace what holds data: cognito_user_pool.staff"), "{stderr}");
    assert_eq!(env.param("cognito/staff/pool-id").await.unwrap(), old_pool, "nothing changed");

    env.run_expect(&["apply", "--stage", STAGE, "--auto-approve", "--allow-replace", "cognito_user_pool.staff"], 0);
    let new_pool = env.param("cognito/staff/pool-id").await.unwrap();
    assert_ne!(new_pool, old_pool, "the output moved to the new pool");
    let clients = env.cognito().list_user_pool_clients().user_pool_id(&new_pool).send().await.unwrap();
    assert_eq!(clients.user_pool_clients().len(), 2, "the clients moved with it");
    env.assert_no_changes();
    assert_eq!(env.owned_counts().await, crate::harness::OWNED_COUNTS, "no leftover pool or client");
}

#[tokio::test]
async fn a_resource_made_outside_the_stack_is_adopted_only_when_asked_and_another_stacks_is_refused() {
    let env = Env::new().await;
    // The old SST deployment made the documents bucket and the payments bus, without our tags.
    env.s3()
        .create_bucket()
        .bucket("bank-documents-local")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from("ap-southeast-2"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan = env.plan_json(2);
    let adopted: Vec<String> =
        changes(&plan).into_iter().filter(|(_, action, _)| action == "adopt").map(|(a, _, _)| a).collect();
    assert_eq!(adopted, ["s3_bucket.documents"], "shown as adopt, never silently taken over");

    let out = env.run(&["apply", "--stage", STAGE, "--auto-approve"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(REFUSED), "{stderr}");
    assert!(stderr.contains("s3_bucket.documents") && stderr.contains("--adopt"), "{stderr}");
    assert!(env.param("network/vpc-id").await.is_none(), "nothing was changed");

    env.run_expect(&["apply", "--stage", STAGE, "--auto-approve", "--adopt"], 0);
    env.assert_no_changes();
    let tags = env.s3().get_bucket_tagging().bucket("bank-documents-local").send().await.unwrap();
    assert!(tags.tag_set().iter().any(|t| t.key() == "bankinfra:address" && t.value() == "s3_bucket.documents"));

    // A name another stack owns is refused, not taken over.
    let events = env.events();
    let bus = "bank-payments";
    let arn = events.describe_event_bus().name(bus).send().await.unwrap().arn().unwrap().to_string();
    let foreign =
        aws_sdk_eventbridge::types::Tag::builder().key("bankinfra:stack").value("another-stack").build().unwrap();
    events.tag_resource().resource_arn(&arn).tags(foreign).send().await.unwrap();
    let out = env.run(&["plan", "--stage", STAGE]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(REFUSED), "{stderr}");
    assert!(stderr.contains("owned by stack `another-stack`"), "{stderr}");
}
