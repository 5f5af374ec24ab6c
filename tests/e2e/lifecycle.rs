//! Crash recovery and destroy.

use std::time::Duration;

use aws_sdk_kms::types::KeyState;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

use crate::harness::{Env, OWNED_COUNTS, STAGE, TOTAL_RESOURCES, changes};

#[tokio::test]
async fn killed_apply_converges_without_duplicates() {
    let env = Env::new().await;
    // Kill the apply at twelve different points of its run (a whole cold apply takes 1.5–3 s
    // here, so these fall from before the lock is taken to the last SSM outputs; each kill
    // also lands at a random moment within its window); every re-run picks up where the last one
    // stopped, finding what it created by name or by ownership tags.
    let jitter = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() % 50;
    for window_ms in [100, 200, 300, 400, 500, 600, 700, 850, 1000, 1200, 1500, 2000] {
        let delay_ms = u64::from(window_ms + jitter());
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
    assert_eq!(env.owned_counts().await, OWNED_COUNTS, "exactly one of each resource");
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
    assert_eq!(env.owned_counts().await, [0; 8], "nothing owned is left");
    assert!(env.param("network/vpc-id").await.is_none());

    let again = env.run_expect(&["destroy", "--stage", STAGE, "--auto-approve"], 0);
    assert!(again.contains("Nothing to destroy"), "{again}");

    let plan = env.plan_json(2);
    let planned = changes(&plan);
    assert_eq!(planned.len(), TOTAL_RESOURCES);
    assert!(planned.iter().all(|(_, action, _)| action == "create"), "{plan:#}");

    // And the stage can be built again while the keys are still pending deletion: each is
    // restored, not made a second time, so what it encrypted stays readable.
    let keys_before: Vec<String> = all_key_ids(&env).await;
    env.apply();
    env.assert_no_changes();
    assert_eq!(all_key_ids(&env).await, keys_before, "no new key");
    assert_eq!(env.owned_counts().await, OWNED_COUNTS);
    let pii = env.kms().describe_key().key_id("alias/bank/pii").send().await.unwrap();
    assert_eq!(pii.key_metadata().unwrap().key_state(), Some(&KeyState::Enabled));
}

/// Every key in the account, whatever its state, sorted.
async fn all_key_ids(env: &Env) -> Vec<String> {
    let listed = env.kms().list_keys().send().await.unwrap();
    let mut ids: Vec<String> = listed.keys().iter().filter_map(|k| k.key_id().map(str::to_string)).collect();
    ids.sort();
    ids
}
