use bankinfra_model::{Address, ProviderError};

/// Why the engine could not build a graph or a plan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error("resource {0} is declared twice")]
    DuplicateAddress(Address),
    #[error("resource {from} refers to {to}, which is not declared")]
    UnknownReference { from: Address, to: Address },
    #[error("resource {address} has an invalid reference: {message}")]
    InvalidReference { address: Address, message: String },
    #[error("dependency cycle through {0}")]
    Cycle(Address),
    #[error("reading live state")]
    Read(#[source] ProviderError),
    #[error("{address} is owned by stack `{stack}` stage `{stage}`, not by this stack and stage; refusing to touch it")]
    ForeignOwner { address: Address, stack: String, stage: String },
    #[error("{address} exists more than once ({ids}); remove the duplicates by hand before planning")]
    DuplicateLive { address: Address, ids: String },
}
