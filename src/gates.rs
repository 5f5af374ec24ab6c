//! Plan-time GATE checks: the GATE policies (GOV-005, DT-002) evaluated over the documents a
//! plan would leave in place, so that a change that lets through what a GATE must block is
//! refused before anything is deployed.

use anyhow::anyhow;
use bankinfra_engine::{Action, Plan, ResourceChange};
use bankinfra_model::template::Reference;
use bankinfra_model::{LiveResource, Outputs, Resource};
use bankinfra_spec::Specs;
use bankinfra_verify::{CheckResult, Facts};

use crate::exit::{self, Failure};

/// The outputs every kind may have; for a resource not created yet each is a placeholder that
/// names it, so references to different resources never compare equal by accident.
const OUTPUTS: [&str; 4] = ["arn", "id", "name", "url"];

fn placeholder(reference: &str) -> String {
    format!("(known after apply: {reference})")
}

/// The state the plan leaves: every declared resource with its desired props (references
/// resolved against live outputs, or placeholders), and its live outputs where it exists.
fn prospective(plan: &Plan) -> Vec<LiveResource> {
    let outputs_of = |change: &ResourceChange| -> Outputs {
        match (&change.live, change.action) {
            (Some(live), action) if action != Action::Replace => live.outputs.clone(),
            _ => OUTPUTS.iter().map(|o| (o.to_string(), placeholder(&format!("{}.{o}", change.address)))).collect(),
        }
    };
    let known: std::collections::HashMap<_, _> =
        plan.changes.iter().filter(|c| c.desired.is_some()).map(|c| (c.address.clone(), outputs_of(c))).collect();
    let lookup = |r: &Reference| {
        Some(known.get(&r.address)?.get(&r.output).cloned().unwrap_or_else(|| placeholder(&r.to_string())))
    };
    plan.changes
        .iter()
        .filter_map(|c| {
            let desired: &Resource = c.desired.as_ref()?;
            let props = desired.props.resolve(&lookup, Some("(unknown)")).ok()?;
            Some(LiveResource {
                address: c.address.clone(),
                physical_id: c.live.as_ref().map(|l| l.physical_id.clone()).unwrap_or_default(),
                outputs: known.get(&c.address).cloned().unwrap_or_default(),
                props,
            })
        })
        .collect()
}

/// The GATE checks the plan's end state would fail.
pub fn violations(specs: &Specs, plan: &Plan, organization: bool) -> Vec<CheckResult> {
    let facts = Facts::new(specs, prospective(plan), organization);
    bankinfra_verify::gate_violations(&facts)
}

/// Refuses (exit 5) when the plan breaks a GATE, unless the operator overrides it; then warns.
pub fn enforce(violations: &[CheckResult], allow: bool) -> Result<(), Failure> {
    if violations.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = violations
        .iter()
        .map(|v| format!("  {} {}: {}", v.requirement, v.name, v.failure.as_deref().unwrap_or_default()))
        .collect();
    if allow {
        eprintln!(
            "WARNING: --allow-gate-violation: applying a plan that breaks {} GATE check(s):\\n{}",
            violations.len(),
            list.join("\\n")
        );
        return Ok(());
    }
    Err(Failure::new(
        exit::REFUSED,
        anyhow!(
            "this plan would break {} GATE check(s); fix specs/ (or, knowingly, re-run with --allow-gate-violation):\\n{}",
            violations.len(),
            list.join("\\n")
        ),
    ))
}
