//! Human and machine renderings of plans, progress and reports.

use std::fmt::Write as _;
use std::io::IsTerminal;

use bankinfra_engine::{Action, ApplyReport, Event, Outcome, Plan, ResourceChange};
use bankinfra_model::Address;
use serde_json::{Value, json};

use crate::cli::Color;
use crate::context::Context;
use crate::data_loss::{DataLoss, Holding, KeyLost};
use crate::output::outln;

/// JSON plan format version (docs/json-output.md).
pub const PLAN_FORMAT_VERSION: u32 = 1;

pub fn use_colour(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
    }
}

fn paint(text: &str, action: Action, colour: bool) -> String {
    if !colour {
        return text.to_string();
    }
    let code = match action {
        Action::Create => "32",
        Action::Update => "33",
        Action::Replace => "35",
        Action::Delete => "31",
        Action::Adopt => "36",
        Action::NoOp => "0",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::Adopt => "exists without ownership tags and will be adopted (needs --adopt)",
        Action::NoOp => "is up to date",
    }
}

pub fn plan_text(ctx: &Context, plan: &Plan, colour: bool) -> String {
    let mut out = String::new();
    let summary = plan.summary();
    if !summary.has_changes() {
        let _ = writeln!(out, "No changes. {} resources on {} match the specs.", summary.no_op, ctx.target());
        return out;
    }
    let _ = writeln!(out, "bankinfra will perform these actions on {}:\n", ctx.target());
    for change in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        render_change(&mut out, change, colour);
    }
    let _ = writeln!(
        out,
        "Plan: {} to add, {} to change, {} to replace, {} to destroy, {} to adopt ({} unchanged).",
        summary.create, summary.update, summary.replace, summary.delete, summary.adopt, summary.no_op
    );
    out
}

fn render_change(out: &mut String, change: &ResourceChange, colour: bool) {
    let header = format!("{} {}", change.action.symbol(), change.address);
    let because = if change.replace_because.is_empty() {
        String::new()
    } else {
        format!(" ({} forces replacement)", change.replace_because.join(", "))
    };
    let because = if change.action == Action::Replace && change.address.kind().holds_data() {
        format!(
            "{because}\n      ! holds data: the old one is deleted with its data; apply needs --allow-replace {}",
            change.address
        )
    } else {
        because
    };
    let _ = writeln!(out, "  {} {}{}", paint(&header, change.action, colour), verb(change.action), because);
    let width = change.changes.iter().map(|c| c.path.len()).max().unwrap_or(0);
    for field in &change.changes {
        let line = match (&field.before, &field.after) {
            (None, Some(after)) => short(after),
            (Some(before), None) if change.action == Action::Delete => short(before),
            (Some(before), None) => format!("{} → (absent)", short(before)),
            (None, None) => String::new(),
            (Some(before), Some(after)) if field.path == "policy" => policy_diff(before, after),
            (Some(before), Some(after)) => format!("{} → {}", short(before), short(after)),
        };
        let line = if change.action == Action::Delete {
            line
        } else {
            line.replace('\n', &format!("\n      {:width$}  ", ""))
        };
        let _ = writeln!(out, "      {:width$}  {}", field.path, line);
    }
    out.push('\n');
}

/// A compact one-line value; long documents are summarised.
fn short(v: &Value) -> String {
    match v {
        Value::Object(map) if map.contains_key("Statement") => {
            let n = map.get("Statement").and_then(Value::as_array).map_or(1, Vec::len);
            format!("(policy document, {n} statements)")
        }
        other => {
            let s = other.to_string();
            if s.chars().count() > 160 { format!("{}…", s.chars().take(160).collect::<String>()) } else { s }
        }
    }
}

/// Only the statements that differ: `- removed` and `+ added`.
fn policy_diff(before: &Value, after: &Value) -> String {
    let statements = |v: &Value| v.get("Statement").and_then(Value::as_array).cloned().unwrap_or_default();
    let (b, a) = (statements(before), statements(after));
    let mut lines = Vec::new();
    for s in b.iter().filter(|s| !a.contains(s)) {
        lines.push(format!("- {s}"));
    }
    for s in a.iter().filter(|s| !b.contains(s)) {
        lines.push(format!("+ {s}"));
    }
    if lines.is_empty() {
        lines.push(format!("{} → {}", short(before), short(after)));
    }
    lines.join("\n")
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
                "changes": c.changes,
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

/// One plain line per state change (the executor reports them as they happen).
pub fn progress(event: &Event, colour: bool) {
    match event {
        Event::Started { address, action } => {
            outln!("{} {address}: {}…", paint(action.symbol(), *action, colour), gerund(*action));
        }
        Event::Finished { address, outcome } => match outcome {
            Outcome::Done { action, elapsed } => {
                outln!(
                    "{} {address}: {} in {:.1}s",
                    paint(action.symbol(), *action, colour),
                    done(*action),
                    elapsed.as_secs_f64()
                );
            }
            Outcome::Failed { action, error } => outln!("! {address}: {} failed: {error}", gerund(*action)),
            Outcome::Skipped { because, .. } => outln!("· {address}: skipped, because {because} failed"),
        },
    }
}

fn gerund(action: Action) -> &'static str {
    match action {
        Action::Create => "creating",
        Action::Update => "updating",
        Action::Replace => "replacing",
        Action::Delete => "destroying",
        Action::Adopt => "adopting",
        Action::NoOp => "checking",
    }
}

fn done(action: Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update => "updated",
        Action::Replace => "replaced",
        Action::Delete => "destroyed",
        Action::Adopt => "adopted",
        Action::NoOp => "unchanged",
    }
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
