//! Issue 16, the read side: a plan in an account that is not empty (the emulator's AWS-like
//! mode, with its default 5,000 foreign log groups, 5,000 foreign parameters, 300 roles, 200 keys
//! and 200 buckets, and its per-service throttling) reads each of our resources once, none of the
//! foreign ones one by one, and stays within the services' request quotas. Latencies and windows
//! are scaled down so the test is quick; the throttle limits and foreign counts are the mode's.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::Client as Logs;
use bankinfra_testkit::{Emulator, LoggedRequest};

use crate::harness::{Env, STAGE, changes};

/// Requests per `service:Operation`.
fn by_operation(requests: &[LoggedRequest]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in requests {
        *counts.entry(format!("{}:{}", r.service.as_deref().unwrap_or("-"), r.operation)).or_insert(0) += 1;
    }
    counts
}

/// A log group with this stack's and stage's ownership tags for `address`.
async fn owned_group(logs: &Logs, name: &str, address: &str) {
    logs.create_log_group()
        .log_group_name(name)
        .tags("bankinfra:stack", "mod-104")
        .tags("bankinfra:stage", STAGE)
        .tags("bankinfra:address", address)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_plan_among_thousands_of_foreign_resources_reads_each_of_ours_once_within_the_quotas() {
    let dir = std::env::temp_dir().join(format!("bankinfra-aws-like-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let profile = dir.join("profile.json");
    std::fs::write(&profile, r#"{"latency": {"scale": 0.1}, "windows": {"scale": 0.1}}"#).unwrap();
    let emulator = Emulator::start_with_args(&["--aws-like", "7", "--aws-like-profile", profile.to_str().unwrap()]);
    let env = Env::with_emulator(emulator).await;
    let made = env.emulator.aws_like_state()["foreign"]["made"].clone();
    assert!(made["log_groups"].as_u64() >= Some(5000), "{made}");
    assert!(made["ssm_parameters"].as_u64() >= Some(5000), "{made}");

    // One of ours already exists, and one we own is no longer declared (an orphan, found by its
    // ownership tags and a name made from the stage's patterns).
    let logs = env.logs();
    owned_group(&logs, &format!("/aws/bank-platform/{STAGE}"), "log_group.bank-platform").await;
    let orphan = format!("/aws/bank-platform/{STAGE}-retired");
    owned_group(&logs, &orphan, "log_group.retired").await;

    let before = env.emulator.request_log().len();
    let started = Instant::now();
    let plan = env.plan_json(2);
    let took = started.elapsed();
    let log = env.emulator.request_log();
    let requests = &log[before..];
    let counts = by_operation(requests);
    let count = |operation: &str| counts.get(operation).copied().unwrap_or(0);

    let planned = changes(&plan);
    let action = |address: &str| planned.iter().find(|(a, _, _)| a == address).map(|(_, action, _)| action.clone());
    assert_eq!(action("log_group.retired").as_deref(), Some("delete"), "{planned:#?}");
    assert_ne!(action("log_group.bank-platform").as_deref(), Some("create"), "{planned:#?}");

    // Ours are read once each; none of the foreign groups, keys, buckets or parameters is asked
    // for its tags.
    assert_eq!(count("logs:ListTagsForResource"), 2, "{counts:#?}");
    assert_eq!(count("kms:ListResourceTags"), 0, "{counts:#?}");
    assert_eq!(count("s3:GetBucketTagging"), 0, "{counts:#?}");
    assert_eq!(count("ssm:ListTagsForResource"), 0, "{counts:#?}");
    // Listings are filtered by the service, not paged through the foreign resources: 5,000
    // groups or parameters would be 100 pages each.
    assert!(count("logs:DescribeLogGroups") <= 4, "{counts:#?}");
    assert!(count("ssm:DescribeParameters") <= 2, "{counts:#?}");
    assert!(requests.len() <= 80, "{} requests: {counts:#?}", requests.len());
    assert!(requests.iter().all(|r| !r.mutating), "a plan changes nothing: {counts:#?}");

    // Within the quotas: no throttling error was answered more than a few times, and the plan
    // did not wait out throttling.
    let throttled = env.emulator.aws_like_state()["throttled"].clone();
    let answered: u64 = throttled.as_object().unwrap().values().filter_map(|n| n.as_u64()).sum();
    assert!(answered <= 3, "throttling errors answered: {throttled}");
    assert!(took < Duration::from_secs(60), "the plan took {took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
