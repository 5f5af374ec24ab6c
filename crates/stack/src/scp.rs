//! Tag enforcement (GOV-005): service control policies that deny, without every required request
//! tag, exactly the create actions of the declared services that accept `aws:RequestTag` for the
//! resource they create (AWS's authorization data, `bankinfra_policy::authorization`), attached
//! to the organization root. They belong to the organization, not to a stage.
//!
//! Each statement denies one missing tag (`Null` on `aws:RequestTag/<tag>`) for a group of
//! actions. An action also authorized on a resource it does not create (`ec2:CreateSubnet` on
//! its VPC, which carries no request tags) gets a `Resource` of the ARN patterns it creates, and
//! shares a statement only with actions none of whose other resources those patterns match; an
//! action authorized on nothing but what it creates (or on nothing, as `kms:CreateKey`) is denied
//! on `*`, which for it is the same. The statements are packed into as few documents of at most
//! [`SCP_MAX_CHARACTERS`] as they fit; at most [`SCP_MAX_DOCUMENTS`] fit next to `FullAWSAccess`.

use bankinfra_model::props::organizations::ServiceControlPolicy;
use bankinfra_model::{Address, Kind, Props, Resource, Tags};
use bankinfra_policy::authorization::{TaggedCreate, arn_patterns_overlap, tagged_creates};
use serde_json::{Value, json};

use crate::Context;

/// The largest SCP document, in characters (Organizations quotas: "Maximum size of a policy
/// document: Service control policies: 5,120 characters",
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html>).
pub const SCP_MAX_CHARACTERS: usize = 5120;
/// The most SCPs attached to one target (root, OU or account) (same page).
pub const SCP_MAX_ATTACHED: usize = 5;
/// How many documents the stack's SCP may take: AWS's `FullAWSAccess` takes one attachment.
pub const SCP_MAX_DOCUMENTS: usize = SCP_MAX_ATTACHED - 1;

/// The address of the `n`th document (1-based): the first keeps the design's address and name.
pub fn scp_address(n: usize) -> Address {
    Address::new(Kind::ServiceControlPolicy, if n == 1 { "required-tags".into() } else { format!("required-tags-{n}") })
}

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let scp = &ctx.specs.stack.scp;
    let tags: Vec<&str> = scp.required_tags.iter().map(|t| t.get_ref().as_str()).collect();
    let services: Vec<&str> = scp.services.iter().map(|s| s.get_ref().as_str()).collect();
    let also_deny: Vec<&str> = scp.also_deny.iter().map(|a| a.get_ref().as_str()).collect();
    let documents = documents(&services, &tags, &also_deny);
    let count = documents.len();
    documents
        .into_iter()
        .enumerate()
        .map(|(i, policy)| {
            let n = i + 1;
            let address = scp_address(n);
            let (name, description) = if count == 1 {
                (scp.name.get_ref().clone(), scp.description.clone())
            } else {
                let name = if n == 1 { scp.name.get_ref().clone() } else { format!("{}-{n}", scp.name.get_ref()) };
                (name, format!("{} (part {n} of {count})", scp.description))
            };
            let tags = organization_tags(ctx, &address);
            Resource::new(
                address,
                Props::ServiceControlPolicy(ServiceControlPolicy {
                    name,
                    description,
                    policy,
                    attach_to_root: true,
                    tags,
                }),
            )
        })
        .collect()
}

/// The stage-independent default tags and the organization's ownership tags: every stage
/// declares the same, so none of them undoes another's apply.
fn organization_tags(ctx: &Context<'_>, address: &Address) -> Tags {
    let mut tags: Tags = crate::base_tags(ctx.specs)
        .into_iter()
        .filter(|(k, _)| ["tenant_id", "module_id", "system_id", "managed_by"].contains(&k.as_str()))
        .collect();
    tags.extend(ctx.ownership.organization_tags(address));
    tags
}

/// The policy documents, each at most [`SCP_MAX_CHARACTERS`] when serialised compactly.
pub fn documents(services: &[&str], required_tags: &[&str], also_deny: &[&str]) -> Vec<Value> {
    let data = tagged_creates();
    let rows: Vec<&TaggedCreate> = services.iter().flat_map(|s| data.of_service(s)).collect();
    let groups = groups(&rows, also_deny);
    let mut statements = Vec::new();
    for tag in required_tags {
        for (i, group) in groups.iter().enumerate() {
            for part in fitting_parts(group, tag) {
                statements.push(statement(&part, tag, i, statements.len()));
            }
        }
    }
    pack(statements)
}

