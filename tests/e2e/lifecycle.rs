//! Crash recovery and destroy.

use std::time::Duration;

use aws_sdk_kms::types::KeyState;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

use crate::harness::{Env, STAGE, TOTAL_RESOURCES, changes, owned_filters};

/// Counts the ID-addressed resources the stack owns (names cannot be duplicated; these could):
/// VPCs, subnets, route tables, internet gateways, endpoints, live keys, user pools.
async fn owned_counts(env: &Env) -> [usize; 7] {
    let ec2 = env.ec2();
    let f = || Some(owned_filters());
    let vpcs = ec2.describe_vpcs().set_filters(f()).send().await.unwrap().vpcs().len();
    let subnets = ec2.describe_subnets().set_filters(f()).send().await.unwrap().subnets().len();
    let tables = ec2.describe_route_tables().set_filters(f()).send().await.unwrap().route_tables().len();
    let igws = ec2.describe_internet_gateways().set_filters(f()).send().await.unwrap().internet_gateways().len();
    let endpoints = ec2.describe_vpc_endpoints().set_filters(f()).send().await.unwrap();
    // Deleted endpoints stay visible for a while in state `deleted`, as on AWS.
    let endpoints = endpoints
        .vpc_endpoints()
        .iter()
        .filter(|e| e.state().is_none_or(|s| !s.as_str().eq_ignore_ascii_case("deleted")))
        .count();
    let kms = env.kms();
    let mut keys = 0;
    for key in kms.list_keys().send().await.unwrap().keys() {
        let id = key.key_id().unwrap();
        let tags = kms.list_resource_tags().key_id(id).send().await.unwrap();
        let ours = tags.tags().iter().any(|t| t.tag_key() == "bankinfra:stage" && t.tag_value() == STAGE);
        let state = kms.describe_key().key_id(id).send().await.unwrap().key_metadata().unwrap().key_state().cloned();
        if ours && state != Some(KeyState::PendingDeletion) {
            keys += 1;
        }
    }
    let cognito = env.cognito();
    let mut pools = 0;
    for pool in cognito.list_user_pools().max_results(60).send().await.unwrap().user_pools() {
        let described = cognito.describe_user_pool().user_pool_id(pool.id().unwrap()).send().await.unwrap();
        let tags = described.user_pool().and_then(|p| p.user_pool_tags()).cloned().unwrap_or_default();
        if tags.get("bankinfra:stage").map(String::as_str) == Some(STAGE) {
            pools += 1;
        }
    }
    [vpcs, subnets, tables, igws, endpoints, keys, pools]
}

#[tokio::test]
async fn killed_apply_converges_without_duplicates() {
    let env = Env::new().await;
    // Kill the apply at twelve different points of its run; every re-run picks up where the
    // last one stopped, finding what it created by name or by ownership tags.
    for delay_ms in [60, 150, 300, 450, 600, 800, 1000, 1300, 1600, 2000, 2500, 3000] {
        let mut child = env.spawn(&["apply", "--stage", STAGE, "--auto-approve"]);
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // A request already sent still completes server-side after the client dies (as on AWS);
        // give it time to land (generously: this machine may be busy), as an operator's re-run
        // would, so the re-run can see it.
        std::thread::sleep(Duration::from_millis(1000));
    }
    env.apply();
    env.assert_no_changes();
    assert_eq!(owned_counts(&env).await, [1, 6, 4, 1, 2, 3, 2], "exactly one of each resource");
}

#[tokio::test]
async fn destroy_removes_everything_including_locked_versioned_buckets() {
    let env = Env::new().await;
    env.apply();
    let s3 = env.s3();
    // Put locked object versions into the trail bucket. The emulator ignores the policy's
    // conditions and would refuse every PutObject, so lift the policy for the setup.
    s3.delete_bucket_policy().bucket("bank-cloudtrail-local").send().await.unwrap();
    for i in 0..3 {
        s3.put_object()
            .bucket("bank-cloudtrail-local")
            .key("AWSLogs/123456789012/log.json.gz")
            .body(ByteStream::from(format!("entry {i}").into_bytes()))
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .send()
            .await
            .unwrap();
    }
    let versions = s3.list_object_versions().bucket("bank-cloudtrail-local").send().await.unwrap();
    assert_eq!(versions.versions().len(), 3);
    let locked = s3
        .delete_object()
        .bucket("bank-cloudtrail-local")
        .key("AWSLogs/123456789012/log.json.gz")
        .version_id(versions.versions()[0].version_id().unwrap())
        .send()
        .await;
    assert!(locked.is_err(), "GOVERNANCE retention protects object versions");

    let out = env.run_expect(&["destroy", "--stage", STAGE, "--auto-approve"], 0);
    assert!(out.contains(&format!("{TOTAL_RESOURCES} destroyed")), "{out}");
    let buckets = s3.list_buckets().send().await.unwrap();
    assert!(buckets.buckets().iter().all(|b| !b.name().unwrap_or_default().ends_with("-local")), "no bucket is left");
    assert_eq!(owned_counts(&env).await, [0; 7], "nothing owned is left");
    assert!(env.param("network/vpc-id").await.is_none());

    let again = env.run_expect(&["destroy", "--stage", STAGE, "--auto-approve"], 0);
    assert!(again.contains("Nothing to destroy"), "{again}");

    let plan = env.plan_json(2);
    let planned = changes(&plan);
    assert_eq!(planned.len(), TOTAL_RESOURCES);
    assert!(planned.iter().all(|(_, action, _)| action == "create"), "{plan:#}");

    // And the stage can be built again (aliases were freed, keys are new).
    env.apply();
    env.assert_no_changes();
}
