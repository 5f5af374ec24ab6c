//! The contract between the engine and a cloud provider.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteOptions {
    /// Which buckets are emptied first: every object version and delete marker, bypassing
    /// GOVERNANCE retention.
    pub purge: Purge,
    /// Pending window before a KMS key is deleted.
    pub kms_deletion_window_days: u32,
}

/// Which data-holding resources a delete empties first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purge {
    Nothing,
    Everything,
    /// Only these (the rest, holding data, make their delete fail rather than lose it).
    Only(Arc<BTreeSet<Address>>),
}

impl DeleteOptions {
    /// Whether deleting `address` may first empty it.
    pub fn purges(&self, address: &Address) -> bool {
        match &self.purge {
            Purge::Nothing => false,
            Purge::Everything => true,
            Purge::Only(these) => these.contains(address),
        }
    }
}

/// What deleting a resource would lose, as its provider counted it: counts and settings, never
/// content. Shown before a destroy is confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DataAtRisk {
    /// What the resource holds, as (label, value) in display order, e.g. `("objects", "12")`,
    /// `("object versions", "at least 100000")`, `("legal holds", "not counted")`. A count the
    /// provider stopped early says "at least"; one it did not make says so.
    pub facts: Vec<(String, String)>,
    /// The provider verified that the resource holds nothing (no object version or delete
    /// marker, no user, no stored byte). `false` when it holds something or could not tell.
    pub empty: bool,
}

impl DataAtRisk {
    /// A count as shown: `12`, or `at least 100000` when counting stopped early.
    pub fn count(n: u64, complete: bool) -> String {
        if complete { n.to_string() } else { format!("at least {n}") }
    }

    /// A size as shown: `512 bytes`, `3.4 KiB (3480 bytes)`; `at least ...` when incomplete.
    pub fn bytes(n: u64, complete: bool) -> String {
        const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
        let mut text = format!("{n} bytes");
        let (mut value, mut unit) = (n as f64, None);
        for u in UNITS {
            if value < 1024.0 {
                break;
            }
            value /= 1024.0;
            unit = Some(u);
        }
        if let Some(unit) = unit {
            text = format!("{value:.1} {unit} ({n} bytes)");
        }
        if complete { text } else { format!("at least {text}") }
    }
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

    /// Creates a resource, tagged at creation. `resource` holds no unresolved reference. Returns
    /// its outputs (what references to it read); its state is read by the next plan.
    async fn create(&self, resource: &Resource) -> Result<Outputs, ProviderError>;

    /// Brings `live` to `desired`; `changes` are the differing attributes (none forces
    /// replacement). Returns the resource's outputs.
    async fn update(
        &self,
        live: &LiveResource,
        desired: &Resource,
        changes: &[FieldChange],
    ) -> Result<Outputs, ProviderError>;

    /// Deletes a resource. A resource that is already gone is not an error.
    async fn delete(&self, live: &LiveResource, options: &DeleteOptions) -> Result<(), ProviderError>;

    /// What deleting `live` would lose, for kinds whose data the provider can count; `None` for
    /// the others and for a resource that is gone. Never mutates. (What a key encrypts is known
    /// from the specs, not from the provider.)
    async fn data_at_risk(&self, live: &LiveResource) -> Result<Option<DataAtRisk>, ProviderError> {
        let _ = live;
        Ok(None)
    }
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

#[cfg(test)]
mod tests {
    use super::DataAtRisk;

    #[test]
    fn counts_and_sizes_say_when_they_are_incomplete() {
        assert_eq!(DataAtRisk::count(12, true), "12");
        assert_eq!(DataAtRisk::count(100_000, false), "at least 100000");
        assert_eq!(DataAtRisk::bytes(0, true), "0 bytes");
        assert_eq!(DataAtRisk::bytes(1023, true), "1023 bytes");
        assert_eq!(DataAtRisk::bytes(3480, true), "3.4 KiB (3480 bytes)");
        assert_eq!(DataAtRisk::bytes(5 * 1024 * 1024, false), "at least 5.0 MiB (5242880 bytes)");
    }
}
