//! `apply --json` and `destroy --json`: one JSON document on stdout when the run ends
//! (docs/schemas/run.schema.json). Progress and the plan's text are not printed then.

use bankinfra_engine::{ApplyReport, Outcome, Plan};
use serde_json::{Value, json};

use crate::context::Context;
use crate::render;

/// The run's document: what was planned, and what happened to each resource.
pub fn run_document(command: &str, ctx: &Context, plan: &Plan, report: Option<&ApplyReport>, extra: Value) -> Value {
    let outcomes: Vec<Value> = report
        .map(|r| {
            r.outcomes
                .iter()
                .map(|(address, outcome)| match outcome {
                    Outcome::Done { action, elapsed } => json!({
                        "address": address.to_string(), "action": action, "outcome": "done",
                        "elapsed_seconds": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
                    }),
                    Outcome::Failed { action, error } => json!({
                        "address": address.to_string(), "action": action, "outcome": "failed", "error": error,
                    }),
                    Outcome::Skipped { action, because } => json!({
                        "address": address.to_string(), "action": action, "outcome": "skipped",
                        "because": because.to_string(),
                    }),
                })
                .collect()
        })
        .unwrap_or_default();
    let count = |what: &str| outcomes.iter().filter(|o| o["outcome"] == what).count();
    let mut doc = json!({
        "format_version": 1,
        "command": command,
        "stage": ctx.specs.stage.name,
        "account": ctx.identity.account,
        "region": ctx.specs.stage.region,
        "succeeded": report.is_none_or(ApplyReport::succeeded),
        "result": {"done": count("done"), "failed": count("failed"), "skipped": count("skipped")},
        "plan": render::plan_document(ctx, plan),
        "outcomes": outcomes,
    });
    if let (Some(target), Value::Object(extra)) = (doc.as_object_mut(), extra) {
        target.extend(extra);
    }
    doc
}
