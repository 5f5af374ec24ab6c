//! `bankinfra verify`: the design's acceptance table — FR-417, FR-418, FR-419, FR-420, GOV-005,
//! GOV-006, DT-002 — as data-driven checks over the live state of a stage.
//!
//! Each requirement is a table of check templates expanded over the stack's items (buses,
//! buckets, keys, pools, ...). Their expected values are the design's (`design`), not the specs':
//! a spec edit that departs from the design fails. Most checks compare live attributes; the GATE
//! and LOG checks evaluate the policy documents read back from live state with the IAM policy
//! evaluator (`bankinfra-policy`), so they prove what AWS would decide for the requests that
//! matter (an unencrypted PUT, an untagged Create*, a delete of a trail log) — on any endpoint,
//! including emulators that do not enforce those policies. The data paths (`paths`) evaluate
//! every service-to-service use of the stack the same way, each reported under its requirement.

#[cfg(test)]
mod acceptance_tests;
mod arns;
mod checks;
mod contract;
mod design;
mod facts;
mod fr_420;
mod gates;
pub mod lockout;
mod paths;
mod report;
#[cfg(test)]
mod testing;

pub use arns::predicted_arn;
pub use checks::{Basis, CheckResult, Mode, Outcome, REQUIREMENTS, Requirement};
pub use facts::Facts;
pub use paths::{DataPath, Expect, all as data_paths, markdown as data_paths_markdown};
pub use report::{Report, RequirementRow};

/// Runs every check, data paths included, against `facts`.
pub fn verify(facts: &Facts<'_>) -> Report {
    let checks = checks::all(facts.specs).into_iter().chain(paths::checks(facts.specs));
    Report::new(checks.map(|c| c.run(facts)).collect())
}

/// The checks that prove a GATE requirement by evaluating policy documents — those a plan must
/// not break. Run over the state a plan would leave (`facts` from desired documents), they fail
/// when a change would let through what a GATE must block. GOV-005 is left out when the
/// organization is not managed here (its SCP is then not part of the plan). Every data path
/// is such a check too: a plan that would break one is refused like a GATE.
pub fn gate_violations(facts: &Facts<'_>) -> Vec<CheckResult> {
    let gates: Vec<&str> = REQUIREMENTS.iter().filter(|r| r.mode == Mode::Gate).map(|r| r.id).collect();
    checks::all(facts.specs)
        .into_iter()
        .filter(|c| c.is_evaluated() && gates.contains(&c.requirement()))
        .filter(|c| facts.organization_read || c.requirement() != "GOV-005")
        .chain(paths::checks(facts.specs))
        .map(|c| c.run(facts))
        .filter(CheckResult::is_failed)
        .collect()
}
