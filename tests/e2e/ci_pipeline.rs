//! The documented CI pipeline (docs/ci/github-actions.yml), run against stage local: the
//! organization's profile written by the workflow's own step, plan saved to a file with
//! `--detailed-exitcode`, apply of exactly that file, verify with a JUnit report — GOV-005
//! included, read through that profile.

use std::path::Path;
use std::process::Command;

use crate::harness::{Env, ORG_ROLE, STAGE, text};

fn workflow() -> String {
    std::fs::read_to_string(bankinfra_testkit::repo_root().join("docs/ci/github-actions.yml")).unwrap()
}

/// The workflow-level `env:` entries (`KEY: value`, comments dropped).
fn workflow_env(yml: &str) -> Vec<(String, String)> {
    yml.lines()
        .skip_while(|l| *l != "env:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split('#').next()?.trim().split_once(": "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The `run: |` script of the first step named `name`, dedented.
fn step_script(yml: &str, name: &str) -> String {
    let lines: Vec<&str> = yml.lines().collect();
    let step = lines.iter().position(|l| l.trim() == format!("- name: {name}")).expect("the step");
    let run = step + lines[step..].iter().position(|l| l.trim() == "run: |").expect("its run: | script");
    let body: Vec<&str> = lines[run + 1..]
        .iter()
        .take_while(|l| {
            l.trim().is_empty() || l.len() - l.trim_start().len() > lines[run].len() - lines[run].trim_start().len()
        })
        .copied()
        .collect();
    let indent = body[0].len() - body[0].trim_start().len();
    body.iter().map(|l| l.get(indent..).unwrap_or("")).collect::<Vec<_>>().join("\n") + "\n"
}

/// Runs the workflow's profile step as GitHub Actions would (`$RUNNER_TEMP`, `$GITHUB_ENV`, the
/// workflow's env, the management account's role as `vars.BANK_ORG_ROLE_ARN`) and returns the
/// environment it exports to the later steps.
fn organization_profile(yml: &str, dir: &Path) -> Vec<(String, String)> {
    let github_env = dir.join("github_env");
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &step_script(yml, "Profile for the organization's management account")])
        .envs(workflow_env(yml))
        .env("RUNNER_TEMP", dir)
        .env("GITHUB_ENV", &github_env)
        .env("BANK_ORG_ROLE_ARN", ORG_ROLE)
        .output()
        .unwrap();
    assert!(out.status.success(), "the profile step: {}", text(&out.stderr));
    let exported = std::fs::read_to_string(github_env).unwrap();
    exported.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The bankinfra commands of the workflow, in order, with `$STAGE` as written.
fn workflow_commands() -> Vec<Vec<String>> {
    workflow()
        .lines()
        .filter_map(|line| line.split_once("target/release/bankinfra ").map(|(_, rest)| rest))
        .map(|rest| {
            let command = rest.split('>').next().unwrap_or(rest);
            command.split_whitespace().map(|w| w.trim_matches('"').to_string()).collect()
        })
        .collect()
}

#[tokio::test]
async fn the_documented_pipeline_plans_applies_the_saved_plan_and_verifies() {
    let env = Env::new().await.with_organization().await;
    let dir = std::env::temp_dir().join(format!("bankinfra-ci-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let yml = workflow();
    let vars = workflow_env(&yml);
    assert!(
        vars.iter().any(|(k, _)| k == "BANK_ORG_PROFILE"),
        "the workflow names the organization's profile: {vars:?}"
    );
    let exported = organization_profile(&yml, &dir);
    assert!(exported.iter().any(|(k, _)| k == "AWS_CONFIG_FILE"), "{exported:?}");

    let commands = workflow_commands();
    let names: Vec<&str> = commands.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(names, ["plan", "apply", "verify"], "the workflow's steps: {commands:?}");
    let mut outputs = Vec::new();
    for (command, expected) in commands.iter().zip([2, 0, 0]) {
        let args: Vec<String> =
            command.iter().map(|a| if a == "$STAGE" { STAGE.to_string() } else { a.clone() }).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // The job's environment: the workflow's env, what the profile step exported, and the
        // CI/CD role's session as configure-aws-credentials exports it (here the emulator's).
        let out = env
            .command(&args)
            .envs(vars.iter().filter(|(k, _)| k != "STAGE").cloned())
            .envs(exported.iter().cloned())
            .env("AWS_ACCESS_KEY_ID", "bankinfra-local")
            .env("AWS_SECRET_ACCESS_KEY", "bankinfra-local-secret-key")
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(expected), "bankinfra {args:?}: {}", text(&out.stderr));
        outputs.push(text(&out.stdout));
    }
    assert!(outputs[0].contains("Plan: "), "the plan summary posted on the pull request:\n{}", outputs[0]);
    assert!(dir.join("plan.json").is_file(), "the plan artifact");
    let junit = std::fs::read_to_string(dir.join("verify.xml")).unwrap();
    assert!(junit.contains("<testsuite") && !junit.contains("<failure"), "{junit}");
    assert!(junit.contains("<testsuite name=\"GOV-005 ") && !junit.contains("skipped=\"1\""), "GOV-005 ran: {junit}");
    env.assert_no_changes();
    let _ = std::fs::remove_dir_all(dir);
}
