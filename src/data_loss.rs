//! What a destroy would lose, and what it keeps.
//!
//! Before a destroy is confirmed, every data-holding resource it deletes is counted by the
//! provider (objects, users, stored bytes), and every key is listed with what it encrypts (from
//! the specs and the live state, not from AWS). Buckets whose data this run may not delete are
//! *retained*: taken out of the plan, together with what they refer to (the key that encrypts
//! them), and listed with the reason and the flag that would release them:
//!
//! | bucket                         | stage purges data | stage keeps data (`purge_data_on_destroy = false`) |
//! |--------------------------------|-------------------|----------------------------------------------------|
//! | empty (verified)               | deleted           | deleted (never emptied: an object written since makes the delete fail) |
//! | holds data, no Object Lock     | emptied, deleted  | retained unless `--purge-data`                      |
//! | holds data, GOVERNANCE lock    | emptied, deleted  | retained unless `--bypass-governance-retention`    |
//! | holds data, COMPLIANCE lock    | retained          | retained (no one can delete it before retention ends) |
//!
//! A bucket that could not be counted is treated as holding data.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bankinfra_engine::{Action, Plan};
use bankinfra_model::props::s3::Bucket;
use bankinfra_model::{Address, DataAtRisk, DeleteOptions, Kind, Props, Provider, Purge};
use serde_json::Value;

/// What this run may delete, from the stage's switches and the command's flags.
#[derive(Debug, Clone)]
pub struct Rules {
    pub stage: String,
    /// The stage's `purge_data_on_destroy`.
    pub stage_purges: bool,
    /// `--purge-data`: empty buckets without Object Lock.
    pub purge_data: bool,
    /// `--bypass-governance-retention`: empty GOVERNANCE-locked buckets too.
    pub bypass_governance: bool,
    /// The stage's `kms_deletion_window_days`.
    pub kms_window_days: u32,
}

/// What the provider said a resource holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Holding {
    Counted(DataAtRisk),
    /// The count failed; the resource is treated as holding data.
    Uncounted(String),
}

impl Holding {
    fn empty(&self) -> bool {
        matches!(self, Holding::Counted(d) if d.empty)
    }
}

/// A resource the destroy deletes together with what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Lost {
    pub address: Address,
    pub holding: Holding,
    /// How it is emptied, when that matters (Object Lock retention bypassed).
    pub note: Option<String>,
}

/// A key the destroy schedules for deletion, and what it encrypts.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyLost {
    pub address: Address,
    pub key_id: String,
    pub encrypts: Vec<Address>,
}

/// A resource the destroy keeps, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Retained {
    pub address: Address,
    pub reason: String,
    pub holding: Option<Holding>,
}

/// Everything the confirmation shows about data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataLoss {
    /// Deleted resources that hold (or may hold) data, in plan order.
    pub lost: Vec<Lost>,
    /// Deleted data-holding resources verified empty.
    pub empty: Vec<Address>,
    /// Deleted keys.
    pub keys: Vec<KeyLost>,
    pub retained: Vec<Retained>,
    pub kms_window_days: u32,
    /// Buckets emptied before their deletion.
    pub purge: BTreeSet<Address>,
}

