//! Live progress (issue 8): `apply` on a terminal redraws one line per resource in flight and a
//! summary bar in place, and ends with the summary; without a terminal every state change is one
//! timestamped line.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

use crate::harness::{Env, STAGE, TOTAL_RESOURCES, text};

/// `s` quoted for `sh -c`.
fn quoted(s: &OsStr) -> String {
    format!("'{}'", s.to_string_lossy().replace('\'', r"'\''"))
}

/// `cmd` run under a pseudo-terminal by util-linux `script`, with the same environment.
fn under_terminal(cmd: &Command) -> Command {
    let available = Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(available, "this test needs `script` from util-linux (package bsdutils or util-linux) on PATH");
    let line: Vec<String> = std::iter::once(cmd.get_program()).chain(cmd.get_args()).map(quoted).collect();
    let mut script = Command::new("script");
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    script.env("SHELL", "/bin/sh").env_remove("COLUMNS").args(["-qfec", &line.join(" "), "/dev/null"]);
    script.stdin(Stdio::null());
    script
}

/// Whether `screen` moves the cursor up (`ESC [ n A`), as an in-place redraw does.
fn moves_up(screen: &str) -> bool {
    screen.split("\x1b[").skip(1).any(|rest| {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with('A')
    })
}

/// Whether `line` starts with a `[HH:MM:SS.mmm] ` timestamp.
fn timestamped(line: &str) -> bool {
    let shape = "[00:00:00.000] ";
    line.len() >= shape.len()
        && line.bytes().zip(shape.bytes()).all(|(c, s)| if s == b'0' { c.is_ascii_digit() } else { c == s })
}

#[tokio::test]
async fn apply_on_a_terminal_shows_live_progress_and_ends_with_the_summary() {
    let env = Env::new().await;
    let out =
        under_terminal(&env.command(&["apply", "--stage", STAGE, "--auto-approve"])).output().expect("run script");
    let screen = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "apply under a terminal failed:\n{screen}\n{}", text(&out.stderr));

    assert!(moves_up(&screen), "the live region is redrawn in place (cursor up):\n{screen:?}");
    assert!(screen.contains("\r\x1b[J"), "and cleared before each redraw:\n{screen:?}");
    let bar = format!("/{TOTAL_RESOURCES}  done ");
    assert!(screen.contains(&bar), "the summary bar is shown:\n{screen}");
    for part in [" · in flight ", " · waiting ", " · failed 0 · skipped 0"] {
        assert!(screen.contains(part), "the summary bar counts {part:?}:\n{screen}");
    }
    assert!(
        screen.lines().any(|l| l.contains("vpc.main") && l.contains("creating") && l.trim_end().ends_with('s')),
        "a resource in flight gets a line with its action and elapsed time:\n{screen}"
    );
    assert!(screen.contains("+ vpc.main: created in "), "finished resources scroll up as plain lines:\n{screen}");
    assert!(!screen.lines().any(timestamped), "no timestamps on a terminal:\n{screen}");

    // After the last redraw the region is cleared and the summary is what remains at the end.
    let last = screen.rsplit("\x1b[J").next().unwrap_or_default();
    assert!(
        last.trim().starts_with(&format!("Apply complete: {TOTAL_RESOURCES} created, 0 updated")),
        "ends with the summary:\n{last}"
    );

    // Quiet: only the summary.
    let quiet = env.run_expect(&["plan", "--stage", STAGE, "--quiet"], 0);
    assert_eq!(quiet.lines().count(), 1, "{quiet}");
    assert!(quiet.starts_with(&format!("No changes. {TOTAL_RESOURCES} resources on stage local")), "{quiet}");

    // Without a terminal: one timestamped line per state change, in the shapes scripts parse.
    let lines = env.run_expect(&["destroy", "--stage", STAGE, "--auto-approve", "-v"], 0);
    let destroyed: Vec<&str> = lines.lines().filter(|l| l.contains(": destroyed in ")).collect();
    assert_eq!(destroyed.len(), TOTAL_RESOURCES, "{lines}");
    let started = lines.lines().filter(|l| l.contains(": destroying…"));
    for line in destroyed.iter().copied().chain(started) {
        assert!(timestamped(line), "[HH:MM:SS.mmm] first: {line}");
        assert!(line[15..].starts_with("- "), "then the symbol, address and what happened: {line}");
    }
    assert!(!lines.contains('\x1b'), "no escape sequences without a terminal");
    assert!(
        lines.contains(&format!("Destroy complete: 0 created, 0 updated, 0 replaced, {TOTAL_RESOURCES} destroyed"))
    );
}
