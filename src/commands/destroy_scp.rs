//! `destroy-scp`: removes the stack's resources of the organization (the tag-enforcement SCP),
//! which a stage's `destroy` keeps because they govern every stage.

use anyhow::anyhow;
use bankinfra_engine::{ApplyOptions, Executor, Planner, RetryPolicy};

use crate::cli::DestroyScpArgs;
use crate::commands::{confirm, ensure_confirmable, planning};
use crate::context::{Context, ORG_PROFILE_VAR};
use crate::exit::{self, Failure};
use crate::output::{out, outln};
use crate::progress::{Progress, Verbosity};
use crate::{lock, lockout, render};

pub async fn run(args: DestroyScpArgs, verbosity: Verbosity) -> Result<i32, Failure> {
    ensure_confirmable(args.auto_approve)?;
    let ctx = Context::load(&args.common).await?;
    if !ctx.provider.manages_organization() {
        return Err(Failure::new(
            exit::BAD_INPUT,
            anyhow!("destroy-scp acts in the organization's management account: set {ORG_PROFILE_VAR} to its profile"),
        ));
    }
    lock::locked(&ctx, "destroy-scp", destroy_scp(&ctx, &args, verbosity)).await
}

async fn destroy_scp(ctx: &Context, args: &DestroyScpArgs, verbosity: Verbosity) -> Result<i32, Failure> {
    let colour = render::use_colour(args.common.color);
    let planner = Planner::new(ctx.provider.as_ref(), ctx.ownership.clone());
    let plan = planner.plan_destroy_organization(ctx.graph.clone()).await.map_err(|e| Failure::new(exit::FAILED, e))?;
    if !plan.summary().has_changes() {
        outln!("Nothing to remove: the organization holds no SCP of this stack.");
        return Ok(exit::OK);
    }
    lockout::check(ctx, &plan, &plan).await?;
    out!("{}", render::plan_text(ctx, &plan, colour));
    confirm(
        "Remove these SCPs from the organization? They govern every account of it, every stage of this stack included.",
        args.auto_approve,
    )?;
    let options =
        ApplyOptions { parallelism: 4, delete: ctx.delete_options(), adopt: false, retry: RetryPolicy::default() };
    let executor = Executor::new(ctx.provider.clone(), options, ctx.ownership.clone());
    let progress = Progress::stdout(planning::changing(&plan), verbosity, colour);
    let report = progress.drive(executor.apply(&plan, &|event| progress.event(event))).await;
    out!("{}", render::report("Destroy", &report));
    Ok(if report.succeeded() { exit::OK } else { exit::FAILED })
}