/// Asks the provider what every data-holding resource `plan` deletes holds (a few at a time).
pub async fn count(provider: Arc<dyn Provider>, plan: &Plan) -> BTreeMap<Address, Holding> {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(8));
    let mut counting = tokio::task::JoinSet::new();
    // A key's data is what it encrypts: see `encrypted_by`.
    let deleted = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete && c.address.kind().holds_data() && c.address.kind() != Kind::KmsKey);
    for live in deleted.filter_map(|c| c.live.clone()) {
        let (provider, semaphore) = (provider.clone(), semaphore.clone());
        counting.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            // `None`: gone since the plan read it, or not a kind the provider counts. Either way
            // there is no claim that it is empty (a bucket without a count is kept if it may be).
            let holding = match provider.data_at_risk(&live).await {
                Ok(Some(data)) => Some(Holding::Counted(data)),
                Ok(None) => None,
                Err(e) => Some(Holding::Uncounted(e.to_string())),
            };
            (live.address, holding)
        });
    }
    let mut counts = BTreeMap::new();
    while let Some(joined) = counting.join_next().await {
        match joined {
            Ok((address, Some(holding))) => {
                counts.insert(address, holding);
            }
            Ok((_, None)) => {}
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    counts
}

/// The Object Lock that protects a bucket's data, as the live bucket reports it.
#[derive(Debug, Clone, PartialEq)]
enum Lock {
    None,
    Governance(String),
    Compliance(String),
}

fn lock_of(bucket: &Bucket) -> Lock {
    if !bucket.object_lock_enabled {
        return Lock::None;
    }
    let Some(r) = &bucket.object_lock_retention else {
        return Lock::Governance("Object Lock without default retention (objects may carry their own)".into());
    };
    let period = if r.years > 0 { format!("{} years", r.years) } else { "retention in days".to_string() };
    let text = format!("object lock {}, {period}", r.mode);
    if r.mode.eq_ignore_ascii_case("COMPLIANCE") { Lock::Compliance(text) } else { Lock::Governance(text) }
}

/// What happens to one bucket.
#[derive(Debug, Clone, PartialEq)]
enum Fate {
    /// Deleted; emptied first when `purge`.
    Delete {
        purge: bool,
    },
    Retain(String),
}

fn bucket_fate(bucket: &Bucket, holding: Option<&Holding>, rules: &Rules) -> Fate {
    let lock = lock_of(bucket);
    let may_empty = match &lock {
        Lock::None => rules.stage_purges || rules.purge_data,
        Lock::Governance(_) => rules.stage_purges || rules.bypass_governance,
        Lock::Compliance(_) => false,
    };
    if may_empty {
        return Fate::Delete { purge: true };
    }
    if holding.is_some_and(Holding::empty) {
        // Nothing to lose; not emptied, so an object written since makes the delete fail.
        return Fate::Delete { purge: false };
    }
    Fate::Retain(match lock {
        Lock::None => format!(
            "stage {} keeps bucket data on destroy (purge_data_on_destroy = false); re-run with --purge-data to empty and delete it",
            rules.stage
        ),
        Lock::Governance(lock) => {
            format!("{lock}; re-run with --bypass-governance-retention to empty and delete it")
        }
        Lock::Compliance(lock) => {
            format!("{lock}: no one can delete its object versions before their retention ends")
        }
    })
}

/// Resources (declared or live) whose encryption settings name `key`: a top-level attribute
/// with `kms` in its name that refers to the key (`${kms_key.x.arn}`) or holds its ARN or ID.
pub fn encrypted_by(plan: &Plan, key: &Address) -> Vec<Address> {
    let mut out = BTreeSet::new();
    for r in plan.graph.resources() {
        let refers = kms_fields(&r.props).iter().any(|v| {
            bankinfra_model::template::references_in(v).is_ok_and(|refs| refs.iter().any(|f| &f.address == key))
        });
        if refers {
            out.insert(r.address.clone());
        }
    }
    let live_key = plan.change(key).and_then(|c| c.live.as_ref());
    let ids: Vec<&str> = live_key
        .map(|l| ["arn", "id"].iter().filter_map(|o| l.outputs.get(*o).map(String::as_str)).collect())
        .unwrap_or_default();
    for live in plan.changes.iter().filter_map(|c| c.live.as_ref()) {
        let holds = kms_fields(&live.props).iter().any(|v| {
            let mut found = false;
            visit_strings(v, &mut |s| found |= ids.iter().any(|id| !id.is_empty() && s.contains(id)));
            found
        });
        if holds {
            out.insert(live.address.clone());
        }
    }
    out.remove(key);
    out.into_iter().collect()
}

/// The values of a resource's top-level attributes with `kms` in their name.
fn kms_fields(props: &Props) -> Vec<Value> {
    props.fields().into_iter().filter(|(name, _)| name.contains("kms")).map(|(_, v)| v).collect()
}

fn visit_strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| visit_strings(v, f)),
        Value::Object(map) => map.values().for_each(|v| visit_strings(v, f)),
        _ => {}
    }
}

