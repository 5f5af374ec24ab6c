//! One module per subcommand.

mod apply;
mod completions;
mod destroy;
mod destroy_scp;
mod graph;
mod outputs;
mod plan;
mod planning;
mod unlock;
mod verify;

use std::io::{BufRead, IsTerminal, Write};

use anyhow::anyhow;

use crate::cli::{Cli, Command};
use crate::exit::{self, Failure};
use crate::output::out;
use crate::progress::Verbosity;

pub async fn run(cli: Cli) -> Result<i32, Failure> {
    let verbosity = Verbosity::from_flags(cli.quiet, cli.verbose);
    match cli.command {
        Command::Plan(args) => plan::run(args, verbosity).await,
        Command::Apply(args) => apply::run(args, verbosity).await,
        Command::Destroy(args) => destroy::run(args, verbosity).await,
        Command::DestroyScp(args) => destroy_scp::run(args, verbosity).await,
        Command::Outputs(args) => outputs::run(args).await,
        Command::Graph(args) => graph::run(args).await,
        Command::Verify(args) => verify::run(args).await,
        Command::Unlock(args) => unlock::run(args).await,
        Command::Completions(args) => completions::run(&args),
    }
}

/// Refuses at once (before any AWS call) when a confirmation will be needed and cannot be
/// asked for: no `--auto-approve` and no terminal.
fn ensure_confirmable(auto_approve: bool) -> Result<(), Failure> {
    if auto_approve || std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(Failure::new(
        exit::REFUSED,
        anyhow!("no terminal to confirm on; re-run with --auto-approve to proceed without confirmation"),
    ))
}

/// `--json` keeps stdout for the document, so there is no room for a prompt.
fn json_needs_approval(json: bool, approved: bool) -> Result<(), Failure> {
    if json && !approved {
        return Err(Failure::new(
            exit::BAD_INPUT,
            anyhow!("--json prints one document and asks nothing: add --auto-approve (or apply a saved plan)"),
        ));
    }
    Ok(())
}

/// Asks the operator to type `yes`, unless `auto_approve`. Without a terminal, refuses.
fn confirm(question: &str, auto_approve: bool) -> Result<(), Failure> {
    if auto_approve {
        return Ok(());
    }
    ensure_confirmable(auto_approve)?;
    let stdin = std::io::stdin();
    out!("{question}\n  Only 'yes' will be accepted: ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).map_err(|e| Failure::new(exit::FAILED, e))?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Failure::new(exit::REFUSED, anyhow!("cancelled: the answer was not 'yes'; nothing was changed")))
    }
}
