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
mod lockout;
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
    init_logging(cli.verbose);
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

/// Diagnostics on stderr through `tracing` (the AWS SDK's own logging): off unless asked for
/// with `-v` (warnings), `-vv` (each request attempt, retries) or `RUST_LOG` (a filter such as
/// `aws_smithy_runtime=debug,info`). The SDK redacts credentials and sensitive bodies.
fn init_logging(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let from_env = std::env::var("RUST_LOG").ok().and_then(|f| f.parse::<Targets>().ok());
    let filter = from_env.unwrap_or_else(|| match verbose {
        0 => Targets::new().with_default(LevelFilter::OFF),
        1 => Targets::new().with_default(LevelFilter::WARN),
        _ => Targets::new()
            .with_default(LevelFilter::WARN)
            .with_target("aws_smithy_runtime::client::orchestrator", LevelFilter::DEBUG)
            .with_target("aws_smithy_runtime::client::retries", LevelFilter::DEBUG),
    });
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false);
    let _ = tracing_subscriber::registry().with(fmt).with(filter).try_init();
}
