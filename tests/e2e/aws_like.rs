//! Issue 16: on the emulator's AWS-like mode (`emulator/aws_like/`: latency per operation, new
//! keys, VPCs, gateways, route tables and subnets invisible for a while after their create, new
//! roles invisible to policies and services, S3 `OperationAborted` for concurrent bucket
//! configuration, Firehose CREATING before ACTIVE, the SCP policy type PENDING_ENABLE, throttling
//! per service, IAM `ConcurrentModification`), a cold apply, a no-op plan, a drift repair and a
//! destroy converge for every seed, with no failed resource, no duplicate and no orphan; and a
//! cold apply through the fault proxy as well (the two compose).
//!
//! `BANKINFRA_AWS_LIKE_SEEDS` sets how many seeds run (10 by default).

use std::time::Instant;

use bankinfra_testkit::{Emulator, Fault, FaultProxy, Faults};
use serde_json::{Value, json};

use crate::harness::{Env, OWNED_COUNTS, STAGE, changes, text};

/// AWS's behaviours at their documented strength, latency scaled down so ten seeds fit in a test
/// run; no foreign resources (the read side is proved on its own, with thousands of them).
fn profile() -> Value {
    json!({
        "latency": {"scale": 0.1},
        "foreign": {"log_groups": 0, "ssm_parameters": 0, "iam_roles": 0, "kms_keys": 0, "s3_buckets": 0}
    })
}

fn seeds() -> u64 {
    std::env::var("BANKINFRA_AWS_LIKE_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10)
}

fn run(env: &Env, args: &[&str], endpoint: Option<&str>) -> (Option<i32>, String) {
    let mut command = env.command(args);
    if let Some(endpoint) = endpoint {
        command.env("AWS_ENDPOINT_URL", endpoint);
    }
    let out = command.output().unwrap();
    (out.status.code(), format!("{}\n{}", text(&out.stdout), text(&out.stderr)))
}

/// Cold apply, no-op plan, drift repair and destroy on one seed; what went wrong, if anything.
async fn lifecycle(seed: u64) -> Result<String, String> {
    let started = Instant::now();
    let env = Env::with_emulator(Emulator::start_aws_like(seed, Some(&profile()))).await;
    let step = |args: &[&str], want: i32, what: &str| -> Result<(), String> {
        let (code, output) = run(&env, args, None);
        if code == Some(want) { Ok(()) } else { Err(format!("seed {seed}: {what} exited {code:?}:\n{output}")) }
    };
    step(&["apply", "--stage", STAGE, "--auto-approve"], 0, "the cold apply")?;
    if env.owned_counts().await != OWNED_COUNTS {
        return Err(format!("seed {seed}: duplicates or gaps after the cold apply: {:?}", env.owned_counts().await));
    }
    step(&["plan", "--stage", STAGE, "--detailed-exitcode"], 0, "the no-op plan")?;
    // Drift: rotation turned off on a key, out of band.
    let kms = env.kms();
    let key = kms.describe_key().key_id("alias/bank/pii").send().await.map_err(|e| format!("{e:?}"))?;
    let id = key.key_metadata().unwrap().key_id().to_string();
    kms.disable_key_rotation().key_id(&id).send().await.map_err(|e| format!("{e:?}"))?;
    let planned = changes(&env.plan_json(2));
    if planned.len() != 1 || planned[0].0 != "kms_key.pii" {
        return Err(format!("seed {seed}: the drift plan is not exactly the key: {planned:?}"));
    }
    step(&["apply", "--stage", STAGE, "--auto-approve"], 0, "the drift repair")?;
    step(&["plan", "--stage", STAGE, "--detailed-exitcode"], 0, "the plan after the repair")?;
    step(&["destroy", "--stage", STAGE, "--auto-approve"], 0, "the destroy")?;
    if env.owned_counts().await != [0; 8] {
        return Err(format!("seed {seed}: orphans after the destroy: {:?}", env.owned_counts().await));
    }
    Ok(format!("seed {seed}: converged in {:.1?}", started.elapsed()))
}

#[test]
fn aws_like_every_seed_converges_apply_plan_drift_and_destroy() {
    // Each seed on its own emulator and thread: their time is mostly AWS-like waiting.
    let runs: Vec<_> = (1..=seeds())
        .map(|seed| {
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(lifecycle(seed))
            })
        })
        .collect();
    let mut failures = Vec::new();
    for run in runs {
        match run.join().expect("a seed's thread") {
            Ok(line) => println!("{line}"),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{} seed(s) failed:\n{}", failures.len(), failures.join("\n\n"));
}

#[tokio::test]
async fn aws_like_a_cold_apply_through_the_fault_proxy_converges() {
    let env = Env::with_emulator(Emulator::start_aws_like(104, Some(&profile()))).await;
    let proxy =
        FaultProxy::start(&env.emulator, Faults { fail_rate: 0.05, faults: &Fault::ALL, latency_ms: 5, seed: 16 });
    let (code, output) = run(&env, &["apply", "--stage", STAGE, "--auto-approve"], Some(&proxy.endpoint()));
    assert_eq!(code, Some(0), "the cold apply converges through both:\n{output}");
    assert!(proxy.fault_counts().values().sum::<usize>() > 0, "faults were injected");
    assert_eq!(env.owned_counts().await, OWNED_COUNTS, "every resource exists exactly once");
    let (code, output) = run(&env, &["plan", "--stage", STAGE, "--detailed-exitcode"], None);
    assert_eq!(code, Some(0), "nothing left to do:\n{output}");
}
