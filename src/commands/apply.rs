use bankinfra_engine::{ApplyOptions, Executor, Planner, RetryPolicy};

use crate::cli::ApplyArgs;
use crate::commands::confirm;
use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::output::out;
use crate::render;
use crate::{gates, lock};

pub async fn run(args: ApplyArgs) -> Result<i32, Failure> {
    let ctx = Context::load(&args.common).await?;
    lock::locked(&ctx, "apply", apply(&ctx, &args)).await
}

async fn apply(ctx: &Context, args: &ApplyArgs) -> Result<i32, Failure> {
    let colour = render::use_colour(args.common.color);
    let plan =
        Planner::new(ctx.provider.as_ref(), ctx.ownership.clone()).plan(ctx.graph.clone()).await.exit(exit::FAILED)?;
    out!("{}", render::plan_text(ctx, &plan, colour));
    let violations = gates::violations(&ctx.specs, &plan, ctx.provider.manages_organization());
    gates::enforce(&violations, args.allow_gate_violation)?;
    if !plan.summary().has_changes() {
        return Ok(exit::OK);
    }
    confirm(&format!("Apply these changes to {}?", ctx.target()), args.auto_approve)?;
    let options = ApplyOptions {
        parallelism: args.parallelism.into(),
        delete: ctx.delete_options(),
        adopt: args.adopt,
        retry: RetryPolicy::default(),
    };
    let executor = Executor::new(ctx.provider.clone(), options, ctx.ownership.clone());
    let report = executor.apply(&plan, &|event| render::progress(event, colour)).await;
    out!("{}", render::report("Apply", &report));
    Ok(if report.succeeded() { exit::OK } else { exit::FAILED })
}
