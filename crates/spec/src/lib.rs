//! Loading and validation of bankinfra's input data: the stack spec (`specs/<stack>.toml`) and
//! one stage file per environment (`specs/stages/<stage>.toml`).
//!
//! Every error names the file, line and column of the offending value. Nothing here talks to
//! AWS; the result is plain data that `bankinfra-stack` turns into resources.

mod cidr;
mod error;
mod location;
mod stack;
mod stage;

pub use cidr::Ipv4Cidr;
pub use error::SpecError;
pub use stack::{
    BucketSpec, BusSpec, Classification, ClientSpec, CloudTrailSpec, CognitoSpec, EventBridgeSpec, FirehoseSpec,
    IamSpec, KeySpec, LAMBDA_GRANTS, LOG_RETENTION_DAYS, LambdaRoleSpec, LifecycleSpec, ModuleSpec, NetworkSpec,
    ObjectLockSpec, ObservabilitySpec, OutputSpec, PoolSpec, ScpSpec, StackSpec, StreamSpec, SubnetSpec, SubnetTier,
};
pub use stage::{StageSpec, StageSwitches};

use std::path::{Path, PathBuf};

/// A stack spec together with the stage it is deployed to.
#[derive(Debug, Clone)]
pub struct Specs {
    pub stack: StackSpec,
    pub stage: StageSpec,
}

/// File name of the stack spec inside the specs directory.
pub const STACK_FILE: &str = "mod-104.toml";

/// Loads and validates the stack spec and the named stage from `dir`.
pub fn load(dir: &Path, stage: &str) -> Result<Specs, SpecError> {
    if !is_stage_name(stage) {
        return Err(SpecError::InvalidStageName { stage: stage.to_string() });
    }
    let stage_path = stage_file(dir, stage);
    if !stage_path.is_file() {
        return Err(SpecError::UnknownStage {
            stage: stage.to_string(),
            path: stage_path,
            known: known_stages(dir).join(", "),
        });
    }
    let stage = stage::load(&stage_path)?;
    let stack = stack::load(&dir.join(STACK_FILE), &stage)?;
    Ok(Specs { stack, stage })
}

/// Stage names are lowercase letters, digits and inner hyphens: they become part of resource
/// names, tags and SSM paths, and must never reach outside `stages/` as a path.
pub fn is_stage_name(stage: &str) -> bool {
    !stage.is_empty()
        && stage.len() <= 16
        && stage.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !stage.starts_with('-')
        && !stage.ends_with('-')
}

/// Path of a stage's file.
pub fn stage_file(dir: &Path, stage: &str) -> PathBuf {
    dir.join("stages").join(format!("{stage}.toml"))
}

/// Names of the stages that have a file in `dir/stages`, sorted.
pub fn known_stages(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("stages"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    names
}

fn read(path: &Path) -> Result<String, SpecError> {
    std::fs::read_to_string(path).map_err(|source| SpecError::Read { path: path.to_path_buf(), source })
}