/// Decides what `plan` (a destroy plan) deletes and what it keeps: takes retained buckets out of
/// it, with everything they refer to (transitively; the key that encrypts a bucket above all),
/// and says what the rest holds.
pub fn assess(mut plan: Plan, counts: BTreeMap<Address, Holding>, rules: &Rules) -> (Plan, DataLoss) {
    let mut loss = DataLoss { kms_window_days: rules.kms_window_days, ..DataLoss::default() };
    let mut keep: BTreeMap<Address, String> = BTreeMap::new();
    for change in plan.changes.iter().filter(|c| c.action == Action::Delete) {
        let Some(Props::S3Bucket(bucket)) = change.live.as_ref().map(|l| &l.props) else { continue };
        match bucket_fate(bucket, counts.get(&change.address), rules) {
            Fate::Delete { purge: true } => {
                loss.purge.insert(change.address.clone());
            }
            Fate::Delete { purge: false } => {}
            Fate::Retain(reason) => {
                keep.insert(change.address.clone(), reason);
            }
        }
    }
    // What a retained resource refers to stays too: its key above all, or its data is lost anyway.
    let encrypts: BTreeMap<Address, Vec<Address>> = plan
        .changes
        .iter()
        .filter(|c| c.address.kind() == Kind::KmsKey)
        .map(|c| (c.address.clone(), encrypted_by(&plan, &c.address)))
        .collect();
    let mut pending: Vec<Address> = keep.keys().cloned().collect();
    while let Some(kept) = pending.pop() {
        let mut needs: Vec<Address> = plan.graph.dependencies(&kept).into_iter().cloned().collect();
        needs.extend(encrypts.iter().filter(|(_, e)| e.contains(&kept)).map(|(k, _)| k.clone()));
        for need in needs {
            if keep.contains_key(&need) || plan.change(&need).is_none_or(|c| c.action != Action::Delete) {
                continue;
            }
            let reason = if need.kind() == Kind::KmsKey && encrypts.get(&need).is_some_and(|e| e.contains(&kept)) {
                format!("encrypts retained {kept}")
            } else {
                format!("retained {kept} refers to it")
            };
            keep.insert(need.clone(), reason);
            pending.push(need);
        }
    }
    for change in &plan.changes {
        if let Some(reason) = keep.get(&change.address) {
            loss.purge.remove(&change.address);
            let holding = counts.get(&change.address).cloned();
            loss.retained.push(Retained { address: change.address.clone(), reason: reason.clone(), holding });
            continue;
        }
        if change.action != Action::Delete {
            continue;
        }
        if change.address.kind() == Kind::KmsKey {
            let key_id = change.live.as_ref().map(|l| l.physical_id.clone()).unwrap_or_default();
            let encrypts = encrypts.get(&change.address).cloned().unwrap_or_default();
            loss.keys.push(KeyLost { address: change.address.clone(), key_id, encrypts });
            continue;
        }
        let Some(holding) = counts.get(&change.address) else { continue };
        if holding.empty() {
            loss.empty.push(change.address.clone());
            continue;
        }
        let note = match change.live.as_ref().map(|l| &l.props) {
            Some(Props::S3Bucket(b)) if loss.purge.contains(&change.address) => match lock_of(b) {
                Lock::Governance(lock) => Some(format!("emptied bypassing its {lock}")),
                _ => None,
            },
            _ => None,
        };
        loss.lost.push(Lost { address: change.address.clone(), holding: holding.clone(), note });
    }
    plan.changes.retain(|c| !keep.contains_key(&c.address));
    (plan, loss)
}

