//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "bankinfra",
    version,
    about = "Plan, apply and destroy the bank's MOD-104 shared AWS infrastructure",
    after_help = "Examples:\n  bankinfra plan                      # stage local (the emulator)\n  bankinfra plan --stage dev --detailed-exitcode\n  bankinfra apply --stage dev --auto-approve\n  bankinfra destroy --stage local --auto-approve\n  bankinfra outputs --stage dev --json\n  bankinfra graph --stage local | dot -Tsvg > stack.svg"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print only the final summary and errors (plan: only its summary line). A plan that must
    /// be confirmed is still shown in full.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail: -v adds the error behind each retry and readiness wait, and warnings from
    /// the AWS SDK on stderr; -vv also keeps a line for every state change on a terminal and logs
    /// each AWS request attempt (the SDK's debug log). RUST_LOG (e.g.
    /// `aws_smithy_runtime=debug`) sets the log filter explicitly.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what apply would change, comparing specs/ with live AWS state. Never changes anything.
    Plan(PlanArgs),
    /// Create, update, replace and delete resources until live state matches specs/.
    Apply(ApplyArgs),
    /// Delete everything this stack owns on the stage, dependents first.
    ///
    /// Before asking for confirmation, destroy shows the data that would be lost: each bucket's
    /// objects, versions, delete markers, size and Object Lock; each user pool's users; each log
    /// group's stored bytes; and what each KMS key encrypts, with the pending window after which
    /// AWS deletes it (the stage's kms_deletion_window_days; an apply within the window restores
    /// the key).
    ///
    /// Buckets: an empty bucket is deleted. One that holds data is emptied and deleted where the
    /// stage says purge_data_on_destroy (local); on the other stages (dev, uat, prod) it is
    /// retained, unless --purge-data (no Object Lock) or --bypass-governance-retention
    /// (GOVERNANCE-mode Object Lock) is given. A bucket under COMPLIANCE-mode Object Lock that
    /// holds data is always retained. A retained bucket keeps the key that encrypts it (and
    /// anything else it refers to); retained resources are listed with the reason and stay
    /// owned by the stack, so a later apply manages them again.
    ///
    /// Protected stages (uat, prod) also need --confirm-stage.
    Destroy(DestroyArgs),
    /// Detach and delete the stack's tag-enforcement SCP from the organization (through
    /// BANK_ORG_PROFILE). It belongs to the organization and governs every stage's account, so
    /// `destroy` never touches it; this is its own confirmed operation.
    DestroyScp(DestroyScpArgs),
    /// Print the SSM outputs the stack published under /bank/{stage}/.
    Outputs(OutputsArgs),
    /// Draw the dependency graph (Graphviz DOT or SVG), nodes coloured by planned action.
    Graph(GraphArgs),
    /// Remove the stage's lock left by a run that died (asks first; see the lock's holder).
    Unlock(UnlockArgs),
    /// Print a shell completion script: `bankinfra completions bash > /etc/bash_completion.d/bankinfra`.
    Completions(CompletionsArgs),
    /// Run the design's acceptance checks (FR-417..FR-420, GOV-005, GOV-006, DT-002) against
    /// live state and print the acceptance table. Never changes anything.
    Verify(VerifyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Stage to work on: a file specs/stages/<stage>.toml.
    #[arg(long, short, default_value = "local", env = "BANKINFRA_STAGE")]
    pub stage: String,
    /// Directory holding mod-104.toml and stages/.
    #[arg(long, default_value = "specs", env = "BANKINFRA_SPECS")]
    pub specs: PathBuf,
    /// Colour in output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  bankinfra plan                                    # stage local, on the emulator
  bankinfra plan --stage dev --detailed-exitcode    # exit 2 when there are changes (CI)
  bankinfra plan --stage dev --out plan.json        # review it, then: bankinfra apply --stage dev plan.json
  bankinfra plan --stage dev --target kms_key.pii   # only this key and what it depends on
  bankinfra plan --stage dev --json | jq '.summary'")]
pub struct PlanArgs {
    #[command(flatten)]
    pub common: Common,
    /// Print the plan as JSON (format: docs/json-output.md).
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Show the plan even if it breaks a GATE policy (GOV-005, DT-002), instead of refusing.
    #[arg(long)]
    pub allow_gate_violation: bool,
    /// Print the attributes the planner deliberately does not compare, with the reason for
    /// each, and exit (no AWS call).
    #[arg(long)]
    pub list_uncompared: bool,
    /// Also save the plan to FILE, with a fingerprint of the specs and live state it was made
    /// from; `bankinfra apply FILE` executes exactly it, or refuses if anything changed since.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub targets: Targets,
}

/// `--target`: limit the run to some resources.
#[derive(Debug, Clone, Args)]
pub struct Targets {
    /// Limit to this resource (e.g. kms_key.pii) and what it depends on (for destroy: what
    /// depends on it). Repeatable.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub addresses: Vec<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  bankinfra apply                                   # stage local: shows the plan, asks for 'yes'
  bankinfra apply --stage dev --auto-approve        # CI (no terminal): needs --auto-approve
  bankinfra apply --stage dev plan.json             # exactly the saved plan, or a refusal naming what moved
  bankinfra apply --stage dev --target s3_bucket.documents
  bankinfra apply --stage dev --adopt               # tag resources the old deployment made, and manage them
  bankinfra apply --stage dev --allow-replace cognito_user_pool.staff")]
pub struct ApplyArgs {
    #[command(flatten)]
    pub common: Common,
    /// A plan saved by `bankinfra plan --out FILE`: apply exactly it (refused if the specs or
    /// live state changed since it was made).
    #[arg(value_name = "PLAN_FILE")]
    pub plan_file: Option<PathBuf>,
    #[command(flatten)]
    pub targets: Targets,
    /// Print one JSON document when the run ends (docs/schemas/run.schema.json) instead of the
    /// plan and progress; needs --auto-approve or a saved plan.
    #[arg(long)]
    pub json: bool,
    /// Allow replacing this resource although it holds data (a bucket, key, user pool or log
    /// group): the old one and its data are deleted. Repeatable.
    #[arg(long, value_name = "ADDRESS")]
    pub allow_replace: Vec<String>,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Most AWS operations in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// Bring existing resources that lack this stack's ownership tags under management.
    #[arg(long)]
    pub adopt: bool,
    /// Apply even if the plan breaks a GATE policy (GOV-005, DT-002). Loudly; never in routine use.
    #[arg(long)]
    pub allow_gate_violation: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  bankinfra destroy                                 # stage local: lists what would be lost, asks for 'yes'
  bankinfra destroy --stage uat --confirm-stage uat --auto-approve
  bankinfra destroy --stage dev --target s3_bucket.reports
  bankinfra destroy --stage dev --purge-data        # also empty and delete buckets holding data")]
pub struct DestroyArgs {
    #[command(flatten)]
    pub common: Common,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Most AWS operations in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// Print one JSON document when the run ends (docs/schemas/run.schema.json) instead of the
    /// plan, data summary and progress; needs --auto-approve.
    #[arg(long)]
    pub json: bool,
    /// Required on protected stages (uat, prod): repeat the stage name to confirm.
    #[arg(long, value_name = "STAGE")]
    pub confirm_stage: Option<String>,
    /// On a stage that keeps bucket data on destroy (purge_data_on_destroy = false): empty the
    /// buckets that hold data and delete them, instead of retaining them. Buckets under Object
    /// Lock still need --bypass-governance-retention.
    #[arg(long)]
    pub purge_data: bool,
    /// Also empty buckets under GOVERNANCE-mode Object Lock, deleting their locked object
    /// versions (needs s3:BypassGovernanceRetention), and delete them. Implies --purge-data.
    /// COMPLIANCE-mode data can never be deleted before its retention ends.
    #[arg(long)]
    pub bypass_governance_retention: bool,
    #[command(flatten)]
    pub targets: Targets,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  BANK_ORG_PROFILE=bank-org bankinfra destroy-scp --stage dev   # lists the SCPs, asks for 'yes'")]
pub struct DestroyScpArgs {
    #[command(flatten)]
    pub common: Common,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub auto_approve: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  bankinfra outputs --stage dev
  bankinfra outputs --stage dev --json | jq -r '.\"/bank/dev/kms/pii/arn\"'")]
pub struct OutputsArgs {
    #[command(flatten)]
    pub common: Common,
    /// Print the outputs as a JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  bankinfra verify --stage dev                      # the acceptance table; exit 1 if a check fails
  bankinfra verify --stage dev --junit verify.xml   # also JUnit XML for the CI's test report
  bankinfra verify --stage dev --probe              # also send the GATE probe requests")]
pub struct VerifyArgs {
    #[command(flatten)]
    pub common: Common,
    /// Print the report as JSON (format: docs/json-output.md).
    #[arg(long)]
    pub json: bool,
    /// Also write the report as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also send the GATE probes: real requests the policies must reject (an unencrypted PUT, a
    /// delete of a trail log) or accept (an encrypted PUT, deleted again).
    #[arg(long)]
    pub probe: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  bankinfra graph --stage local > stack.dot\n  bankinfra graph --stage dev --format svg --critical-path > stack.svg"
)]
pub struct GraphArgs {
    #[command(flatten)]
    pub common: Common,
    /// `dot` (Graphviz source) or `svg` (rendered by Graphviz's `dot`, which must be installed).
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Highlight the longest chain of dependent resources: nothing can finish sooner.
    #[arg(long)]
    pub critical_path: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Svg,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  bankinfra unlock --stage dev                      # shows the holder, asks before removing it")]
pub struct UnlockArgs {
    #[command(flatten)]
    pub common: Common,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub auto_approve: bool,
}
