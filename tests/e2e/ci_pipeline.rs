//! The documented CI pipeline (docs/ci/github-actions.yml), run against stage local: plan saved
//! to a file with `--detailed-exitcode`, apply of exactly that file, verify with a JUnit report.

use crate::harness::{Env, STAGE, text};

/// The bankinfra commands of the workflow, in order, with `$STAGE` as written.
fn workflow_commands() -> Vec<Vec<String>> {
    let workflow = bankinfra_testkit::repo_root().join("docs/ci/github-actions.yml");
    let text = std::fs::read_to_string(workflow).unwrap();
    text.lines()
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

    let commands = workflow_commands();
    let names: Vec<&str> = commands.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(names, ["plan", "apply", "verify"], "the workflow's steps: {commands:?}");
    let mut outputs = Vec::new();
    for (command, expected) in commands.iter().zip([2, 0, 0]) {
        let args: Vec<String> =
            command.iter().map(|a| if a == "$STAGE" { STAGE.to_string() } else { a.clone() }).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = env.command(&args).current_dir(&dir).output().unwrap();
        assert_eq!(out.status.code(), Some(expected), "bankinfra {args:?}: {}", text(&out.stderr));
        outputs.push(text(&out.stdout));
    }
    assert!(outputs[0].contains("Plan: "), "the plan summary posted on the pull request:\n{}", outputs[0]);
    assert!(dir.join("plan.json").is_file(), "the plan artifact");
    let junit = std::fs::read_to_string(dir.join("verify.xml")).unwrap();
    assert!(junit.contains("<testsuite") && !junit.contains("<failure"), "{junit}");
    env.assert_no_changes();
    let _ = std::fs::remove_dir_all(dir);
}
