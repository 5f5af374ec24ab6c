//! `verify` over the stack as it would be live once applied: the declared stack passes every
//! check, and a spec edit that departs from the design fails exactly the check for that value.

use std::collections::BTreeSet;

use bankinfra_spec::Specs;

use crate::facts::Facts;
use crate::testing::{specs_dir, stack_state};
use crate::{Report, verify};

/// The repository's specs with `edit` applied to the text of `file` (relative to `specs/`),
/// loaded for `stage`.
fn edited_specs(stage: &str, file: &str, edit: impl Fn(&str) -> String) -> Specs {
    let dir = std::env::temp_dir().join(format!(
        "bankinfra-verify-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    ));
    std::fs::create_dir_all(dir.join("stages")).unwrap();
    for entry in ["mod-104.toml", "stages/local.toml", "stages/dev.toml", "stages/uat.toml", "stages/prod.toml"] {
        let text = std::fs::read_to_string(specs_dir().join(entry)).unwrap();
        let text = if entry == file {
            let after = edit(&text);
            assert_ne!(after, text, "the edit of {file} changes nothing");
            after
        } else {
            text
        };
        std::fs::write(dir.join(entry), text).unwrap();
    }
    let specs = bankinfra_spec::load(&dir, stage).expect("the edited specs load");
    std::fs::remove_dir_all(&dir).unwrap();
    specs
}

/// `verify` over the stack `specs` declares, as if applied.
fn report(specs: &Specs) -> Report {
    verify(&Facts::new(specs, stack_state(specs), true))
}

/// "requirement name" of every failed check.
fn failed(specs: &Specs) -> BTreeSet<String> {
    report(specs).failed().map(|c| format!("{} {}", c.requirement, c.name)).collect()
}

fn names(names: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    names.into_iter().collect()
}

#[test]
fn the_declared_stack_passes_every_check_on_every_stage() {
    for stage in ["local", "dev", "uat", "prod"] {
        let specs = bankinfra_spec::load(&specs_dir(), stage).unwrap();
        let report = report(&specs);
        let failures: Vec<String> = report
            .failed()
            .map(|c| format!("{} {}: {}", c.requirement, c.name, c.failure.as_deref().unwrap()))
            .collect();
        assert!(failures.is_empty(), "stage {stage}: {failures:#?}");
        assert_eq!(report.not_run().count(), 0, "only probes may not run");
        assert!(report.requirements.iter().all(|r| r.passed()), "stage {stage}");
    }
}

#[test]
fn an_archive_retention_of_29_days_fails_exactly_the_archive_checks() {
    let specs = edited_specs("local", "mod-104.toml", |t| {
        t.replace("archive_retention_days = 30", "archive_retention_days = 29")
    });
    let expected = crate::design::DOMAINS.iter().map(|d| format!("FR-417 {d}: 30-day archive"));
    assert_eq!(failed(&specs), names(expected));
}

/// 30 days, as in the issue, is refused by the spec loader already (AWS allows 90..=2560); 90
/// loads and still departs from the design's annual rotation.
#[test]
fn a_key_rotating_every_90_days_fails_exactly_its_rotation_check() {
    let specs = edited_specs("local", "mod-104.toml", |t| {
        t.replacen("rotation_period_days = 365", "rotation_period_days = 90", 1)
    });
    assert_eq!(failed(&specs), names(["FR-419 pii: rotation every 365 days".to_string()]));
}

#[test]
fn a_buckets_glacier_day_moved_fails_exactly_its_lifecycle_check() {
    let specs = edited_specs("local", "mod-104.toml", |t| {
        t.replace(
            "classification = \"pii\"\nlifecycle = { glacier_after_days = 365,",
            "classification = \"pii\"\nlifecycle = { glacier_after_days = 180,",
        )
    });
    assert_eq!(failed(&specs), names(["FR-418 documents: lifecycle Glacier @ 365d expire @ 2555d".to_string()]));
}

#[test]
fn an_ssm_output_published_from_the_wrong_resource_fails_exactly_its_contract_check() {
    let specs = edited_specs("local", "mod-104.toml", |t| {
        t.replace("value = \"${s3_bucket.pulumi-state.arn}\"", "value = \"${s3_bucket.iceberg.arn}\"")
    });
    let s3 = report(&specs).checks.iter().find(|c| c.name.starts_with("SSM /bank/local/s3/")).unwrap().clone();
    assert_eq!(failed(&specs), names([format!("FR-418 {}", s3.name)]));
    assert!(s3.failure.unwrap().contains("/bank/local/s3/pulumi-state/arn"));

    let specs = edited_specs("local", "mod-104.toml", |t| {
        t.replace("${subnet.private-a.id},${subnet.private-b.id}", "${subnet.private-a.id},${subnet.public-b.id}")
    });
    let failures = failed(&specs);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures.iter().all(|f| f.starts_with("FR-420 SSM /bank/local/network/*")), "{failures:?}");
}

#[test]
fn every_one_of_the_65_ssm_outputs_is_checked() {
    let specs = bankinfra_spec::load(&specs_dir(), "local").unwrap();
    let state = stack_state(&specs);
    // Each published parameter, dropped in turn, fails exactly one contract check naming it.
    let parameters: Vec<String> = state
        .iter()
        .filter_map(|l| match &l.props {
            bankinfra_model::Props::SsmParameter(p) => Some(p.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(parameters.len(), 65);
    for name in parameters {
        let without: Vec<_> = state
            .iter()
            .filter(|l| !matches!(&l.props, bankinfra_model::Props::SsmParameter(p) if p.name == name))
            .cloned()
            .collect();
        let report = verify(&Facts::new(&specs, without, true));
        let failures: Vec<_> = report.failed().collect();
        assert_eq!(failures.len(), 1, "without {name}");
        assert!(failures[0].name.starts_with("SSM ") && failures[0].failure.as_deref().unwrap().contains(&name));
    }
}

#[test]
fn deletion_protection_follows_the_design_on_dev_whatever_the_stage_switch_says() {
    let specs = edited_specs("dev", "stages/dev.toml", |t| {
        t.replace("cognito_deletion_protection = false", "cognito_deletion_protection = true")
    });
    let expected = ["customers pool bank-customers-dev", "staff pool bank-staff-dev"]
        .map(|p| format!("FR-420 {p}: deletion protection INACTIVE"));
    assert_eq!(failed(&specs), names(expected));
}
