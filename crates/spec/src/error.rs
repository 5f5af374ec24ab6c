use std::path::PathBuf;

/// Why the specs could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("unknown stage `{stage}`: {} does not exist (known stages: {known})", path.display())]
    UnknownStage { stage: String, path: PathBuf, known: String },
    #[error("invalid stage name `{stage}`: use lowercase letters, digits and inner hyphens (at most 16), e.g. `dev`")]
    InvalidStageName { stage: String },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid { path: PathBuf, line: usize, column: usize, message: String },
}
