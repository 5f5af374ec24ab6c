use anyhow::anyhow;
use bankinfra_engine::{ApplyOptions, Executor, RetryPolicy, TargetScope};
use bankinfra_model::Address;

use crate::cli::DestroyArgs;
use crate::commands::{confirm, ensure_confirmable, planning};
use crate::context::Context;
use crate::exit::{self, Failure};
use crate::output::{out, outln};
use crate::{lock, render};

pub async fn run(args: DestroyArgs) -> Result<i32, Failure> {
    let targets = planning::target_addresses(&args.targets)?;
    ensure_confirmable(args.auto_approve)?;
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
    lock::locked(&ctx, "destroy", destroy(&ctx, &args, &targets)).await
}

async fn destroy(ctx: &Context, args: &DestroyArgs, targets: &[Address]) -> Result<i32, Failure> {
    let colour = render::use_colour(args.common.color);
    let plan = planning::destroy(ctx, targets).await?;
    if !plan.summary().has_changes() {
        outln!("Nothing to destroy: {} holds no resource of this stack.", ctx.target());
        return Ok(exit::OK);
    }
    planning::announce_targets(&plan, targets, TargetScope::WithDependents);
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
