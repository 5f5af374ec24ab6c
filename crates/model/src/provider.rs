//! The contract between the engine and a cloud provider.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::Serialize;

use crate::{Address, FieldChange, Kind, Ownership, Props, Resource};

/// Named outputs of a live resource (`id`, `arn`, `name`, ...), referenced by
/// `${address.output}` templates.
pub type Outputs = BTreeMap<String, String>;

/// A resource as it exists in the cloud.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveResource {
    pub address: Address,
    /// The provider's identifier (VPC ID, key ID, bucket name, parameter name).
    pub physical_id: String,
    pub props: Props,
    pub outputs: Outputs,
}

/// How far a delete may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteOptions {
    /// Empty buckets first: every object version and delete marker, bypassing GOVERNANCE retention.
    pub purge_data: bool,
    /// Pending window before a KMS key is deleted.
    pub kms_deletion_window_days: u32,
}

/// Reads and changes resources. Implementations own every cloud API call; no cloud SDK type
/// crosses this boundary.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Reads the live state of every resource of `kinds` that `ownership` owns, and of every
    /// resource in `desired` that exists under its name, whoever owns it. Never mutates.
    async fn read(
        &self,
        kinds: &[Kind],
        desired: &[Resource],
        ownership: &Ownership,
    ) -> Result<Vec<LiveResource>, ProviderError>;

    /// Creates a resource, tagged at creation. `resource` holds no unresolved reference.
    async fn create(&self, resource: &Resource) -> Result<LiveResource, ProviderError>;

    /// Brings `live` to `desired`; `changes` are the differing attributes (none forces replacement).
    async fn update(
        &self,
        live: &LiveResource,
        desired: &Resource,
        changes: &[FieldChange],
    ) -> Result<LiveResource, ProviderError>;

    /// Deletes a resource. A resource that is already gone is not an error.
    async fn delete(&self, live: &LiveResource, options: &DeleteOptions) -> Result<(), ProviderError>;
}

/// How an error should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorClass {
    /// Throttled by the service.
    Throttled,
    /// A transient failure (5xx, reset connection, timeout): the same call may succeed.
    Transient,
    /// The endpoint could not be reached at all.
    Unreachable,
    /// Credentials are missing or rejected.
    Credentials,
    /// Eventual consistency: something this call depends on was just created and is not
    /// visible to the service yet (a role not yet assumable, a principal not yet known). The
    /// same call succeeds once it is.
    NotReady,
    /// The resource a create names already exists: possibly made by an earlier attempt of this
    /// very call whose response was lost.
    AlreadyExists,
    /// The endpoint does not implement the operation.
    Unsupported,
    /// The request is wrong or not allowed; retrying will not help.
    Permanent,
}

/// A failed cloud operation, with the service's own error code and message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{operation} failed: {}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct ProviderError {
    /// The API call or step, e.g. `ec2:CreateVpc`.
    pub operation: String,
    pub code: Option<String>,
    pub message: String,
    pub class: ErrorClass,
}

impl ProviderError {
    pub fn permanent(operation: impl Into<String>, message: impl Into<String>) -> Self {
        ProviderError { operation: operation.into(), code: None, message: message.into(), class: ErrorClass::Permanent }
    }
}
