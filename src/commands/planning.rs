//! Making the plan a command acts on: targets, and the refusals that come before confirmation.

use anyhow::anyhow;
use bankinfra_engine::{Action, EngineError, Plan, Planner, TargetScope};
use bankinfra_model::Address;

use crate::cli::Targets;
use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::output::outln;

/// The addresses `--target` names, parsed.
pub fn target_addresses(targets: &Targets) -> Result<Vec<Address>, Failure> {
    targets
        .addresses
        .iter()
        .map(|a| {
            a.parse::<Address>()
                .map_err(|e| anyhow!("--target {a}: {e}; addresses look like kms_key.pii or s3_bucket.documents"))
        })
        .collect::<Result<_, _>>()
        .exit(exit::BAD_INPUT)
}

/// A plan, and the whole plan it was cut from by `--target` (the same without targets).
pub struct Planned {
    pub whole: Plan,
    pub plan: Plan,
}

/// The plan converging the stage on the specs, limited to `targets` (and what they need) when
/// any are given.
pub async fn converge(ctx: &Context, targets: &[Address]) -> Result<Planned, Failure> {
    let planner = Planner::new(ctx.provider.as_ref(), ctx.ownership.clone());
    let whole = planner.plan(ctx.graph.clone()).await.map_err(planning_failure)?;
    let plan = restrict(whole.clone(), targets, TargetScope::WithDependencies)?;
    Ok(Planned { whole, plan })
}

/// The plan deleting everything the stack owns on the stage, limited to `targets` (and what
/// depends on them) when any are given.
pub async fn destroy(ctx: &Context, targets: &[Address]) -> Result<Plan, Failure> {
    let planner = Planner::new(ctx.provider.as_ref(), ctx.ownership.clone());
    let plan = planner.plan_destroy(ctx.graph.clone()).await.map_err(planning_failure)?;
    restrict(plan, targets, TargetScope::WithDependents)
}

/// A resource another stack or stage owns is a refusal, not a failure: nothing is wrong with
/// AWS, this run must not touch it.
fn planning_failure(e: EngineError) -> Failure {
    let code = if matches!(e, EngineError::ForeignOwner { .. }) { exit::REFUSED } else { exit::FAILED };
    Failure::new(code, e)
}

/// Refuses a plan that adopts existing resources (made outside this stack, e.g. by the old SST
/// deployment) unless the operator asked for it with `--adopt`.
pub fn refuse_silent_adoption(plan: &Plan, adopt: bool) -> Result<(), Failure> {
    let adopted: Vec<String> =
        plan.changes.iter().filter(|c| c.action == Action::Adopt).map(|c| c.address.to_string()).collect();
    if adopt || adopted.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        exit::REFUSED,
        anyhow!(
            "{} exist(s) without this stack's ownership tags (made outside bankinfra?): {}. Check they are the resources you mean, then re-run with --adopt to tag them and bring them under management (nothing was changed)",
            adopted.len(),
            adopted.join(", ")
        ),
    ))
}

fn restrict(mut plan: Plan, targets: &[Address], scope: TargetScope) -> Result<Plan, Failure> {
    if targets.is_empty() {
        return Ok(plan);
    }
    if let Err(unknown) = plan.restrict_to(targets, scope) {
        let names: Vec<String> = unknown.iter().map(ToString::to_string).collect();
        return Err(Failure::new(
            exit::BAD_INPUT,
            anyhow!(
                "--target {}: no such resource in the specs or on the stage; `bankinfra graph` lists every address",
                names.join(", ")
            ),
        ));
    }
    Ok(plan)
}

/// Says which resources a targeted run is limited to (before any confirmation).
pub fn announce_targets(plan: &Plan, targets: &[Address], scope: TargetScope) {
    if targets.is_empty() {
        return;
    }
    let names: Vec<String> = targets.iter().map(ToString::to_string).collect();
    let brought = plan.changes.iter().filter(|c| !targets.contains(&c.address)).count();
    let what = match scope {
        TargetScope::WithDependencies => "resources they depend on",
        TargetScope::WithDependents => "resources that depend on them",
    };
    outln!(
        "Targeting {} (and {brought} {what}); changes to anything else are not planned and not applied.\n",
        names.join(", ")
    );
}

/// Refuses a plan that replaces a resource holding data (a bucket's objects, a key's
/// ciphertexts, a pool's users, ...) unless `allowed` names it.
pub fn refuse_data_loss(plan: &Plan, allowed: &[String]) -> Result<(), Failure> {
    let refused: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Replace && c.address.kind().holds_data())
        .filter(|c| !allowed.contains(&c.address.to_string()))
        .map(|c| format!("{} ({} forces replacement)", c.address, c.replace_because.join(", ")))
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    let flags: Vec<String> = refused
        .iter()
        .map(|r| format!("--allow-replace {}", r.split_whitespace().next().unwrap_or_default()))
        .collect();
    Err(Failure::new(
        exit::REFUSED,
        anyhow!(
            "refusing to replace what holds data: {}; replacing deletes the old resource with its data. If that is intended, re-run with {} (nothing was changed)",
            refused.join("; "),
            flags.join(" ")
        ),
    ))
}

/// How many resources a plan changes (what an apply's or destroy's progress counts towards).
pub fn changing(plan: &Plan) -> usize {
    plan.changes.iter().filter(|c| c.action != Action::NoOp).count()
}
