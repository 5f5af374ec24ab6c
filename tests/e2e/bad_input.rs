//! Bad input gets a clear message, a distinct exit code, and no AWS call.

use bankinfra_testkit::{Emulator, free_port};

use crate::harness::{Env, copy_specs, owned_filters, text};

/// Exit codes (README.md).
const BAD_INPUT: i32 = 3;
const UNREACHABLE: i32 = 4;
const REFUSED: i32 = 5;

/// Runs `plan` on `specs` against a closed port: any AWS call would fail as unreachable, so a
/// bad-input exit proves validation happened before any call.
fn plan_offline(specs: &std::path::Path, stage: &str) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bankinfra"))
        .args(["plan", "--stage", stage])
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", free_port()))
        .env("BANKINFRA_SPECS", specs)
        .env_remove("BANKINFRA_STAGE")
        .output()
        .unwrap();
    (out.status.code(), text(&out.stderr))
}

/// Replaces `from` with `to` in the stack spec and returns the 1-based line of the change.
fn edit_stack(specs: &std::path::Path, from: &str, to: &str) -> usize {
    let path = specs.join("mod-104.toml");
    let original = std::fs::read_to_string(&path).unwrap();
    let at = original.find(from).unwrap_or_else(|| panic!("`{from}` is in the spec"));
    std::fs::write(&path, original.replacen(from, to, 1)).unwrap();
    original[..at].matches('\n').count() + 1
}

#[test]
fn malformed_specs_are_rejected_with_file_line_and_column_before_any_aws_call() {
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
    for (name, from, to, message) in cases {
        let specs = copy_specs(name);
        let mut line = edit_stack(&specs, from, to);
        if name == "unknown-key" {
            line += 1;
        }
        let (code, stderr) = plan_offline(&specs, "local");
        assert_eq!(code, Some(BAD_INPUT), "{name}: {stderr}");
        assert!(stderr.contains(&format!("mod-104.toml:{line}:")), "{name}: error names line {line}: {stderr}");
        assert!(stderr.contains(message), "{name}: `{message}` in {stderr}");
        let _ = std::fs::remove_dir_all(specs);
    }
}

#[test]
fn unknown_stage_is_rejected_listing_the_known_ones() {
    let specs = bankinfra_testkit::repo_root().join("specs");
    let (code, stderr) = plan_offline(&specs, "qa");
    assert_eq!(code, Some(BAD_INPUT), "{stderr}");
    assert!(
        stderr.contains("unknown stage `qa`") && stderr.contains("known stages: dev, local, prod, uat"),
        "{stderr}"
    );
}

#[test]
fn unreachable_endpoint_is_reported_as_such() {
    let specs = bankinfra_testkit::repo_root().join("specs");
    let (code, stderr) = plan_offline(&specs, "local");
    assert_eq!(code, Some(UNREACHABLE), "{stderr}");
    assert!(stderr.contains("cannot reach AWS"), "{stderr}");
}

#[tokio::test]
async fn apply_without_a_terminal_needs_auto_approve_and_changes_nothing() {
    let env = Env::new().await;
    let out = env.run(&["apply", "--stage", "local"]);
    assert_eq!(out.status.code(), Some(REFUSED), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--auto-approve"));
    let vpcs = env.ec2().describe_vpcs().set_filters(Some(owned_filters())).send().await.unwrap();
    assert!(vpcs.vpcs().is_empty(), "nothing was created");
}

#[tokio::test]
async fn credentials_of_another_account_are_refused() {
    // The emulator's account is 123456789012; stage dev is 647751526084.
    let env = Env::new().await;
    let out = env
        .command(&["plan", "--stage", "dev"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(REFUSED), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("refusing to touch the wrong account"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn destroy_on_prod_needs_the_stage_name_confirmed() {
    let env = Env::with_emulator(Emulator::start_with_env(&[("MOTO_ACCOUNT_ID", "647751526086")])).await;
    let out = env
        .command(&["destroy", "--stage", "prod", "--auto-approve"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(REFUSED), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--confirm-stage prod"), "{}", text(&out.stderr));
}
