use bankinfra_engine::{ApplyOptions, Executor, RetryPolicy, TargetScope};
use bankinfra_model::Address;

use crate::cli::ApplyArgs;
use crate::commands::{confirm, ensure_confirmable, json_needs_approval, planning};
use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::output::{out, outln};
use crate::progress::{Progress, Verbosity};
use crate::{gates, json_report, lock, lockout, render, saved_plan};

pub async fn run(args: ApplyArgs, verbosity: Verbosity) -> Result<i32, Failure> {
    let saved = args.plan_file.as_deref().map(saved_plan::read).transpose()?;
    let targets = match &saved {
        Some(saved) if !args.targets.addresses.is_empty() => {
            return Err(Failure::new(
                exit::BAD_INPUT,
                anyhow::anyhow!(
                    "--target cannot narrow a saved plan (it applies exactly what was planned{}); plan again with the targets you want",
                    if saved.targets.is_empty() {
                        String::new()
                    } else {
                        format!(", targets {}", saved.targets.join(", "))
                    }
                ),
            ));
        }
        Some(saved) => {
            saved.targets.iter().map(|t| t.parse::<Address>()).collect::<Result<Vec<_>, _>>().exit(exit::BAD_INPUT)?
        }
        None => planning::target_addresses(&args.targets)?,
    };
    // A saved plan was reviewed already: applying the file is the approval.
    json_needs_approval(args.json, args.auto_approve || saved.is_some())?;
    ensure_confirmable(args.auto_approve || saved.is_some())?;
    let ctx = Context::load(&args.common).await?;
    lock::locked(&ctx, "apply", apply(&ctx, &args, saved.as_ref(), &targets, verbosity)).await
}

async fn apply(
    ctx: &Context,
    args: &ApplyArgs,
    saved: Option<&saved_plan::Saved>,
    targets: &[Address],
    verbosity: Verbosity,
) -> Result<i32, Failure> {
    let colour = render::use_colour(args.common.color);
    // A saved plan was reviewed already: applying the file is the approval.
    let approved = args.auto_approve || saved.is_some();
    let planning::Planned { whole, plan } = planning::converge(ctx, targets).await?;
    if let (Some(saved), Some(path)) = (saved, &args.plan_file) {
        saved_plan::ensure_unchanged(saved, &saved_plan::capture(ctx, &plan, targets), path)?;
    }
    if args.json {
        // One document at the end.
    } else if verbosity.quiet() && approved {
        // Nothing to confirm: only the final summary (or that there is nothing to do).
        if !plan.summary().has_changes() {
            out!("{}", render::plan_summary(ctx, &plan));
        }
    } else {
        planning::announce_targets(&plan, targets, TargetScope::WithDependencies);
        out!("{}", render::plan_text(ctx, &plan, colour));
    }
    let violations = gates::violations(&ctx.specs, &whole, &plan, ctx.provider.manages_organization());
    gates::enforce(&violations, args.allow_gate_violation)?;
    let findings = lockout::check(ctx, &whole, &plan).await?;
    if !args.json && !verbosity.quiet() {
        lockout::report(&findings);
    }
    if !plan.summary().has_changes() {
        if args.json {
            outln!("{}", json_report::run_document("apply", ctx, &plan, None, serde_json::json!({})));
        }
        return Ok(exit::OK);
    }
    planning::refuse_silent_adoption(&plan, args.adopt)?;
    planning::refuse_data_loss(&plan, &args.allow_replace)?;
    confirm(&format!("Apply these changes to {}?", ctx.target()), approved)?;
    let options = ApplyOptions {
        parallelism: args.parallelism.into(),
        delete: ctx.delete_options(),
        adopt: args.adopt,
        retry: RetryPolicy::default(),
    };
    let executor = Executor::new(ctx.provider.clone(), options, ctx.ownership.clone());
    if args.json {
        let report = executor.apply(&plan, &|_| {}).await;
        outln!("{}", json_report::run_document("apply", ctx, &plan, Some(&report), serde_json::json!({})));
        return Ok(if report.succeeded() { exit::OK } else { exit::FAILED });
    }
    let progress = Progress::stdout(planning::changing(&plan), verbosity, colour);
    let report = progress.drive(executor.apply(&plan, &|event| progress.event(event))).await;
    out!("{}", render::report("Apply", &report));
    Ok(if report.succeeded() { exit::OK } else { exit::FAILED })
}
