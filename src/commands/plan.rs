use bankinfra_engine::Planner;

use crate::cli::PlanArgs;
use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::gates;
use crate::output::{out, outln};
use crate::render;

pub async fn run(args: PlanArgs) -> Result<i32, Failure> {
    let ctx = Context::load(&args.common).await?;
    let plan =
        Planner::new(ctx.provider.as_ref(), ctx.ownership.clone()).plan(ctx.graph.clone()).await.exit(exit::FAILED)?;
    if args.json {
        outln!("{}", render::plan_json(&ctx, &plan));
    } else {
        out!("{}", render::plan_text(&ctx, &plan, render::use_colour(args.common.color)));
    }
    let violations = gates::violations(&ctx.specs, &plan, ctx.provider.manages_organization());
    gates::enforce(&violations, args.allow_gate_violation)?;
    Ok(if args.detailed_exitcode && plan.summary().has_changes() { exit::CHANGES } else { exit::OK })
}
