//! Field-level comparison of desired and live properties.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Props, policy, uncompared};

/// One attribute that differs: `path` is dotted (`public_access_block.block_public_acls`,
/// `tags.bankinfra:address`); `None` means absent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Attributes holding policy documents, compared semantically.
const POLICY_FIELDS: &[&str] = &["policy", "assume_role_policy"];
/// Attributes holding a map of named policy documents (a role's inline policies).
const POLICY_MAPS: &[&str] = &["inline_policies"];

/// What must change to turn `live` into `desired`. Empty when they match. The attributes listed
/// in [`crate::UNCOMPARED`] for the kind are left out.
pub fn diff(live: &Props, desired: &Props) -> Vec<FieldChange> {
    // Identical properties have no semantic difference either (the common, converged case):
    // skip the JSON forms. Anything else, even a mere reordering, gets the full comparison.
    if live == desired {
        return Vec::new();
    }
    let skipped: Vec<&str> = uncompared(desired.kind()).collect();
    diff_except(live, desired, &skipped)
}

/// [`diff`] leaving out the top-level attributes `skipped`.
fn diff_except(live: &Props, desired: &Props, skipped: &[&str]) -> Vec<FieldChange> {
    let compared = |props: &Props| {
        let mut fields = props.fields();
        for attribute in skipped {
            fields.shift_remove(*attribute);
        }
        fields
    };
    let mut out = Vec::new();
    diff_maps("", &compared(live), &compared(desired), false, &mut out);
    out
}

fn diff_maps(
    prefix: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    policies: bool,
    out: &mut Vec<FieldChange>,
) {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        let (b, a) = (before.get(key), after.get(key));
        let is_policy = policies || POLICY_FIELDS.contains(&key.as_str());
        match (b, a) {
            (Some(Value::Object(bm)), Some(Value::Object(am))) if !is_policy => {
                diff_maps(&path, bm, am, POLICY_MAPS.contains(&key.as_str()), out)
            }
            (Some(bv), Some(av)) if is_policy => {
                if !policy::equivalent(bv, av) {
                    out.push(FieldChange {
                        path,
                        before: Some(policy::normalize(bv)),
                        after: Some(policy::normalize(av)),
                    });
                }
            }
            _ if b.map(canonical) == a.map(canonical) => {}
            _ => out.push(FieldChange { path, before: b.cloned(), after: a.cloned() }),
        }
    }
}

/// Lists in this model are sets (subnet IDs, route table IDs, routes, rules): compare them
/// without regard to order.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            items.sort_by_key(|i| i.to_string());
            Value::Array(items)
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::ec2::Subnet;
    use serde_json::json;

    fn subnet(cidr: &str, tags: &[(&str, &str)]) -> Props {
        Props::Subnet(Subnet {
            vpc_id: "vpc-1".into(),
            cidr_block: cidr.into(),
            availability_zone: "ap-southeast-2a".into(),
            map_public_ip_on_launch: false,
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        })
    }

    #[test]
    fn identical_props_have_no_changes() {
        let a = subnet("10.0.0.0/24", &[("a", "1")]);
        assert!(diff(&a, &a.clone()).is_empty());
    }

    #[test]
    fn a_removed_tag_is_reported_alone() {
        let live = subnet("10.0.0.0/24", &[("a", "1")]);
        let desired = subnet("10.0.0.0/24", &[("a", "1"), ("bankinfra:address", "subnet.x")]);
        let changes = diff(&live, &desired);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "tags.bankinfra:address");
        assert_eq!(changes[0].before, None);
        assert_eq!(changes[0].after, Some(json!("subnet.x")));
    }

    #[test]
    fn list_order_is_not_a_change() {
        let mut a = subnet("10.0.0.0/24", &[]);
        let mut b = a.clone();
        if let (Props::Subnet(x), Props::Subnet(y)) = (&mut a, &mut b) {
            x.vpc_id = "v".into();
            y.vpc_id = "v".into();
        }
        let rt = |ids: &[&str]| {
            Props::RouteTable(crate::props::ec2::RouteTable {
                vpc_id: "v".into(),
                routes: vec![],
                subnet_ids: ids.iter().map(|s| s.to_string()).collect(),
                tags: Default::default(),
            })
        };
        assert!(diff(&rt(&["a", "b"]), &rt(&["b", "a"])).is_empty());
        assert_eq!(diff(&rt(&["a"]), &rt(&["b", "a"])).len(), 1);
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn skipped_attributes_are_left_out_and_only_they() {
        let live = subnet("10.0.0.0/24", &[("a", "1")]);
        let desired = subnet("10.0.1.0/24", &[("a", "2")]);
        let changes = diff_except(&live, &desired, &["cidr_block"]);
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["tags.a"]);
        assert_eq!(diff(&live, &desired).len(), 2, "subnets compare every attribute");
    }

    #[test]
    fn scalar_changes_carry_before_and_after() {
        let changes = diff(&subnet("10.0.0.0/24", &[]), &subnet("10.0.1.0/24", &[]));
        assert_eq!(changes[0].path, "cidr_block");
        assert_eq!(changes[0].before, Some(json!("10.0.0.0/24")));
    }
}
