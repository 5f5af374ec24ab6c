use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::{self, Failure};

/// Prints the completion script for the shell; needs no AWS access.
pub fn run(args: &CompletionsArgs) -> Result<i32, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "bankinfra", &mut script);
    crate::output::out!("{}", String::from_utf8_lossy(&script));
    Ok(exit::OK)
}
