//! Bad input gets a clear message (what, where, how to fix), a distinct exit code, and makes no
//! mutating call: every case runs against an emulator that logs each request it receives.

use bankinfra_testkit::{Emulator, free_port};

use crate::harness::{Env, copy_specs, text};

/// Exit codes (README.md).
const BAD_INPUT: i32 = 3;
const UNREACHABLE: i32 = 4;
const REFUSED: i32 = 5;

/// The emulator's account (moto's default); stage dev is 647751526084, prod 647751526086.
const PROD_ACCOUNT: &str = "647751526086";

/// An environment whose emulator logs every request.
async fn logged(env: &[(&str, &str)]) -> Env {
    Env::with_emulator(Emulator::start_with_request_log(env)).await
}

/// Runs bankinfra with `args` and extra environment; returns (exit code, stderr).
fn run(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = env.command(args).envs(vars.iter().copied()).output().unwrap();
    (out.status.code(), text(&out.stderr))
}

/// Asserts the emulator received no request at all.
fn no_call(env: &Env, case: &str) {
    let log = env.emulator.request_log();
    assert!(log.is_empty(), "{case}: no AWS call, but the emulator received {log:?}");
}

/// Asserts the emulator received no request that changes anything.
fn no_mutating_call(env: &Env, case: &str) {
    let mutating = env.emulator.mutating_requests();
    assert!(mutating.is_empty(), "{case}: no mutating call, but the emulator received {mutating:?}");
}

/// Replaces `from` with `to` in the stack spec and returns the 1-based line of the change.
fn edit_stack(specs: &std::path::Path, from: &str, to: &str) -> usize {
    let path = specs.join("mod-104.toml");
    let original = std::fs::read_to_string(&path).unwrap();
    let at = original.find(from).unwrap_or_else(|| panic!("`{from}` is in the spec"));
    std::fs::write(&path, original.replacen(from, to, 1)).unwrap();
    original[..at].matches('\n').count() + 1
}

#[tokio::test]
async fn malformed_specs_are_rejected_with_file_line_and_column_before_any_aws_call() {
    let cases = [
        ("invalid-cidr", "cidr = \"10.40.32.0/19\"", "cidr = \"10.40.32.0/33\"", "prefix must be 0..=32"),
        ("outside-vpc", "cidr = \"10.40.32.0/19\"", "cidr = \"10.41.32.0/19\"", "outside the VPC CIDR"),
        (
            "unknown-key",
            "tier = \"private\"\ncidr = \"10.40.32.0/19\"",
            "tier = \"private\"\ncolour = \"red\"\ncidr = \"10.40.32.0/19\"",
            "unknown field `colour`",
        ),
        (
            "unknown-classification",
            "classification = \"pii\"\nlifecycle",
            "classification = \"secret\"\nlifecycle",
            "unknown variant `secret`",
        ),
        ("duplicate-name", "name = \"private-b\"", "name = \"private-a\"", "duplicate subnet name `private-a`"),
    ];
    let mut env = logged(&[]).await;
    for (name, from, to, message) in cases {
        let specs = copy_specs(name);
        let mut line = edit_stack(&specs, from, to);
        if name == "unknown-key" {
            line += 1;
        }
        env.specs = specs.clone();
        let commands: [&[&str]; 2] = [&["plan", "--stage", "local"], &["apply", "--stage", "local", "--auto-approve"]];
        for command in commands {
            let (code, stderr) = run(&env, command, &[]);
            assert_eq!(code, Some(BAD_INPUT), "{name} {command:?}: {stderr}");
            assert!(stderr.contains(&format!("mod-104.toml:{line}:")), "{name}: error names line {line}: {stderr}");
            assert!(stderr.contains(message), "{name}: `{message}` in {stderr}");
        }
        let _ = std::fs::remove_dir_all(specs);
    }
    no_call(&env, "malformed specs");
}

#[tokio::test]
async fn unknown_stage_is_rejected_listing_the_known_ones() {
    let env = logged(&[]).await;
    let (code, stderr) = run(&env, &["apply", "--stage", "qa", "--auto-approve"], &[]);
    assert_eq!(code, Some(BAD_INPUT), "{stderr}");
    assert!(
        stderr.contains("unknown stage `qa`") && stderr.contains("known stages: dev, local, prod, uat"),
        "{stderr}"
    );
    no_call(&env, "unknown stage");
}