/// Actions denied together, on `resources` (`["*"]` for the actions authorized only on what they
/// create).
#[derive(Debug, Clone, PartialEq)]
struct Group {
    actions: Vec<String>,
    resources: Vec<String>,
}

/// First fit, most constrained actions first, so no action's other resources match a pattern of
/// its group.
fn groups(rows: &[&TaggedCreate], also_deny: &[&str]) -> Vec<Group> {
    let mut ordered: Vec<&&TaggedCreate> = rows.iter().collect();
    ordered.sort_by(|a, b| b.also_authorized_on.len().cmp(&a.also_authorized_on.len()).then(a.action.cmp(&b.action)));
    let mut scoped: Vec<(Group, Vec<&TaggedCreate>)> = Vec::new();
    let mut anywhere = Group { actions: Vec::new(), resources: vec!["*".into()] };
    for row in ordered {
        if row.authorized_only_on_what_it_creates() {
            anywhere.actions.push(row.action.clone());
            continue;
        }
        let fits = |(group, members): &(Group, Vec<&TaggedCreate>)| {
            let resources: Vec<&String> = group.resources.iter().chain(&row.creates).collect();
            members.iter().copied().chain([*row]).all(|m| {
                m.also_authorized_on.iter().all(|other| resources.iter().all(|r| !arn_patterns_overlap(other, r)))
            })
        };
        match scoped.iter_mut().find(|g| fits(g)) {
            Some((group, members)) => {
                group.actions.push(row.action.clone());
                group.resources.extend(row.creates.iter().cloned());
                members.push(row);
            }
            None => {
                scoped.push((Group { actions: vec![row.action.clone()], resources: row.creates.clone() }, vec![*row]))
            }
        }
    }
    anywhere.actions.extend(also_deny.iter().map(|a| a.to_string()));
    let mut out: Vec<Group> = scoped.into_iter().map(|(g, _)| g).collect();
    out.push(anywhere);
    for group in &mut out {
        group.actions.sort();
        group.actions.dedup();
        group.resources.sort();
        group.resources.dedup();
    }
    out.retain(|g| !g.actions.is_empty());
    out
}

/// `group` split in halves until each half's statement fits in a document on its own.
fn fitting_parts(group: &Group, tag: &str) -> Vec<Group> {
    let fits = |g: &Group| size(&document(vec![statement(g, tag, 0, 0)])) <= SCP_MAX_CHARACTERS;
    if fits(group) || group.actions.len() < 2 {
        return vec![group.clone()];
    }
    let rows = tagged_creates();
    let half = group.actions.len() / 2;
    [&group.actions[..half], &group.actions[half..]]
        .into_iter()
        .flat_map(|actions| {
            let resources = if group.resources == ["*"] {
                group.resources.clone()
            } else {
                let mut r: Vec<String> =
                    actions.iter().filter_map(|a| rows.get(a)).flat_map(|row| row.creates.clone()).collect();
                r.sort();
                r.dedup();
                r
            };
            fitting_parts(&Group { actions: actions.to_vec(), resources }, tag)
        })
        .collect()
}

fn statement(group: &Group, tag: &str, group_index: usize, n: usize) -> Value {
    let pascal: String = tag
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| w.chars().take(1).flat_map(char::to_uppercase).chain(w.chars().skip(1)).collect::<String>())
        .collect();
    let resource = match group.resources.as_slice() {
        [one] => json!(one),
        many => json!(many),
    };
    json!({
        "Sid": format!("Require{pascal}{}{}", (b'A' + (group_index % 26) as u8) as char, n),
        "Effect": "Deny",
        "Action": group.actions,
        "Resource": resource,
        "Condition": {"Null": {format!("aws:RequestTag/{tag}"): "true"}}
    })
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The size AWS counts: the document as sent, compact JSON.
pub fn size(document: &Value) -> usize {
    serde_json::to_string(document).map(|s| s.chars().count()).unwrap_or(usize::MAX)
}

