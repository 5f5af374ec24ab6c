//! Stage files: everything that differs between local, dev, uat and prod.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::SpecError;
use crate::location::Source;

/// One deployment stage (environment) of the stack.
#[derive(Debug, Clone)]
pub struct StageSpec {
    /// Stage name; also the `environment` tag and the `{env}` in names and SSM paths.
    pub name: String,
    pub account_id: String,
    pub region: String,
    pub secondary_region: String,
    pub availability_zones: Vec<String>,
    pub org_id: String,
    pub tenant_id: String,
    /// Extra tag values for every taggable resource (e.g. `cost_center`).
    pub tags: BTreeMap<String, String>,
    /// AWS endpoint override (the emulator, for `local`); `AWS_ENDPOINT_URL` wins over it.
    pub endpoint: Option<String>,
    /// Whether the stage may run with the static emulator credentials when none are configured.
    pub emulator_credentials: bool,
    pub switches: StageSwitches,
}

/// Per-stage behaviour switches.
#[derive(Debug, Clone)]
pub struct StageSwitches {
    /// Cognito user-pool deletion protection (ACTIVE when true).
    pub cognito_deletion_protection: bool,
    /// Destroy refuses unless the operator confirms the stage name explicitly.
    pub destroy_protected: bool,
    /// Destroy empties buckets (all versions, bypassing GOVERNANCE retention) before deleting them.
    /// When false, a bucket holding data is retained unless `destroy --purge-data` (or
    /// `--bypass-governance-retention` for an Object-Locked one) is given.
    pub purge_data_on_destroy: bool,
    /// Pending window for KMS key deletion, 7..=30 days.
    pub kms_deletion_window_days: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSwitches {
    cognito_deletion_protection: bool,
    destroy_protected: bool,
    purge_data_on_destroy: bool,
    kms_deletion_window_days: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    name: Spanned<String>,
    account_id: Spanned<String>,
    region: Spanned<String>,
    secondary_region: String,
    availability_zones: Spanned<Vec<Spanned<String>>>,
    org_id: Spanned<String>,
    tenant_id: String,
    #[serde(default)]
    endpoint: Option<Spanned<String>>,
    #[serde(default)]
    emulator_credentials: bool,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    switches: RawSwitches,
}

pub(crate) fn load(path: &Path) -> Result<StageSpec, SpecError> {
    let text = crate::read(path)?;
    let src = Source { path, text: &text };
    let raw: RawStage = src.parse()?;

    let expected = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if raw.name.get_ref() != expected {
        return Err(src.error(
            raw.name.span(),
            format!("stage name `{}` does not match its file name `{expected}.toml`", raw.name.get_ref()),
        ));
    }
    let acct = raw.account_id.get_ref();
    if acct.len() != 12 || !acct.bytes().all(|b| b.is_ascii_digit()) {
        return Err(src.error(raw.account_id.span(), format!("account_id `{acct}` must be 12 digits")));
    }
    if !is_region(raw.region.get_ref()) {
        return Err(src.error(raw.region.span(), format!("`{}` is not an AWS region name", raw.region.get_ref())));
    }
    let azs = raw.availability_zones.get_ref();
    if azs.len() < 2 {
        return Err(src.error(raw.availability_zones.span(), "at least two availability_zones are required"));
    }
    for (i, az) in azs.iter().enumerate() {
        if !az.get_ref().starts_with(raw.region.get_ref().as_str()) {
            return Err(src.error(
                az.span(),
                format!("availability zone `{}` is not in region `{}`", az.get_ref(), raw.region.get_ref()),
            ));
        }
        if azs[..i].iter().any(|a| a.get_ref() == az.get_ref()) {
            return Err(src.error(az.span(), format!("duplicate availability zone `{}`", az.get_ref())));
        }
    }
    let org = raw.org_id.get_ref();
    if !org.starts_with("o-") || org.len() < 12 {
        return Err(src.error(raw.org_id.span(), format!("org_id `{org}` is not an organization id (o-xxxxxxxxxx)")));
    }
    if let Some(ep) = &raw.endpoint {
        let url = ep.get_ref();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(src.error(ep.span(), format!("endpoint `{url}` must be an http:// or https:// URL")));
        }
    }
    let window = &raw.switches.kms_deletion_window_days;
    if !(7..=30).contains(window.get_ref()) {
        return Err(src.error(
            window.span(),
            format!("switches.kms_deletion_window_days must be 7..=30 (AWS limits), got {}", window.get_ref()),
        ));
    }
    Ok(StageSpec {
        name: raw.name.into_inner(),
        account_id: raw.account_id.into_inner(),
        region: raw.region.into_inner(),
        secondary_region: raw.secondary_region,
        availability_zones: raw.availability_zones.into_inner().into_iter().map(Spanned::into_inner).collect(),
        org_id: raw.org_id.into_inner(),
        tenant_id: raw.tenant_id,
        tags: raw.tags,
        endpoint: raw.endpoint.map(Spanned::into_inner),
        emulator_credentials: raw.emulator_credentials,
        switches: StageSwitches {
            cognito_deletion_protection: raw.switches.cognito_deletion_protection,
            destroy_protected: raw.switches.destroy_protected,
            purge_data_on_destroy: raw.switches.purge_data_on_destroy,
            kms_deletion_window_days: raw.switches.kms_deletion_window_days.into_inner(),
        },
    })
}

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::is_region;

    #[test]
    fn region_names() {
        assert!(is_region("ap-southeast-2"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("ap-southeast"));
        assert!(!is_region("AP-southeast-2"));
    }
}
