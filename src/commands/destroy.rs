use anyhow::anyhow;
use bankinfra_engine::{ApplyOptions, Executor, RetryPolicy, TargetScope};
use bankinfra_model::Address;

use crate::cli::DestroyArgs;
use crate::commands::{confirm, ensure_confirmable, json_needs_approval, planning};
use crate::context::Context;
use crate::exit::{self, Failure};
use crate::output::{out, outln};
use crate::progress::{Progress, Verbosity};
use crate::{data_loss, json_report, lock, lockout, render};

pub async fn run(args: DestroyArgs, verbosity: Verbosity) -> Result<i32, Failure> {
    let targets = planning::target_addresses(&args.targets)?;
    json_needs_approval(args.json, args.auto_approve)?;
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
    lock::locked(&ctx, "destroy", destroy(&ctx, &args, &targets, verbosity)).await
}

async fn destroy(ctx: &Context, args: &DestroyArgs, targets: &[Address], verbosity: Verbosity) -> Result<i32, Failure> {
    let colour = render::use_colour(args.common.color);
    let plan = planning::destroy(ctx, targets).await?;
    let kept = kept_for_the_organization(ctx, &plan);
    if !plan.summary().has_changes() {
        if args.json {
            let retained: Vec<serde_json::Value> =
                kept.iter().map(|(a, r)| serde_json::json!({"address": a, "reason": r})).collect();
            outln!(
                "{}",
                json_report::run_document("destroy", ctx, &plan, None, serde_json::json!({"retained": retained}))
            );
        } else {
            print_kept(&kept);
            outln!("Nothing to destroy: {} holds no resource of this stack.", ctx.target());
        }
        return Ok(exit::OK);
    }
    lockout::check(ctx, &plan, &plan).await?;
    let counts = data_loss::count(ctx.provider.clone(), &plan).await;
    let (plan, loss) = data_loss::assess(plan, counts, &rules(ctx, args));
    let retained = || {
        let retained: Vec<serde_json::Value> = loss
            .retained
            .iter()
            .map(|r| serde_json::json!({"address": r.address.to_string(), "reason": r.reason}))
            .chain(kept.iter().map(|(a, r)| serde_json::json!({"address": a, "reason": r})))
            .collect();
        serde_json::json!({"retained": retained, "kms_deletion_window_days": loss.kms_window_days})
    };
    if !plan.summary().has_changes() && args.json {
        outln!("{}", json_report::run_document("destroy", ctx, &plan, None, retained()));
        return Ok(exit::OK);
    }
    if !plan.summary().has_changes() {
        out!("{}", render::data_loss(&loss));
        print_kept(&kept);
        outln!("Nothing else to destroy: what is left of this stack on {} is retained.", ctx.target());
        return Ok(exit::OK);
    }
    // Quiet and approved: nothing to confirm, so only the final summary.
    if !(args.json || verbosity.quiet() && args.auto_approve) {
        planning::announce_targets(&plan, targets, TargetScope::WithDependents);
        out!("{}", render::plan_text(ctx, &plan, colour));
        out!("\n{}", render::data_loss(&loss));
        print_kept(&kept);
    }
    confirm(&format!("Destroy everything listed above in {}?", ctx.target()), args.auto_approve)?;
    let options = ApplyOptions {
        parallelism: args.parallelism.into(),
        delete: data_loss::delete_options(ctx.delete_options(), &loss),
        adopt: false,
        retry: RetryPolicy::default(),
    };
    let executor = Executor::new(ctx.provider.clone(), options, ctx.ownership.clone());
    if args.json {
        let report = executor.apply(&plan, &|_| {}).await;
        outln!("{}", json_report::run_document("destroy", ctx, &plan, Some(&report), retained()));
        return Ok(if report.succeeded() { exit::OK } else { exit::FAILED });
    }
    let progress = Progress::stdout(planning::changing(&plan), verbosity, colour);
    let report = progress.drive(executor.apply(&plan, &|event| progress.event(event))).await;
    out!("{}", render::report("Destroy", &report));
    out!("{}", render::destroyed_data(&loss, &report));
    Ok(if report.succeeded() { exit::OK } else { exit::FAILED })
}

/// The organization's resources the destroy leaves, each with why.
fn kept_for_the_organization(ctx: &Context, plan: &bankinfra_engine::Plan) -> Vec<(String, String)> {
    plan.kept
        .iter()
        .map(|a| {
            let reason = format!(
                "belongs to the organization and governs every stage, not only `{}`; `bankinfra destroy-scp --stage {}` removes it",
                ctx.specs.stage.name, ctx.specs.stage.name
            );
            (a.to_string(), reason)
        })
        .collect()
}

fn print_kept(kept: &[(String, String)]) {
    for (address, reason) in kept {
        outln!("Kept: {address} ({reason}).");
    }
}

/// What this destroy may delete: the stage's switches and the command's flags.
fn rules(ctx: &Context, args: &DestroyArgs) -> data_loss::Rules {
    let switches = &ctx.specs.stage.switches;
    data_loss::Rules {
        stage: ctx.specs.stage.name.clone(),
        stage_purges: switches.purge_data_on_destroy,
        purge_data: args.purge_data || args.bypass_governance_retention,
        bypass_governance: args.bypass_governance_retention,
        kms_window_days: switches.kms_deletion_window_days,
    }
}
