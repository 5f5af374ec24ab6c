//! `bankinfra`: plan, apply and destroy the bank's MOD-104 shared AWS baseline.
//!
//! The binary is thin: it parses arguments, wires specs → stack → engine → AWS provider, and is
//! the only place that prints.

mod cli;
mod commands;
mod context;
mod data_loss;
mod exit;
mod gates;
mod json_report;
mod lock;
mod output;
mod plan_diff;
mod probes;
mod progress;
mod render;
mod saved_plan;
#[cfg(test)]
mod snapshots;

use clap::Parser;

use crate::exit::Failure;

fn main() {
    let cli = cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let code = match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(failure) => {
            let Failure { code, error } = failure;
            eprintln!("error: {error:#}");
            code
        }
    };
    std::process::exit(code);
}
