//! Help that teaches: every command's `--help` has examples, and shell completions are printed
//! for bash, zsh and fish. No AWS involved.

use std::process::Command;

use crate::harness::text;

fn bankinfra(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bankinfra")).args(args).output().unwrap();
    (out.status.code(), text(&out.stdout))
}

#[test]
fn every_command_has_examples_in_its_help() {
    for command in ["plan", "apply", "destroy", "destroy-scp", "outputs", "graph", "verify", "unlock"] {
        let (code, help) = bankinfra(&[command, "--help"]);
        assert_eq!(code, Some(0), "{command} --help");
        assert!(help.contains("Examples:"), "{command} --help has examples:\n{help}");
        assert!(help.contains(&format!("bankinfra {command}")), "{command} --help shows itself in use:\n{help}");
    }
    let (_, top) = bankinfra(&["--help"]);
    assert!(top.contains("Examples:") && top.contains("completions"), "{top}");
}

#[test]
fn completions_are_printed_for_bash_zsh_and_fish() {
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef bankinfra"), ("fish", "complete -c bankinfra")] {
        let (code, script) = bankinfra(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}");
        assert!(script.contains(marker), "{shell} script:\n{}", &script[..script.len().min(400)]);
        for sub in ["plan", "apply", "destroy", "verify"] {
            assert!(script.contains(sub), "{shell} completes {sub}");
        }
    }
    let (code, _) = bankinfra(&["completions", "tcsh"]);
    assert_eq!(code, Some(2), "an unknown shell is a usage error");
}

#[test]
fn plan_lists_the_attributes_it_does_not_compare_without_calling_aws() {
    let out = Command::new(env!("CARGO_BIN_EXE_bankinfra"))
        .args(["plan", "--list-uncompared"])
        .env("AWS_ENDPOINT_URL", "https://127.0.0.1:9") // nothing listens: any call would fail
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    let expected = bankinfra_model::UNCOMPARED.len().max(1);
    assert_eq!(
        listed.lines().count(),
        expected,
        "one line per uncompared attribute (or that there is none):\n{listed}"
    );
}
