//! The data paths over the stack as it would be live, and what breaks each of them.

use std::collections::BTreeSet;

use bankinfra_model::{LiveResource, Props};
use bankinfra_spec::Specs;
use serde_json::Value;

use super::policies::documents_mut;
use super::{Expect, all};
use crate::facts::Facts;
use crate::testing::{local_specs, stack_state};

/// The names of the paths that fail over `state`.
fn failing(specs: &Specs, state: &[LiveResource]) -> BTreeSet<String> {
    let facts = Facts::new(specs, state.to_vec(), true);
    all(specs).iter().filter(|p| p.run(&facts).is_err()).map(|p| p.name.clone()).collect()
}

/// `state` with `edit` applied to the statements of the document named `document`.
fn edited(state: &[LiveResource], document: &str, edit: impl Fn(&mut Vec<Value>)) -> Vec<LiveResource> {
    let mut state = state.to_vec();
    let mut found = false;
    for live in &mut state {
        for (name, doc) in documents_mut(live) {
            if name == document {
                let statements = doc["Statement"].as_array_mut().expect("statement list");
                edit(statements);
                found = true;
            }
        }
    }
    assert!(found, "no document named {document}");
    state
}

fn without_sid(state: &[LiveResource], document: &str, sid: &str) -> Vec<LiveResource> {
    edited(state, document, |s| s.retain(|st| st["Sid"] != sid))
}

/// The document name of the inline policy `policy`, of whichever role holds it.
fn inline_policy(state: &[LiveResource], policy: &str) -> String {
    let role = state
        .iter()
        .find_map(|l| match &l.props {
            Props::IamRole(r) if r.inline_policies.contains_key(policy) => Some(r.name.clone()),
            _ => None,
        })
        .expect("a role with the policy");
    super::policies::inline_policy_name(policy, &role)
}

fn names_containing(specs: &Specs, text: &str) -> BTreeSet<String> {
    all(specs).iter().filter(|p| p.name.contains(text)).map(|p| p.name.clone()).collect()
}

