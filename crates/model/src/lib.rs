//! The typed resource model shared by the engine and the providers.
//!
//! This crate has no AWS SDK and no async runtime: it defines what a resource *is* (one typed
//! struct per AWS resource kind), how resources refer to each other (`${address.output}`
//! templates), how desired and live state are compared (semantic field diff), and the
//! [`Provider`] contract that the AWS provider crate implements and the engine calls.

mod address;
mod diff;
mod ownership;
pub mod policy;
pub mod props;
mod provider;
mod resource;
pub mod template;
mod uncompared;

pub use address::{Address, AddressError, Kind};
pub use diff::{FieldChange, diff};
pub use ownership::{Ownership, SCOPE_ORGANIZATION, TAG_ADDRESS, TAG_SCOPE, TAG_STACK, TAG_STAGE};
pub use props::{Props, Tags};
pub use provider::{DataAtRisk, DeleteOptions, ErrorClass, LiveResource, Outputs, Provider, ProviderError, Purge};
pub use resource::Resource;
pub use uncompared::{UNCOMPARED, Uncompared, uncompared};
