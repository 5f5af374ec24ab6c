//! The self-lockout gate of `plan`, `apply`, `destroy` and `destroy-scp`: before any call, the
//! calls the executor would make for the plan (`bankinfra_verify::lockout`) are evaluated under
//! the service control policies in force for the stage's account — those attached now, and
//! those the plan leaves (the stack's SCP as planned) — and a plan either would deny is refused
//! (exit 5), naming the call, the policy and the statement. The SCPs the plan leaves must also
//! fit on the organization root, which takes at most five.

use anyhow::anyhow;
use bankinfra_engine::{Action, Plan};
use bankinfra_model::{Kind, Props};
use bankinfra_verify::lockout::{self, InForce, Lockout, Place, PlannedCall, Verb};

use crate::context::Context;
use crate::exit::{self, Failure};
use crate::gates;
use crate::output::outln;

/// The most SCPs one target (the root) may have attached.
use bankinfra_stack::scp::SCP_MAX_ATTACHED as MAX_ATTACHED;

/// What the gate found out, for the plan's reader.
#[derive(Debug, Default)]
pub struct Findings {
    /// One line per SCP document the stack declares: its name and size.
    pub sizes: Vec<String>,
    /// Why the calls could not be evaluated, if they could not.
    pub not_evaluated: Option<String>,
}

/// Refuses `plan` (cut from `whole` by `--target`) if an SCP would deny one of its calls.
pub async fn check(ctx: &Context, whole: &Plan, plan: &Plan) -> Result<Findings, Failure> {
    let mut findings = Findings { sizes: sizes(whole), not_evaluated: None };
    if !plan.summary().has_changes() {
        // No call to make, none to check.
        return Ok(findings);
    }
    let account = &ctx.specs.stage.account_id;
    let known: Vec<(String, serde_json::Value)> = whole
        .changes
        .iter()
        .filter_map(|c| match c.live.as_ref().map(|l| (&l.physical_id, &l.props)) {
            Some((id, Props::ServiceControlPolicy(p))) => Some((id.clone(), p.policy.clone())),
            _ => None,
        })
        .collect();
    let in_force = match ctx.provider.scps_in_force(account, &known).await {
        Ok(Some(in_force)) => in_force,
        Ok(None) => {
            findings.not_evaluated = Some(format!(
                "the SCPs in force were not read ({} is not set), so no call was checked against them",
                crate::context::ORG_PROFILE_VAR
            ));
            return Ok(findings);
        }
        Err(e) => {
            return Err(Failure::new(
                exit::FAILED,
                anyhow!(e).context("cannot read the service control policies in force for the stage's account"),
            ));
        }
    };
    if !in_force.member || in_force.management_account == *account {
        findings.not_evaluated = Some(format!(
            "account {account} is {}, which SCPs do not restrict",
            if in_force.member { "the organization's management account" } else { "not in the organization" }
        ));
        return Ok(findings);
    }
    let ours: Vec<&str> = whole
        .changes
        .iter()
        .filter(|c| c.address.kind().organization_scoped())
        .filter_map(|c| c.live.as_ref().map(|l| l.physical_id.as_str()))
        .collect();
    let now: Vec<InForce> =
        in_force.policies.iter().map(|p| InForce { name: p.name.clone(), document: p.document.clone() }).collect();
    let mut after: Vec<InForce> = in_force
        .policies
        .iter()
        .filter(|p| !ours.contains(&p.id.as_str()))
        .map(|p| InForce { name: p.name.clone(), document: p.document.clone() })
        .collect();
    let ours_attached_now = in_force.policies.iter().filter(|p| ours.contains(&p.id.as_str())).count();
    let mut ours_attached_after = 0;
    for change in whole.changes.iter().filter(|c| c.address.kind().organization_scoped()) {
        if change.action == Action::Delete {
            continue;
        }
        if let Some(Props::ServiceControlPolicy(p)) = whole.desired(change).map(|d| &d.props)
            && p.attach_to_root
        {
            after.push(InForce { name: p.name.clone(), document: p.policy.clone() });
            ours_attached_after += 1;
        }
    }
    let attached = in_force.root_attachments + ours_attached_after - ours_attached_now.min(in_force.root_attachments);
    if attached > MAX_ATTACHED {
        return Err(Failure::new(
            exit::REFUSED,
            anyhow!(
                "the organization root would have {attached} SCPs attached ({} now, {ours_attached_after} of this stack's after the plan); AWS allows {MAX_ATTACHED} per target. Fewer `also_deny` actions or services in specs/ make the stack's SCP smaller (nothing was changed)",
                in_force.root_attachments
            ),
        ));
    }
    let calls = planned_calls(ctx, whole, plan);
    let caller = lockout::principal_of(&ctx.identity.arn, account);
    let mut found: Vec<Lockout> = lockout::lockouts(&calls, &caller, &now, "the SCPs in force now");
    found.extend(lockout::lockouts(&calls, &caller, &after, "the SCPs this plan leaves"));
    if found.is_empty() {
        return Ok(findings);
    }
    let mut lines: Vec<String> = found.iter().map(|l| format!("  {l}")).collect();
    lines.sort();
    lines.dedup();
    Err(Failure::new(
        exit::REFUSED,
        anyhow!(
            "a service control policy would deny {} call(s) of this plan, so it would fail part-way and lock this stack (and others) out; fix the SCP in specs/ (`[scp]`), or apply the SCP alone first with `--target service_control_policy.required-tags` if the new one allows them (nothing was changed):\n{}",
            lines.len(),
            lines.join("\n")
        ),
    ))
}

/// Every call of `plan`, with what each resource will be (or, for a delete, is).
fn planned_calls(ctx: &Context, whole: &Plan, plan: &Plan) -> Vec<PlannedCall> {
    let at = Place { region: &ctx.specs.stage.region, account: &ctx.specs.stage.account_id };
    let prospective = gates::prospective_state(&ctx.specs, whole, plan);
    let mut calls = Vec::new();
    for change in &plan.changes {
        let verbs: &[Verb] = match change.action {
            Action::NoOp => &[],
            Action::Create => &[Verb::Create],
            Action::Update | Action::Adopt => &[Verb::Update],
            Action::Replace => &[Verb::Delete, Verb::Create],
            Action::Delete => &[Verb::Delete],
        };
        for verb in verbs {
            let state = match verb {
                Verb::Delete => change.live.as_ref(),
                _ => prospective.iter().find(|l| l.address == change.address).or(change.live.as_ref()),
            };
            if let Some(state) = state {
                calls.extend(lockout::planned_calls(&change.address, *verb, &state.props, &state.outputs, at));
            }
        }
    }
    calls
}

/// `name: N characters` for each SCP document the stack declares.
fn sizes(whole: &Plan) -> Vec<String> {
    whole
        .graph
        .resources()
        .iter()
        .filter(|r| r.address.kind() == Kind::ServiceControlPolicy)
        .filter_map(|r| match &r.props {
            Props::ServiceControlPolicy(p) => Some(format!(
                "SCP {}: {} of {} characters",
                p.name,
                bankinfra_stack::scp::size(&p.policy),
                bankinfra_stack::scp::SCP_MAX_CHARACTERS
            )),
            _ => None,
        })
        .collect()
}

/// Prints the SCP sizes (stdout, with the plan) and, on stderr, why calls went unchecked.
pub fn report(findings: &Findings) {
    for line in &findings.sizes {
        outln!("{line}");
    }
    if let Some(why) = &findings.not_evaluated {
        eprintln!("notice: self-lockout check: {why}");
    }
}