#[tokio::test]
async fn unreachable_endpoint_is_reported_as_such() {
    let env = logged(&[]).await;
    let closed = format!("https://127.0.0.1:{}", free_port());
    let (code, stderr) = run(&env, &["apply", "--stage", "local", "--auto-approve"], &[("AWS_ENDPOINT_URL", &closed)]);
    assert_eq!(code, Some(UNREACHABLE), "{stderr}");
    assert!(stderr.contains("cannot reach AWS") && stderr.contains(&closed), "names the endpoint: {stderr}");
    no_call(&env, "unreachable endpoint");
}

#[tokio::test]
async fn missing_credentials_are_reported_with_how_to_provide_them() {
    let env = logged(&[]).await;
    // Stage dev has no emulator credentials: only the standard chain, here empty.
    let nowhere = std::env::temp_dir().join("bankinfra-no-aws-config");
    let nowhere = nowhere.to_str().unwrap();
    let vars =
        [("AWS_CONFIG_FILE", nowhere), ("AWS_SHARED_CREDENTIALS_FILE", nowhere), ("AWS_EC2_METADATA_DISABLED", "true")];
    let (code, stderr) = run(&env, &["apply", "--stage", "dev", "--auto-approve"], &vars);
    assert_eq!(code, Some(UNREACHABLE), "{stderr}");
    assert!(stderr.contains("set AWS_PROFILE"), "says how to fix it: {stderr}");
    no_mutating_call(&env, "missing credentials");
}

#[tokio::test]
async fn credentials_of_another_account_are_refused() {
    let env = logged(&[]).await;
    let vars = [("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")];
    let (code, stderr) = run(&env, &["apply", "--stage", "dev", "--auto-approve"], &vars);
    assert_eq!(code, Some(REFUSED), "{stderr}");
    assert!(stderr.contains("refusing to touch the wrong account"), "{stderr}");
    assert!(stderr.contains("647751526084"), "names the stage's account: {stderr}");
    no_mutating_call(&env, "wrong account");
}

#[tokio::test]
async fn a_region_other_than_the_stages_is_refused() {
    let env = logged(&[]).await;
    let (code, stderr) = run(&env, &["apply", "--stage", "local", "--auto-approve"], &[("AWS_REGION", "us-east-1")]);
    assert_eq!(code, Some(REFUSED), "{stderr}");
    assert!(
        stderr.contains("deploys to region ap-southeast-2") && stderr.contains("AWS_REGION says us-east-1"),
        "{stderr}"
    );
    assert!(stderr.contains("local.toml"), "names where the stage's region is set: {stderr}");
    no_call(&env, "region mismatch");
    // The same region as the stage's is fine.
    let (code, stderr) = run(&env, &["plan", "--stage", "local"], &[("AWS_DEFAULT_REGION", "ap-southeast-2")]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[tokio::test]
async fn apply_without_a_terminal_needs_auto_approve_and_changes_nothing() {
    let env = logged(&[]).await;
    for command in ["apply", "destroy"] {
        let (code, stderr) = run(&env, &[command, "--stage", "local"], &[]);
        assert_eq!(code, Some(REFUSED), "{command}: {stderr}");
        assert!(stderr.contains("--auto-approve"), "{stderr}");
    }
    no_call(&env, "no terminal, no --auto-approve");
}

#[tokio::test]
async fn destroy_on_prod_needs_the_stage_name_confirmed() {
    let env = logged(&[("MOTO_ACCOUNT_ID", PROD_ACCOUNT)]).await;
    let vars = [("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")];
    let (code, stderr) = run(&env, &["destroy", "--stage", "prod", "--auto-approve"], &vars);
    assert_eq!(code, Some(REFUSED), "{stderr}");
    assert!(stderr.contains("--confirm-stage prod"), "{stderr}");
    let (code, stderr) = run(&env, &["destroy", "--stage", "prod", "--auto-approve", "--confirm-stage", "uat"], &vars);
    assert_eq!(code, Some(REFUSED), "a wrong name is no confirmation: {stderr}");
    no_mutating_call(&env, "destroy on prod without confirmation");
}
