//! Reliability under faults: with a tenth of all calls failing (HTTP 500 and 503, throttling,
//! connections dropped before the request reaches the service and after it took effect) and
//! added latency, a cold apply still converges, every resource exists exactly once, and the next
//! plan has nothing to do.

use bankinfra_testkit::{Fault, FaultProxy, Faults};

use crate::harness::{Env, OWNED_COUNTS, STAGE, text};

#[tokio::test]
async fn a_cold_apply_converges_while_ten_percent_of_calls_fail() {
    let env = Env::new().await.with_organization().await;
    let proxy =
        FaultProxy::start(&env.emulator, Faults { fail_rate: 0.10, faults: &Fault::ALL, latency_ms: 20, seed: 104 });
    let through_proxy = |args: &[&str]| env.command(args).env("AWS_ENDPOINT_URL", proxy.endpoint()).output().unwrap();

    let out = through_proxy(&["apply", "--stage", STAGE, "--auto-approve"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "apply converges despite faults:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    for fault in Fault::ALL {
        assert!(proxy.fault_count(fault) > 0, "{fault} was injected: {:?}", proxy.fault_counts());
    }
    let share = proxy.fault_counts().values().sum::<usize>() as f64 / proxy.requests().len() as f64;
    assert!((0.05..0.15).contains(&share), "about a tenth of {} calls failed: {share}", proxy.requests().len());

    let out = through_proxy(&["plan", "--stage", STAGE, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "no changes, even planned through the faults:\n{}", text(&out.stdout));
    env.assert_no_changes();
    assert_eq!(env.owned_counts().await, OWNED_COUNTS, "every resource exists exactly once");
}
