//! Plan-time GATE checks: the GATE policies (GOV-005, DT-002) evaluated over the documents a
//! plan would leave in place, so that a change that lets through what a GATE must block is
//! refused before anything is deployed.

use anyhow::anyhow;
use bankinfra_engine::{Action, Plan, ResourceChange};
use bankinfra_model::template::Reference;
use std::collections::{HashMap, HashSet};

use bankinfra_model::{Address, Kind, LiveResource, Outputs, Resource};
use bankinfra_spec::Specs;
use bankinfra_verify::{CheckResult, Facts};

use crate::exit::{self, Failure};

/// The outputs every kind may have; for a resource not created yet each is a placeholder that
/// names it, so references to different resources never compare equal by accident.
const OUTPUTS: [&str; 4] = ["arn", "id", "name", "url"];

fn placeholder(reference: &str) -> String {
    format!("(known after apply: {reference})")
}

/// The state `plan` leaves, where `plan` may be `whole` limited by `--target`: every declared
/// resource the plan acts on with its desired props (references resolved against live outputs,
/// or for a resource still to be made, what is known before it exists — its name, and its ARN
/// where that follows from the name — else placeholders), and every other one as it is live.
pub fn prospective_state(specs: &Specs, whole: &Plan, plan: &Plan) -> Vec<LiveResource> {
    let in_scope: HashSet<&Address> = plan.changes.iter().map(|c| &c.address).collect();
    let (region, account) = (&specs.stage.region, &specs.stage.account_id);
    let outputs_of = |change: &ResourceChange| -> Outputs {
        match (&change.live, change.action) {
            (Some(live), action) if action != Action::Replace || !in_scope.contains(&change.address) => {
                live.outputs.clone()
            }
            _ => {
                let mut outputs: Outputs =
                    OUTPUTS.iter().map(|o| (o.to_string(), placeholder(&format!("{}.{o}", change.address)))).collect();
                // An ARN not known yet is still ARN-shaped, so policies naming it can be evaluated.
                let unknown_arn = match change.address.kind() {
                    Kind::KmsKey => {
                        format!("arn:aws:kms:{region}:{account}:key/known-after-apply-{}", change.address.name())
                    }
                    kind => format!("arn:aws:{kind}:{region}:{account}:known-after-apply/{}", change.address.name()),
                };
                outputs.insert("arn".to_string(), unknown_arn);
                if let Some(desired) = whole.desired(change) {
                    outputs.extend(desired.props.predicted_outputs());
                    if let Some(arn) = bankinfra_verify::predicted_arn(&desired.props, region, account) {
                        outputs.insert("arn".to_string(), arn);
                    }
                }
                outputs
            }
        }
    };
    let known: HashMap<_, _> = whole
        .changes
        .iter()
        .filter(|c| whole.desired(c).is_some())
        .map(|c| (c.address.clone(), outputs_of(c)))
        .collect();
    let lookup = |r: &Reference| {
        Some(known.get(&r.address)?.get(&r.output).cloned().unwrap_or_else(|| placeholder(&r.to_string())))
    };
    whole
        .changes
        .iter()
        .filter_map(|c| {
            let desired: &Resource = whole.desired(c)?;
            if !in_scope.contains(&c.address) {
                return c.live.clone();
            }
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

/// The GATE checks the end state of `plan` would fail. `plan` is `whole`, or `whole` limited by
/// `--target`: then only the checks it makes fail count, not those that fail already (a
/// partial deploy leaves the rest of the stack as it is, missing or not).
pub fn violations(specs: &Specs, whole: &Plan, plan: &Plan, organization: bool) -> Vec<CheckResult> {
    let after =
        bankinfra_verify::gate_violations(&Facts::new(specs, prospective_state(specs, whole, plan), organization));
    if plan.changes.len() == whole.changes.len() {
        return after;
    }
    let live = whole.changes.iter().filter_map(|c| c.live.clone()).collect();
    let before = bankinfra_verify::gate_violations(&Facts::new(specs, live, organization));
    after.into_iter().filter(|a| !before.iter().any(|b| b.requirement == a.requirement && b.name == a.name)).collect()
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
            "WARNING: --allow-gate-violation: applying a plan that breaks {} GATE check(s):\n{}",
            violations.len(),
            list.join("\n")
        );
        return Ok(());
    }
    Err(Failure::new(
        exit::REFUSED,
        anyhow!(
            "this plan would break {} GATE check(s); fix specs/ (or, knowingly, re-run with --allow-gate-violation):\n{}",
            violations.len(),
            list.join("\n")
        ),
    ))
}
