use anyhow::anyhow;
use bankinfra_engine::{ApplyOptions, Executor, Planner, RetryPolicy};

use crate::cli::DestroyArgs;
use crate::commands::confirm;
use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::output::{out, outln};
use crate::{lock, render};

pub async fn run(args: DestroyArgs) -> Result<i32, Failure> {
    let ctx = Context::load(&args.common).await?;
    let stage = &ctx.specs.stage;
    if stage.switches.destroy_protected && args.confirm_stage.as_deref() != Some(stage.name.as_str()) {
        return Err(Failure::new(
            exit::REFUSED,
            anyhow!(
                "stage `{}` is protected; to destroy it, add --confirm-stage {} (nothing was changed)",
                stage.name,
                stage.name
            ),
        ));
    }
    lock::locked(&ctx, "destroy", destroy(&ctx, &args)).await
}

async fn destroy(ctx: &Context, args: &DestroyArgs) -> Result<i32, Failure> {
    let colour = render::use_colour(args.common.color);
    let plan = Planner::new(ctx.provider.as_ref(), ctx.ownership.clone())
        .plan_destroy(ctx.graph.clone())
        .await
        .exit(exit::FAILED)?;
    if !plan.summary().has_changes() {
        outln!("Nothing to destroy: {} holds no resource of this stack.", ctx.target());
        return Ok(exit::OK);
    }
    out!("{}", render::plan_text(ctx, &plan, colour));
    confirm(&format!("Destroy everything listed above in {}?", ctx.target()), args.auto_approve)?;
    let options = ApplyOptions {
        parallelism: args.parallelism.into(),
        delete: ctx.delete_options(),
        adopt: false,
        retry: RetryPolicy::default(),
    };
    let report = Executor::new(ctx.provider.clone(), options, ctx.ownership.clone())
        .apply(&plan, &|event| render::progress(event, colour))
        .await;
    out!("{}", render::report("Destroy", &report));
    Ok(if report.succeeded() { exit::OK } else { exit::FAILED })
}
