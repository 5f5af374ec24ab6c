//! The stage lock: one apply or destroy at a time per stage, released afterwards, reported with
//! its holder, taken over when stale, removable with `unlock`; `plan` takes none.

use std::process::Stdio;

use crate::harness::{Env, STAGE, text};

const LOCK: &str = "/bank/local/bankinfra/lock";

/// Puts a lock record as another run would have.
async fn hold(env: &Env, record: &str) {
    env.ssm()
        .put_parameter()
        .name(LOCK)
        .value(record)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn two_applies_at_once_one_runs_the_other_is_refused_naming_the_holder() {
    let env = Env::new().await;
    let spawn = || {
        env.command(&["apply", "--stage", STAGE, "--auto-approve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(6)], "one applies, one is refused:\n{}\n{}", text(&a.stderr), text(&b.stderr));
    let refused = if a.status.code() == Some(6) { &a } else { &b };
    let message = text(&refused.stderr);
    assert!(message.contains("is locked by") && message.contains("`apply`") && message.contains("pid"), "{message}");
    assert!(env.ssm().get_parameter().name(LOCK).send().await.is_err(), "the lock is released afterwards");
    env.assert_no_changes();
}

#[tokio::test]
async fn a_held_lock_refuses_apply_and_destroy_but_not_plan_and_unlock_removes_it() {
    let env = Env::new().await;
    let holder = r#"{"holder":"ops@elsewhere","host":"elsewhere","pid":1,"command":"apply","started_at":4102444700,"expires_at":4102444800}"#;
    hold(&env, holder).await;
    for command in ["apply", "destroy"] {
        let out = env.run(&[command, "--stage", STAGE, "--auto-approve"]);
        assert_eq!(out.status.code(), Some(6), "{command} is refused");
        assert!(text(&out.stderr).contains("ops@elsewhere"), "{}", text(&out.stderr));
    }
    env.plan_json(2);
    let out = env.run(&["unlock", "--stage", STAGE]);
    assert_eq!(out.status.code(), Some(5), "unlock asks first; without a terminal it needs --auto-approve");
    let shown = env.run_expect(&["unlock", "--stage", STAGE, "--auto-approve"], 0);
    assert!(shown.contains("ops@elsewhere") && shown.contains("Lock removed"), "{shown}");
    env.apply();
}

#[tokio::test]
async fn an_expired_lock_is_taken_over_with_a_notice() {
    let env = Env::new().await;
    let expired = r#"{"holder":"ops@elsewhere","host":"elsewhere","pid":1,"command":"apply","started_at":1000,"expires_at":2000}"#;
    hold(&env, expired).await;
    let out = env.run(&["apply", "--stage", STAGE, "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("taking over a stale lock"), "{}", text(&out.stderr));
    assert!(env.ssm().get_parameter().name(LOCK).send().await.is_err(), "released afterwards");
}
