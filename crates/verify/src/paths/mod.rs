//! The stack's data paths: every service-to-service use of what MOD-104 builds, as AWS makes
//! the request — who calls (a service principal, or a session of a role a service assumed),
//! which action on which resource, and the request context AWS sends — each with the AWS page
//! it comes from, plus the negative paths the design relies on.
//!
//! Each path is evaluated with `bankinfra-policy` over the documents in force (identity and
//! trust policies, resource and key policies, the SCPs read from the organization): `verify`
//! over the live documents, `plan`/`apply` over those the plan would leave. The table is
//! rendered in `docs/data-paths.md` ([`markdown`]).

mod access;
mod cloudtrail;
mod delivery;
mod lambda;
mod policies;

use bankinfra_policy::{Evaluation, PolicySet, Request, evaluate};
use bankinfra_spec::Specs;

use crate::checks::{Basis, Check};
use crate::facts::Facts;

/// What AWS must decide for a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Allowed,
    Denied,
}

/// One request AWS would authorise, with the policies that decide it.
pub(crate) struct Case {
    request: Request,
    policies: PolicySet,
    /// The policies' names, for explanations.
    consulted: Vec<String>,
}

impl Case {
    fn new(request: Request) -> Self {
        Case { request, policies: PolicySet::new(), consulted: Vec::new() }
    }

    /// Adds a key to the request's context.
    fn request_with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.request = self.request.with(key, value);
        self
    }
}

type Build<'s> = Box<dyn Fn(&Facts<'_>) -> Result<Case, String> + 's>;

/// One row of the data-path table.
pub struct DataPath<'s> {
    pub requirement: &'static str,
    /// What the path is for, e.g. "CloudTrail writes a log file into the trail bucket".
    pub name: String,
    /// The caller, as AWS sees it.
    pub caller: String,
    pub action: String,
    /// The resource, as a pattern (`{stage}`, `{account}` ... stand for the stage's values).
    pub resource: String,
    /// The request context AWS sends.
    pub context: String,
    pub expect: Expect,
    /// The AWS page the request and its context come from (or, for a grant, the design's section).
    pub source: &'static str,
    build: Build<'s>,
}

impl<'s> DataPath<'s> {
    /// Evaluates the path over `facts`: `Err` names the path, the decision, the deciding
    /// statements and the policies consulted when AWS would decide otherwise than expected.
    pub(crate) fn run(&self, facts: &Facts<'_>) -> Result<(), String> {
        let (case, evaluation) = self.evaluate(facts)?;
        let expected = match self.expect {
            Expect::Allowed => evaluation.is_allowed(),
            Expect::Denied => !evaluation.is_allowed(),
        };
        if expected {
            return Ok(());
        }
        let want = if self.expect == Expect::Allowed { "allowed" } else { "denied" };
        Err(format!(
            "{} {} on {} should be {want}, but is {evaluation} (policies evaluated: {})",
            self.caller,
            case.request.action,
            case.request.resource,
            case.consulted.join(", ")
        ))
    }

    /// AWS's decision for the path's request over `facts`.
    fn evaluate(&self, facts: &Facts<'_>) -> Result<(Case, Evaluation), String> {
        let case = (self.build)(facts)?;
        let evaluation = evaluate(&case.request, &case.policies);
        Ok((case, evaluation))
    }

    fn check(self) -> Check<'s> {
        let name = format!("data path: {}", self.name);
        let requirement = self.requirement;
        Check::new(requirement, name, Basis::Evaluated, move |f| self.run(f))
    }
}

/// Builder of [`DataPath`]s, so each table reads as its rows.
pub(crate) struct Row {
    requirement: &'static str,
    name: String,
    caller: String,
    action: String,
    resource: String,
    context: String,
    expect: Expect,
    source: &'static str,
}

impl Row {
    pub(crate) fn new(requirement: &'static str, name: impl Into<String>, source: &'static str) -> Self {
        Row {
            requirement,
            name: name.into(),
            caller: String::new(),
            action: String::new(),
            resource: String::new(),
            context: "—".into(),
            expect: Expect::Allowed,
            source,
        }
    }

    pub(crate) fn call(mut self, caller: impl Into<String>, action: &str, resource: impl Into<String>) -> Self {
        self.caller = caller.into();
        self.action = action.to_string();
        self.resource = resource.into();
        self
    }

    pub(crate) fn context(mut self, context: impl Into<String>) -> Self {
        self.context = context.into();
        self
    }

    pub(crate) fn denied(mut self) -> Self {
        self.expect = Expect::Denied;
        self
    }

    pub(crate) fn build<'s>(self, build: impl Fn(&Facts<'_>) -> Result<Case, String> + 's) -> DataPath<'s> {
        DataPath {
            requirement: self.requirement,
            name: self.name,
            caller: self.caller,
            action: self.action,
            resource: self.resource,
            context: self.context,
            expect: self.expect,
            source: self.source,
            build: Box::new(build),
        }
    }
}

/// Every data path of the stack in `specs`.
pub fn all(specs: &Specs) -> Vec<DataPath<'_>> {
    let mut out = Vec::new();
    out.extend(cloudtrail::paths(specs));
    out.extend(delivery::paths(specs));
    out.extend(lambda::paths(specs));
    out.extend(access::paths(specs));
    out
}

#[cfg(test)]
mod tests;

/// The data paths as acceptance checks, each under its requirement.
pub(crate) fn checks(specs: &Specs) -> Vec<Check<'_>> {
    all(specs).into_iter().map(DataPath::check).collect()
}

/// The table as Markdown, for `docs/data-paths.md`.
pub fn markdown(specs: &Specs) -> String {
    let mut out = String::from(
        "| # | Requirement | Path | Caller | Action | Resource | Request context | AWS decides | Source |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for (i, p) in all(specs).iter().enumerate() {
        let expect = if p.expect == Expect::Allowed { "allow" } else { "**deny**" };
        let cell = |s: &str| s.replace('|', "\\|");
        out.push_str(&format!(
            "| {} | {} | {} | {} | `{}` | `{}` | {} | {expect} | {} |\n",
            i + 1,
            p.requirement,
            cell(&p.name),
            cell(&p.caller),
            p.action,
            cell(&p.resource),
            cell(&p.context),
            if p.source.starts_with("https://") { format!("<{}>", p.source) } else { p.source.to_string() }
        ));
    }
    out
}
