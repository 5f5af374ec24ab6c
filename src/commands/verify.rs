use anyhow::Context as _;
use bankinfra_model::{Kind, Provider};
use bankinfra_verify::{Basis, Facts, Outcome, Report};

use crate::cli::VerifyArgs;
use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::output::outln;

pub async fn run(args: VerifyArgs) -> Result<i32, Failure> {
    let ctx = Context::load(&args.common).await?;
    let live = ctx
        .provider
        .read(&Kind::ALL, ctx.graph.resources(), &ctx.ownership)
        .await
        .context("reading live state")
        .exit(exit::FAILED)?;
    let facts = Facts::new(&ctx.specs, live, ctx.provider.manages_organization());
    let mut report = bankinfra_verify::verify(&facts);
    if args.probe {
        report.extend(crate::probes::run(&ctx.provider, &facts).await);
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, report.junit(&ctx.specs.stage.name))
            .with_context(|| format!("cannot write the JUnit report to {}", path.display()))
            .exit(exit::FAILED)?;
    }
    if args.json {
        let json = serde_json::json!({
            "format_version": 1,
            "stage": ctx.specs.stage.name,
            "account": ctx.identity.account,
            "passed": report.passed(),
            "requirements": report.requirements,
            "checks": report.checks,
        });
        outln!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    } else {
        outln!("Acceptance checks on {}\n", ctx.target());
        outln!("{}", table(&report));
    }
    Ok(if report.passed() { exit::OK } else { exit::FAILED })
}

/// The design's acceptance table, then each check that did not run and each failing one, with
/// the reason.
fn table(report: &Report) -> String {
    let mut out = String::from("| FR / Policy | Mode | Tests | Pass | Fail | Status |\n|---|---|---|---|---|---|\n");
    for row in &report.requirements {
        let status = if row.passed() { "PASS" } else { "FAIL" };
        out.push_str(&format!(
            "| {} — {} | {} | {} | {} | {} | {status} |\n",
            row.id,
            row.title,
            row.mode.label(),
            row.tests,
            row.pass,
            row.fail
        ));
    }
    let total = report.total();
    let failed = report.failed().count();
    let not_run = report.not_run().count();
    let passed = total - failed - not_run;
    let share = (passed * 100).checked_div(total - not_run).unwrap_or(0);
    out.push_str(&format!("| Total | | {total} | {passed} | {failed} | {share}% |\n"));
    if not_run > 0 {
        out.push_str(&format!(
            "\n{not_run} check{} not run (neither passed nor failed; listed below).\n",
            if not_run == 1 { " was" } else { "s were" }
        ));
    }
    let evaluated = report.checks.iter().filter(|c| c.basis == Basis::Evaluated).count();
    out.push_str(&format!(
        "\n{evaluated} checks evaluate the live policy documents with AWS's policy evaluation logic; the rest compare live attributes with the design's values.\n"
    ));
    for c in report.checks.iter().filter(|c| c.outcome == Outcome::Passed) {
        if let Some(note) = &c.note {
            out.push_str(&format!("\nnote {} {}: {note}", c.requirement, c.name));
        }
    }
    for c in report.not_run() {
        out.push_str(&format!("\nNOT RUN {} {}: {}", c.requirement, c.name, c.note.as_deref().unwrap_or_default()));
    }
    for c in report.failed() {
        let basis = match c.basis {
            Basis::Evaluated => " (evaluated)",
            Basis::Probe => " (probe)",
            Basis::Live => "",
        };
        out.push_str(&format!(
            "\nFAIL {} {}{basis}: {}",
            c.requirement,
            c.name,
            c.failure.as_deref().unwrap_or_default()
        ));
    }
    if failed + not_run > 0 {
        out.push('\n');
    }
    out
}
