//! The engine: dependency graph, planner and executor.
//!
//! Generic over the [`Provider`](bankinfra_model::Provider) contract: nothing here knows about
//! AWS services or MOD-104. The planner only reads; the executor only calls the provider.

mod error;
pub mod execute;
pub mod graph;
pub mod plan;
pub mod retry;

pub use error::EngineError;
pub use execute::{ApplyOptions, ApplyReport, Event, Executor, Outcome};
pub use graph::ResourceGraph;
pub use plan::{Action, Plan, Planner, ResourceChange, Summary, TargetScope};
pub use retry::{RetryPolicy, Wait};
