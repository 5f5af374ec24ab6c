use bankinfra_engine::TargetScope;

use crate::cli::PlanArgs;
use crate::commands::planning;
use crate::context::Context;
use crate::exit::{self, Failure};
use crate::output::{out, outln};
use crate::progress::Verbosity;
use crate::render;
use crate::saved_plan;
use crate::{gates, lockout};

pub async fn run(args: PlanArgs, verbosity: Verbosity) -> Result<i32, Failure> {
    if args.list_uncompared {
        return Ok(list_uncompared());
    }
    let targets = planning::target_addresses(&args.targets)?;
    let ctx = Context::load(&args.common).await?;
    let planning::Planned { whole, plan } = planning::converge(&ctx, &targets).await?;
    if args.json {
        outln!("{}", render::plan_json(&ctx, &plan));
    } else if verbosity.quiet() {
        out!("{}", render::plan_summary(&ctx, &plan));
    } else {
        planning::announce_targets(&plan, &targets, TargetScope::WithDependencies);
        out!("{}", render::plan_text(&ctx, &plan, render::use_colour(args.common.color)));
    }
    let violations = gates::violations(&ctx.specs, &whole, &plan, ctx.provider.manages_organization());
    gates::enforce(&violations, args.allow_gate_violation)?;
    let findings = lockout::check(&ctx, &whole, &plan).await?;
    if !args.json && !verbosity.quiet() {
        lockout::report(&findings);
    }
    if let Some(path) = &args.out {
        saved_plan::write(path, &ctx, &plan, &targets)?;
        if !args.json && !verbosity.quiet() {
            outln!(
                "Saved this plan to {}; apply exactly it with `bankinfra apply --stage {} {}`.",
                path.display(),
                ctx.specs.stage.name,
                path.display()
            );
        }
    }
    Ok(if args.detailed_exitcode && plan.summary().has_changes() { exit::CHANGES } else { exit::OK })
}

/// The attributes never compared, with their reasons (`bankinfra_model::UNCOMPARED`).
fn list_uncompared() -> i32 {
    if bankinfra_model::UNCOMPARED.is_empty() {
        outln!("Every attribute the specs declare is read back from AWS and compared; none is left out.");
    }
    for u in bankinfra_model::UNCOMPARED {
        outln!("{}.{}: {}", u.kind, u.attribute, u.reason);
    }
    exit::OK
}