/// First-fit decreasing into documents of at most [`SCP_MAX_CHARACTERS`].
fn pack(mut statements: Vec<Value>) -> Vec<Value> {
    statements.sort_by_key(|s| std::cmp::Reverse(size(s)));
    let mut bins: Vec<Vec<Value>> = Vec::new();
    for statement in statements {
        let fits = |bin: &Vec<Value>| {
            let mut candidate = bin.clone();
            candidate.push(statement.clone());
            size(&document(candidate)) <= SCP_MAX_CHARACTERS
        };
        match bins.iter_mut().find(|b| fits(b)) {
            Some(bin) => bin.push(statement),
            None => bins.push(vec![statement]),
        }
    }
    bins.into_iter().map(document).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICES: [&str; 7] = ["s3", "ec2", "kms", "events", "iam", "lambda", "cloudtrail"];
    const TAGS: [&str; 3] = ["tenant_id", "module_id", "environment"];

    fn statements(documents: &[Value]) -> Vec<&Value> {
        documents.iter().flat_map(|d| d["Statement"].as_array().unwrap()).collect()
    }

    fn strings(value: &Value) -> Vec<String> {
        match value {
            Value::Array(items) => items.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
            Value::String(one) => vec![one.clone()],
            other => panic!("not a string list: {other}"),
        }
    }

    #[test]
    fn the_design_scp_fits_next_to_full_aws_access_within_the_size_limit() {
        let documents = documents(&SERVICES, &TAGS, &[]);
        assert!(documents.len() <= SCP_MAX_DOCUMENTS, "{} documents", documents.len());
        for d in &documents {
            assert!(size(d) <= SCP_MAX_CHARACTERS, "{} characters", size(d));
        }
    }

    #[test]
    fn every_tagged_create_is_denied_once_per_required_tag_and_nothing_else() {
        let documents = documents(&SERVICES, &TAGS, &[]);
        let data = tagged_creates();
        for tag in TAGS {
            let mut denied: Vec<String> = statements(&documents)
                .into_iter()
                .filter(|s| s["Condition"]["Null"].get(format!("aws:RequestTag/{tag}")).is_some())
                .flat_map(|s| strings(&s["Action"]))
                .collect();
            denied.sort();
            let mut expected: Vec<String> = data.actions.iter().map(|a| a.action.clone()).collect();
            expected.sort();
            assert_eq!(denied, expected, "{tag}");
        }
        assert!(statements(&documents).iter().all(|s| !strings(&s["Action"]).iter().any(|a| a.contains('*'))));
    }

    #[test]
    fn no_statement_catches_a_resource_an_action_is_authorized_on_but_does_not_create() {
        let documents = documents(&SERVICES, &TAGS, &[]);
        let data = tagged_creates();
        for s in statements(&documents) {
            let resources = strings(&s["Resource"]);
            for action in strings(&s["Action"]) {
                let row = data.get(&action).unwrap();
                if resources == ["*"] {
                    assert!(row.authorized_only_on_what_it_creates(), "{action} on *");
                    continue;
                }
                for other in &row.also_authorized_on {
                    assert!(
                        resources.iter().all(|r| !arn_patterns_overlap(other, r)),
                        "{action}: {other} is caught by {resources:?}"
                    );
                }
                for created in &row.creates {
                    assert!(resources.contains(created), "{action} creates {created}");
                }
            }
        }
        let subnet = statements(&documents)
            .into_iter()
            .find(|s| strings(&s["Action"]).contains(&"ec2:CreateSubnet".to_string()))
            .unwrap();
        assert!(strings(&subnet["Resource"]).contains(&"arn:*:ec2:*:*:subnet/*".to_string()));
        assert!(!strings(&subnet["Resource"]).iter().any(|r| r.contains(":vpc/")), "the VPC is not caught");
    }

    #[test]
    fn further_actions_are_denied_on_every_resource() {
        let documents = documents(&["kms"], &TAGS, &["kms:CreateAlias"]);
        let alias = statements(&documents)
            .into_iter()
            .filter(|s| strings(&s["Action"]).contains(&"kms:CreateAlias".to_string()))
            .count();
        assert_eq!(alias, 3, "one statement per tag");
    }

    #[test]
    fn a_group_too_large_for_one_document_is_split() {
        let many: Vec<String> = (0..400).map(|i| format!("s3:CreateThing{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let documents = documents(&["s3"], &["tenant_id"], &many);
        assert!(documents.len() > 1);
        assert!(documents.iter().all(|d| size(d) <= SCP_MAX_CHARACTERS));
    }
}
