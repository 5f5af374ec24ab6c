//! Human and machine renderings of plans, progress and reports.

use std::fmt::Write as _;
use std::io::IsTerminal;

use bankinfra_engine::{Action, ApplyReport, Outcome, Plan};
use bankinfra_model::Address;
use serde_json::{Value, json};

use crate::cli::Color;
use crate::context::Context;
use crate::data_loss::{DataLoss, Holding, KeyLost};
use crate::plan_diff;

/// JSON plan format version (docs/json-output.md).
pub const PLAN_FORMAT_VERSION: u32 = 1;

pub fn use_colour(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
    }
}

/// The plan as text, for the operator (see [`crate::plan_diff`]).
pub fn plan_text(ctx: &Context, plan: &Plan, colour: bool) -> String {
    plan_diff::plan_text(&ctx.target(), plan, colour)
}

/// What `--quiet` shows of a plan: its one-line summary, or that there is nothing to do.
pub fn plan_summary(ctx: &Context, plan: &Plan) -> String {
    let summary = plan.summary();
    if summary.has_changes() { format!("{}\n", plan_diff::summary_line(&summary)) } else { plan_text(ctx, plan, false) }
}

pub fn plan_json(ctx: &Context, plan: &Plan) -> String {
    serde_json::to_string_pretty(&plan_document(ctx, plan)).unwrap_or_default()
}

/// The plan as a JSON document (docs/json-output.md).
pub fn plan_document(ctx: &Context, plan: &Plan) -> Value {
    let changes: Vec<Value> = plan
        .changes
        .iter()
        .map(|c| {
            json!({
                "address": c.address.to_string(),
                "kind": c.address.kind().as_str(),
                "action": c.action,
                "replace_because": c.replace_because,
                "changes": plan.attributes(c),
            })
        })
        .collect();
    let summary = plan.summary();
    json!({
        "format_version": PLAN_FORMAT_VERSION,
        "stage": ctx.specs.stage.name,
        "account": ctx.identity.account,
        "region": ctx.specs.stage.region,
        "has_changes": summary.has_changes(),
        "summary": summary,
        "resource_changes": changes,
    })
}

pub fn report(what: &str, report: &ApplyReport) -> String {
    let mut out = String::new();
    let count = |a: Action| {
        report.outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Done { action, .. } if *action == a)).count()
    };
    if report.succeeded() {
        let _ = writeln!(
            out,
            "\n{what} complete: {} created, {} updated, {} replaced, {} destroyed, {} adopted.",
            count(Action::Create),
            count(Action::Update),
            count(Action::Replace),
            count(Action::Delete),
            count(Action::Adopt)
        );
        return out;
    }
    let causes = report.root_causes();
    let _ = writeln!(
        out,
        "\n{what} failed: {} resource(s) failed, {} skipped because of them.",
        causes.len(),
        report.skipped()
    );
    for (address, error) in causes {
        let _ = writeln!(out, "  {address}: {error}");
    }
    let _ = writeln!(out, "Everything else completed; re-run to retry (every step is idempotent).");
    out
}

/// The "Data that would be lost" section a destroy shows before its confirmation, and the
/// resources it retains.
pub fn data_loss(loss: &DataLoss) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Data that would be lost:");
    if loss.lost.is_empty() && loss.keys.is_empty() {
        let _ = writeln!(out, "  none: every bucket, user pool and log group this destroy deletes is empty");
    }
    for lost in &loss.lost {
        let note = lost.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        let _ = writeln!(out, "  {}: {}{note}", lost.address, holding(&lost.holding));
    }
    for key in &loss.keys {
        let encrypts = if key.encrypts.is_empty() {
            "nothing declared".to_string()
        } else {
            key.encrypts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(
            out,
            "  {}: encrypts {encrypts}; scheduled for deletion in {} days (key {})",
            key.address, loss.kms_window_days, key.key_id
        );
    }
    if !loss.empty.is_empty() {
        let names: Vec<String> = loss.empty.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "  empty, nothing to lose: {}", names.join(", "));
    }
    if !loss.keys.is_empty() {
        let _ = writeln!(out, "  {}", key_window(loss.kms_window_days));
    }
    out.push('\n');
    if !loss.retained.is_empty() {
        let _ = write!(out, "{}", retained(loss));
        out.push('\n');
    }
    out
}

fn retained(loss: &DataLoss) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Retained (not destroyed, still owned by the stack):");
    for r in &loss.retained {
        let _ = writeln!(out, "  {}: retained: {}", r.address, r.reason);
        if let Some(h) = r.holding.as_ref().filter(|h| !matches!(h, Holding::Counted(d) if d.empty)) {
            let _ = writeln!(out, "      holds {}", holding(h));
        }
    }
    out
}

fn holding(h: &Holding) -> String {
    match h {
        Holding::Counted(d) => {
            d.facts.iter().map(|(what, value)| format!("{what}: {value}")).collect::<Vec<_>>().join(", ")
        }
        Holding::Uncounted(error) => format!("could not be counted ({error}); treated as holding data"),
    }
}

fn key_window(days: u32) -> String {
    format!(
        "A key scheduled for deletion is deleted by AWS after {days} days (the stage's kms_deletion_window_days), and what it encrypted can never be decrypted again; an apply within the window restores it (ciphertexts stay readable)."
    )
}

/// After a destroy: the keys it scheduled for deletion, and what it retained.
pub fn destroyed_data(loss: &DataLoss, report: &ApplyReport) -> String {
    let mut out = String::new();
    let done = |a: &Address| report.outcomes.iter().any(|(x, o)| x == a && matches!(o, Outcome::Done { .. }));
    let keys: Vec<&KeyLost> = loss.keys.iter().filter(|k| done(&k.address)).collect();
    if !keys.is_empty() {
        let _ = writeln!(out, "Keys pending deletion:");
        for key in keys {
            let _ = writeln!(
                out,
                "  {} (key {}): scheduled for deletion in {} days",
                key.address, key.key_id, loss.kms_window_days
            );
        }
        let _ = writeln!(out, "  {}", key_window(loss.kms_window_days));
    }
    if !loss.retained.is_empty() {
        let _ = write!(out, "{}", retained(loss));
    }
    out
}