#[test]
fn every_data_path_holds_on_the_declared_stack() {
    let specs = local_specs();
    let facts = Facts::new(&specs, stack_state(&specs), true);
    let paths = all(&specs);
    assert!(paths.len() > 100, "{} paths", paths.len());
    let failures: Vec<String> = paths.iter().filter_map(|p| p.run(&facts).err()).collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Every statement that allows a path, removed from its document, breaks that path and only
/// paths that relied on it; every path is carried by at least one statement whose removal
/// breaks it.
#[test]
fn removing_the_statement_that_carries_a_path_fails_exactly_the_paths_it_carries() {
    let specs = local_specs();
    let state = stack_state(&specs);
    let facts = Facts::new(&specs, state.clone(), true);
    let paths = all(&specs);
    // For each allowed path, the (document, statement index) pairs AWS's decision rested on.
    let carriers: Vec<(String, BTreeSet<(String, usize)>)> = paths
        .iter()
        .filter(|p| p.expect == Expect::Allowed)
        .map(|p| {
            let (_, evaluation) = p.evaluate(&facts).unwrap();
            (p.name.clone(), evaluation.statements.iter().map(|s| (s.policy.clone(), s.index)).collect())
        })
        .collect();
    let mut broken = BTreeSet::new();
    let documents: BTreeSet<(String, usize)> = carriers.iter().flat_map(|(_, s)| s.iter().cloned()).collect();
    for (document, index) in documents {
        if !state.iter().any(|l| documents_mut(&mut l.clone()).iter().any(|(n, _)| *n == document)) {
            continue; // AWS managed policies and SCPs are not the stack's to break
        }
        let after = edited(&state, &document, |s| {
            s.remove(index);
        });
        let failed = failing(&specs, &after);
        let relying: BTreeSet<String> =
            carriers.iter().filter(|(_, s)| s.contains(&(document.clone(), index))).map(|(n, _)| n.clone()).collect();
        let unrelated: Vec<&String> = failed.difference(&relying).collect();
        assert!(unrelated.is_empty(), "removing statement {index} of {document} broke unrelated paths: {unrelated:?}");
        broken.extend(failed);
    }
    // A path AWS managed policies carry as well (a Lambda role's logs) is not the stack's alone.
    let stack_only =
        |s: &BTreeSet<(String, usize)>| !s.iter().any(|(d, _)| d.starts_with("managed policy arn:aws:iam::aws:"));
    let unbroken: Vec<&String> =
        carriers.iter().filter(|(_, s)| stack_only(s)).map(|(n, _)| n).filter(|n| !broken.contains(*n)).collect();
    assert!(unbroken.is_empty(), "paths no single statement removal breaks: {unbroken:#?}");
}

/// Each refusal the design relies on rests on a statement or a condition of the stack: without
/// it, the refused request would be allowed.
#[test]
fn each_refused_path_is_allowed_once_the_deny_or_condition_that_refuses_it_goes() {
    let specs = local_specs();
    let state = stack_state(&specs);
    let denied: BTreeSet<String> =
        all(&specs).iter().filter(|p| p.expect == Expect::Denied).map(|p| p.name.clone()).collect();
    let mut flipped = BTreeSet::new();
    let mut names = Vec::new();
    for live in &state {
        for (name, doc) in documents_mut(&mut live.clone()) {
            names.push((name, doc["Statement"].as_array().map_or(0, Vec::len)));
        }
    }
    for (document, count) in names {
        // Every Deny of the document gone (denies may back each other up).
        let after = edited(&state, &document, |s| s.retain(|st| st["Effect"] != "Deny"));
        flipped.extend(failing(&specs, &after).intersection(&denied).cloned());
        // One Allow statement without its condition, or granting everything.
        for index in 0..count {
            for widen in [false, true] {
                let after = edited(&state, &document, |s| {
                    if s[index]["Effect"] != "Allow" {
                        return;
                    }
                    if let Some(statement) = s[index].as_object_mut() {
                        statement.remove("Condition");
                        if widen {
                            statement.insert("Action".into(), "*".into());
                            if statement.contains_key("Resource") {
                                statement.insert("Resource".into(), "*".into());
                            }
                        }
                    }
                });
                flipped.extend(failing(&specs, &after).intersection(&denied).cloned());
            }
        }
    }
    let held: Vec<&String> = denied.difference(&flipped).collect();
    assert!(held.is_empty(), "refusals that rest on nothing the stack declares: {held:#?}");
}

#[test]
fn a_cloudtrail_logs_role_conditioned_on_source_arn_stops_trail_delivery() {
    let specs = local_specs();
    let state = stack_state(&specs);
    let after = edited(&state, &inline_policy(&state, "cloudtrail-to-cloudwatch-logs"), |s| {
        s[0]["Condition"] = serde_json::json!({"StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:ap-southeast-2:123456789012:trail/bank-platform"}});
    });
    assert_eq!(failing(&specs, &after), names_containing(&specs, "CloudTrail's role session"));
}

#[test]
fn a_firehose_key_grant_on_object_arns_fails_under_s3_bucket_keys() {
    let specs = local_specs();
    let state = stack_state(&specs);
    let after = edited(&state, &inline_policy(&state, "firehose-delivery"), |s| {
        for st in s.iter_mut().filter(|st| st["Sid"] == "EncryptObjects") {
            let bucket =
                st["Condition"]["StringEquals"]["kms:EncryptionContext:aws:s3:arn"].as_str().unwrap().to_string();
            st["Condition"]["StringEquals"]["kms:EncryptionContext:aws:s3:arn"] = Value::String(format!("{bucket}/*"));
        }
    });
    assert_eq!(failing(&specs, &after), names_containing(&specs, "S3 uses the data lake's key"));
}

#[test]
fn alarms_need_the_cloudwatch_statement_of_the_alerts_key() {
    let specs = local_specs();
    let state = stack_state(&specs);
    let after = without_sid(&state, "key policy of alias/bank/operational", "AllowCloudWatchAlarmsToEncryptedTopics");
    assert_eq!(failing(&specs, &after), names_containing(&specs, "CloudWatch alarms publish"));
}

/// `docs/data-paths.md` holds the table verify evaluates (`BANKINFRA_BLESS=1` rewrites it).
#[test]
fn the_documented_table_is_the_one_verify_evaluates() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/data-paths.md");
    let text = std::fs::read_to_string(&path).expect("docs/data-paths.md");
    let marker = "<!-- table: generated from crates/verify/src/paths -->\n";
    let head = &text[..text.find(marker).expect("the table marker") + marker.len()];
    let expected = format!("{head}{}", super::markdown(&local_specs()));
    if std::env::var_os("BANKINFRA_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    assert!(text == expected, "docs/data-paths.md is stale: run BANKINFRA_BLESS=1 cargo test -p bankinfra-verify");
}