/// The delete options of the destroy: `stage`'s, except that exactly the buckets `loss` says may
/// be emptied are emptied before their deletion.
pub fn delete_options(stage: DeleteOptions, loss: &DataLoss) -> DeleteOptions {
    DeleteOptions { purge: Purge::Only(Arc::new(loss.purge.clone())), ..stage }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use bankinfra_engine::{ApplyReport, Outcome, ResourceChange, ResourceGraph};
    use bankinfra_model::props::s3::DefaultRetention;
    use bankinfra_model::{LiveResource, Outputs};

    use super::*;

    fn a(s: &str) -> Address {
        s.parse().unwrap()
    }

    /// A destroy plan of the whole dev stack, every resource live as declared.
    fn destroy_plan() -> Plan {
        let specs = bankinfra_spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("specs"), "dev").unwrap();
        let graph = ResourceGraph::build(bankinfra_stack::desired_resources(&specs)).unwrap();
        let changes = graph
            .order()
            .iter()
            .rev()
            .map(|address| {
                let r = graph.resource(address).unwrap();
                let id = format!("id-{}", address.name());
                let outputs = Outputs::from([("id".to_string(), id.clone()), ("arn".to_string(), format!("arn:{id}"))]);
                ResourceChange {
                    address: address.clone(),
                    action: Action::Delete,
                    changes: Vec::new(),
                    replace_because: Vec::new(),
                    live: Some(LiveResource {
                        address: address.clone(),
                        physical_id: id,
                        props: r.props.clone(),
                        outputs,
                    }),
                    planned: None,
                }
            })
            .collect();
        Plan::new(changes, graph.into())
    }

    fn rules(stage_purges: bool, purge_data: bool, bypass_governance: bool) -> Rules {
        Rules { stage: "dev".into(), stage_purges, purge_data, bypass_governance, kms_window_days: 30 }
    }

    fn counted(facts: &[(&str, &str)], empty: bool) -> Holding {
        Holding::Counted(DataAtRisk {
            facts: facts.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            empty,
        })
    }

    /// Every bucket, pool and log group of `plan` empty, except the given ones.
    fn counts(plan: &Plan, holding: &[(&str, Holding)]) -> BTreeMap<Address, Holding> {
        let mut out: BTreeMap<Address, Holding> = plan
            .changes
            .iter()
            .filter(|c| c.address.kind().holds_data() && c.address.kind() != Kind::KmsKey)
            .map(|c| (c.address.clone(), counted(&[], true)))
            .collect();
        out.extend(holding.iter().map(|(address, h)| (a(address), h.clone())));
        out
    }

    fn trail_bucket_data() -> Holding {
        counted(
            &[("objects", "3"), ("object versions", "3"), ("object lock", "GOVERNANCE, default retention 7 years")],
            false,
        )
    }

    fn addresses(plan: &Plan) -> BTreeSet<String> {
        plan.changes.iter().map(|c| c.address.to_string()).collect()
    }

    fn reason<'a>(loss: &'a DataLoss, address: &str) -> &'a str {
        loss.retained.iter().find(|r| r.address == a(address)).map(|r| r.reason.as_str()).unwrap_or("(not retained)")
    }

    #[test]
    fn a_stage_that_keeps_data_retains_buckets_holding_it_with_their_keys() {
        let plan = destroy_plan();
        let before = plan.changes.len();
        let counts = counts(
            &plan,
            &[
                ("s3_bucket.cloudtrail", trail_bucket_data()),
                ("s3_bucket.documents", counted(&[("objects", "2")], false)),
                ("s3_bucket.reports", Holding::Uncounted("s3:ListObjectVersions failed: AccessDenied".into())),
            ],
        );
        let (plan, loss) = assess(plan, counts, &rules(false, false, false));
        let left = addresses(&plan);
        for kept in ["s3_bucket.cloudtrail", "s3_bucket.documents", "s3_bucket.reports"] {
            assert!(!left.contains(kept), "{kept} is not destroyed");
        }
        assert!(
            reason(&loss, "s3_bucket.cloudtrail")
                .contains("object lock GOVERNANCE, 7 years; re-run with --bypass-governance-retention")
        );
        assert!(reason(&loss, "s3_bucket.documents").contains("stage dev keeps bucket data on destroy"));
        assert!(reason(&loss, "s3_bucket.documents").contains("--purge-data"));
        // What encrypts a retained bucket stays; what only refers to one goes.
        assert_eq!(reason(&loss, "kms_key.operational"), "encrypts retained s3_bucket.cloudtrail");
        assert_eq!(reason(&loss, "kms_key.pii"), "encrypts retained s3_bucket.documents");
        assert_eq!(reason(&loss, "kms_key.financial"), "encrypts retained s3_bucket.reports");
        assert!(
            left.contains("cloudtrail_trail.bank-platform"),
            "the trail writing into a retained bucket is destroyed"
        );
        assert_eq!(loss.retained.len(), 6, "{:#?}", loss.retained);
        assert_eq!(left.len(), before - 6);
        // Empty buckets are deleted, but never emptied.
        assert!(left.contains("s3_bucket.iceberg"));
        assert!(loss.empty.contains(&a("s3_bucket.iceberg")));
        assert!(loss.purge.is_empty(), "{:?}", loss.purge);
    }

    #[test]
    fn the_flags_release_what_they_name_and_compliance_is_never_emptied() {
        let holding = |plan: &Plan| {
            counts(
                plan,
                &[
                    ("s3_bucket.cloudtrail", trail_bucket_data()),
                    ("s3_bucket.documents", counted(&[("objects", "2")], false)),
                ],
            )
        };
        // --purge-data: unlocked data goes; the GOVERNANCE-locked bucket and its key stay.
        let plan = destroy_plan();
        let (plan, loss) = assess(plan.clone(), holding(&plan), &rules(false, true, false));
        assert!(addresses(&plan).contains("s3_bucket.documents"));
        assert!(loss.purge.contains(&a("s3_bucket.documents")));
        assert_eq!(
            loss.retained.iter().map(|r| r.address.to_string()).collect::<Vec<_>>(),
            ["s3_bucket.cloudtrail", "kms_key.operational"]
        );
        // --bypass-governance-retention (which the CLI makes imply --purge-data): everything goes.
        let plan = destroy_plan();
        let (plan, loss) = assess(plan.clone(), holding(&plan), &rules(false, true, true));
        assert!(loss.retained.is_empty(), "{:#?}", loss.retained);
        assert!(loss.purge.contains(&a("s3_bucket.cloudtrail")));
        let trail = loss.lost.iter().find(|l| l.address == a("s3_bucket.cloudtrail")).unwrap();
        assert_eq!(trail.note.as_deref(), Some("emptied bypassing its object lock GOVERNANCE, 7 years"));
        assert_eq!(plan.changes.len(), destroy_plan().changes.len());
        // A stage that purges empties every bucket, GOVERNANCE-locked ones included ...
        let plan = destroy_plan();
        let (_, loss) = assess(plan.clone(), holding(&plan), &rules(true, false, false));
        assert!(loss.retained.is_empty());
        assert!(loss.purge.contains(&a("s3_bucket.cloudtrail")) && loss.purge.contains(&a("s3_bucket.iceberg")));
        // ... but not a COMPLIANCE-locked one, whatever the flags; unless it is empty.
        let mut plan = destroy_plan();
        for c in plan.changes.iter_mut().filter(|c| c.address == a("s3_bucket.cloudtrail")) {
            if let Some(LiveResource { props: Props::S3Bucket(b), .. }) = c.live.as_mut() {
                b.object_lock_retention = Some(DefaultRetention { mode: "COMPLIANCE".into(), years: 7 });
            }
        }
        let (left, loss) = assess(plan.clone(), holding(&plan), &rules(true, true, true));
        assert!(!addresses(&left).contains("s3_bucket.cloudtrail"));
        assert_eq!(
            reason(&loss, "s3_bucket.cloudtrail"),
            "object lock COMPLIANCE, 7 years: no one can delete its object versions before their retention ends"
        );
        let empty = counts(&plan, &[]);
        let (left, loss) = assess(plan, empty, &rules(true, true, true));
        assert!(addresses(&left).contains("s3_bucket.cloudtrail"));
        assert!(
            !loss.purge.contains(&a("s3_bucket.cloudtrail")),
            "an empty COMPLIANCE bucket is deleted, never emptied"
        );
    }

    #[test]
    fn keys_list_what_they_encrypt_not_what_merely_names_them() {
        let plan = destroy_plan();
        let encrypts: Vec<String> = encrypted_by(&plan, &a("kms_key.pii")).iter().map(ToString::to_string).collect();
        assert!(encrypts.contains(&"s3_bucket.documents".to_string()), "{encrypts:?}");
        assert!(encrypts.iter().all(|e| !e.starts_with("ssm_parameter.") && !e.starts_with("iam_")), "{encrypts:?}");
        // A live resource (say, no longer declared) is matched by the key's ARN.
        let mut plan = destroy_plan();
        let queue = plan.changes.iter_mut().find(|c| c.address.kind() == Kind::SqsQueue).unwrap();
        let queue_address = queue.address.clone();
        if let Some(LiveResource { props: Props::SqsQueue(q), .. }) = queue.live.as_mut() {
            q.kms_master_key_id = "arn:id-pii".into();
        }
        plan.graph = ResourceGraph::build(Vec::new()).unwrap().into();
        assert_eq!(encrypted_by(&plan, &a("kms_key.pii")), [queue_address]);
    }

    #[test]
    fn the_summary_names_counts_keys_windows_and_what_is_retained() {
        let plan = destroy_plan();
        let counts = counts(
            &plan,
            &[
                ("s3_bucket.cloudtrail", trail_bucket_data()),
                (
                    "s3_bucket.documents",
                    counted(&[("objects", "1"), ("object versions", "3"), ("delete markers", "1")], false),
                ),
                ("cognito_user_pool.customers", counted(&[("users", "1 (Cognito's estimate)")], false)),
            ],
        );
        let (_, loss) = assess(plan, counts, &rules(false, true, false));
        let text = crate::render::data_loss(&loss);
        assert!(text.starts_with("Data that would be lost:\n"), "{text}");
        assert!(text.contains("  s3_bucket.documents: objects: 1, object versions: 3, delete markers: 1\n"), "{text}");
        assert!(text.contains("  cognito_user_pool.customers: users: 1 (Cognito's estimate)\n"), "{text}");
        let pii = text.lines().find(|l| l.starts_with("  kms_key.pii: encrypts ")).expect(&text);
        assert!(pii.contains("s3_bucket.documents") && pii.contains("scheduled for deletion in 30 days"), "{pii}");
        assert!(pii.ends_with("(key id-pii)"), "{pii}");
        assert!(text.contains("deleted by AWS after 30 days (the stage's kms_deletion_window_days), and what it encrypted can never be decrypted again; an apply within the window restores it"), "{text}");
        assert!(text.contains("empty, nothing to lose: "), "{text}");
        assert!(text.contains("Retained (not destroyed, still owned by the stack):\n"), "{text}");
        assert!(text.contains("  s3_bucket.cloudtrail: retained: object lock GOVERNANCE, 7 years; re-run with --bypass-governance-retention to empty and delete it\n      holds objects: 3, object versions: 3, object lock: GOVERNANCE, default retention 7 years\n"), "{text}");
        assert!(text.contains("  kms_key.operational: retained: encrypts retained s3_bucket.cloudtrail\n"), "{text}");

        let done = |address: &str| (a(address), Outcome::Done { action: Action::Delete, elapsed: Duration::ZERO });
        let failed = (a("kms_key.financial"), Outcome::Failed { action: Action::Delete, error: "boom".into() });
        let report = ApplyReport { outcomes: vec![done("kms_key.pii"), failed], ..ApplyReport::default() };
        let after = crate::render::destroyed_data(&loss, &report);
        assert!(
            after.starts_with("Keys pending deletion:\n  kms_key.pii (key id-pii): scheduled for deletion in 30 days"),
            "{after}"
        );
        assert!(!after.contains("kms_key.financial"), "a key that failed is not pending: {after}");
        assert!(after.contains("s3_bucket.cloudtrail: retained: "), "{after}");
    }

    #[test]
    fn nothing_to_lose_says_so() {
        let loss = DataLoss { kms_window_days: 7, ..DataLoss::default() };
        assert_eq!(
            crate::render::data_loss(&loss),
            "Data that would be lost:\n  none: every bucket, user pool and log group this destroy deletes is empty\n\n"
        );
    }
}
