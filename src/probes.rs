//! `verify --probe`: the GATE probes, real requests to the endpoint, as acceptance checks.

use bankinfra_aws::{AwsProvider, ProbeOutcome};
use bankinfra_model::Kind;
use bankinfra_verify::{Basis, CheckResult, Facts};

/// A probe whose outcome must be `want_accepted`; refusing it is only ever AWS's
/// `AccessDenied` (a policy's refusal). Any other rejection fails, naming its code; a probe that
/// could not run is reported as not run.
fn verdict(
    requirement: &'static str,
    name: String,
    result: Result<ProbeOutcome, bankinfra_model::ProviderError>,
    want_accepted: bool,
) -> CheckResult {
    let fail = |why: String| CheckResult::failed(requirement, name.clone(), Basis::Probe, why);
    match result {
        Ok(ProbeOutcome::Accepted) if want_accepted => CheckResult::passed(requirement, name, Basis::Probe, None),
        Ok(ProbeOutcome::Accepted) => fail("the endpoint accepted it".into()),
        Ok(ProbeOutcome::Denied) if !want_accepted => {
            CheckResult::passed(requirement, name, Basis::Probe, Some("refused with AccessDenied".into()))
        }
        Ok(ProbeOutcome::Denied) => fail("the endpoint refused it with AccessDenied".into()),
        Ok(ProbeOutcome::Rejected(code)) if !want_accepted => {
            fail(format!("the endpoint rejected it with {code}, not AccessDenied: no policy refused it"))
        }
        Ok(ProbeOutcome::Rejected(code)) => fail(format!("the endpoint rejected it with {code}")),
        Ok(ProbeOutcome::NotRun(why)) => CheckResult::not_run(requirement, name, Basis::Probe, why),
        Err(e) => fail(format!("the probe failed: {e}")),
    }
}

/// Sends every probe and returns their verdicts.
pub async fn run(provider: &AwsProvider, facts: &Facts<'_>) -> Vec<CheckResult> {
    let specs = facts.specs;
    let mut out = Vec::new();
    // The most ephemeral unlocked bucket: probe objects there can be deleted again, and would
    // expire soon anyway.
    let target = specs
        .stack
        .storage
        .buckets
        .iter()
        .filter(|b| b.object_lock.is_none() && !b.deny_object_delete)
        .min_by_key(|b| b.lifecycle.expire_after_days.as_ref().map_or(u32::MAX, |d| *d.get_ref()));
    match target.map(|b| (b, facts.output(Kind::S3Bucket, b.purpose.get_ref(), "name"))) {
        Some((b, Ok(bucket))) => {
            let key = facts.output(Kind::KmsKey, b.classification.as_str(), "arn").unwrap_or_default();
            let unencrypted = provider.probe_put_object(&bucket, None, None).await;
            out.push(verdict(
                "DT-002",
                format!("probe: an unencrypted PutObject to {bucket} is rejected"),
                unencrypted,
                false,
            ));
            let encrypted = provider.probe_put_object(&bucket, Some("aws:kms"), Some(&key)).await;
            out.push(verdict(
                "DT-002",
                format!("probe: a PutObject to {bucket} with aws:kms and its key is accepted"),
                encrypted,
                true,
            ));
        }
        Some((_, Err(e))) => out.push(CheckResult::failed("DT-002", "probe: PutObject".into(), Basis::Probe, e)),
        None => {}
    }
    let trail_bucket = facts.output(Kind::S3Bucket, specs.stack.cloudtrail.bucket.get_ref(), "name");
    match trail_bucket {
        Ok(bucket) => {
            let deleted = provider.probe_delete_object_version(&bucket).await;
            out.push(verdict(
                "GOV-006",
                format!("probe: deleting a log version in {bucket} is rejected"),
                deleted,
                false,
            ));
        }
        Err(e) => out.push(CheckResult::failed("GOV-006", "probe: delete a log".into(), Basis::Probe, e)),
    }
    // The project's emulator enforces SCPs on member accounts as AWS does, so the probe runs
    // everywhere: a CreateBucket without the required tags must be refused.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let bucket = format!("bankinfra-scp-probe-{}-{nanos}", specs.stage.account_id);
    let scp = provider.probe_create_untagged_bucket(&bucket).await;
    out.push(verdict("GOV-005", "probe: an untagged CreateBucket is rejected by the SCP".into(), scp, false));
    out
}

#[cfg(test)]
mod tests {
    use bankinfra_verify::Outcome;

    use super::*;

    fn refusal(result: ProbeOutcome) -> CheckResult {
        verdict("DT-002", "probe".into(), Ok(result), false)
    }

    #[test]
    fn only_access_denied_passes_a_probe_that_must_be_refused() {
        assert_eq!(refusal(ProbeOutcome::Denied).outcome, Outcome::Passed);
        let other = refusal(ProbeOutcome::Rejected("NoSuchBucket".into()));
        assert_eq!(other.outcome, Outcome::Failed);
        assert!(other.failure.unwrap().contains("NoSuchBucket"));
        assert_eq!(refusal(ProbeOutcome::Accepted).outcome, Outcome::Failed);
    }

    #[test]
    fn a_probe_that_could_not_run_is_not_run_never_a_pass() {
        let result = refusal(ProbeOutcome::NotRun("nothing to delete".into()));
        assert_eq!(
            (result.outcome, result.failure, result.note.as_deref()),
            (Outcome::NotRun, None, Some("nothing to delete"))
        );
    }
}
