use bankinfra_model::Kind;
use serde_json::json;

use super::*;
use crate::testing::{local_specs, stack_state};

const CALLER: &str = "arn:aws:sts::123456789012:assumed-role/deployer/ci";

fn place() -> Place<'static> {
    Place { region: "ap-southeast-2", account: "123456789012" }
}

/// Every call a cold apply of the repository's stack makes.
fn cold_apply_calls() -> Vec<PlannedCall> {
    stack_state(&local_specs())
        .iter()
        .flat_map(|l| planned_calls(&l.address, Verb::Create, &l.props, &l.outputs, place()))
        .collect()
}

fn design_scps(also_deny: &[&str]) -> Vec<InForce> {
    let services = ["s3", "ec2", "kms", "events", "iam", "lambda", "cloudtrail"];
    let tags = ["tenant_id", "module_id", "environment"];
    let mut scps = vec![InForce {
        name: "FullAWSAccess".into(),
        document: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    }];
    for (i, document) in bankinfra_stack::scp::documents(&services, &tags, also_deny).into_iter().enumerate() {
        scps.push(InForce { name: format!("bank-platform-required-tags-{}", i + 1), document });
    }
    scps
}

fn caller() -> Principal {
    principal_of(CALLER, "123456789012")
}

#[test]
fn the_design_scp_denies_none_of_the_stacks_own_calls() {
    let calls = cold_apply_calls();
    assert!(calls.iter().any(|c| c.action == "kms:CreateAlias"), "the table covers aliases");
    let found = lockouts(&calls, &caller(), &design_scps(&[]), "the planned SCPs");
    assert!(found.is_empty(), "{}", found.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
}

#[test]
fn denying_kms_create_alias_again_locks_out_every_keys_alias() {
    let found = lockouts(&cold_apply_calls(), &caller(), &design_scps(&["kms:CreateAlias"]), "the planned SCPs");
    let aliases: Vec<&Lockout> = found.iter().filter(|l| l.call.action == "kms:CreateAlias").collect();
    assert!(!aliases.is_empty());
    assert!(found.iter().all(|l| l.call.action == "kms:CreateAlias"), "nothing else: {found:?}");
    let text = aliases[0].to_string();
    assert!(text.contains("kms:CreateAlias on arn:aws:kms:ap-southeast-2:123456789012:"), "{text}");
    assert!(text.contains("bank-platform-required-tags") && text.contains("statement"), "{text}");
}

#[test]
fn the_old_create_star_scp_locks_out_untaggable_creates_and_second_resources() {
    let actions: Vec<String> =
        ["s3", "ec2", "kms", "events", "iam", "lambda", "cloudtrail"].iter().map(|s| format!("{s}:Create*")).collect();
    let statements: Vec<_> = ["tenant_id", "module_id", "environment"]
        .iter()
        .map(|t| {
            json!({"Effect": "Deny", "Action": actions, "Resource": "*",
            "Condition": {"Null": {format!("aws:RequestTag/{t}"): "true"}}})
        })
        .collect();
    let mut scps = design_scps(&[]);
    scps.truncate(1);
    scps.push(InForce { name: "old".into(), document: json!({"Version": "2012-10-17", "Statement": statements}) });
    let found = lockouts(&cold_apply_calls(), &caller(), &scps, "the SCPs in force now");
    let denied: std::collections::BTreeSet<&str> = found.iter().map(|l| l.call.action.as_str()).collect();
    for action in ["kms:CreateAlias", "events:CreateArchive", "ec2:CreateRoute", "ec2:CreateSubnet"] {
        assert!(denied.contains(action), "{action} is locked out: {denied:?}");
    }
    let subnet_on_vpc = found.iter().find(|l| l.call.action == "ec2:CreateSubnet").unwrap();
    assert!(subnet_on_vpc.call.resource.contains(":vpc/"), "denied on the VPC, which has no request tags");
    assert!(!denied.contains("s3:CreateBucket"), "a tagged CreateBucket passes");
}

#[test]
fn an_untagged_create_is_denied_and_a_tagged_one_allowed() {
    let call = |tags: Option<Tags>| PlannedCall {
        address: Address::new(Kind::S3Bucket, "documents"),
        verb: Verb::Create,
        action: "s3:CreateBucket".into(),
        resource: "arn:aws:s3:::somebody-elses".into(),
        request_tags: tags,
    };
    let tags: Tags = [("tenant_id", "t"), ("module_id", "m"), ("environment", "e")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let found = lockouts(&[call(None), call(Some(tags))], &caller(), &design_scps(&[]), "now");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].call.request_tags, None);
}

#[test]
fn every_action_of_the_table_is_service_qualified() {
    for action in all_actions() {
        let (service, name) = action.split_once(':').unwrap();
        assert!(!service.is_empty() && name.chars().next().is_some_and(|c| c.is_ascii_uppercase()), "{action}");
    }
    assert_eq!(iam_action("s3:PutBucketEncryption"), "s3:PutEncryptionConfiguration");
    assert_eq!(iam_action("kms:CreateAlias"), "kms:CreateAlias");
}

#[test]
fn a_create_authorized_on_its_vpc_too_is_evaluated_on_the_vpc() {
    let data = tagged_creates();
    for kind in Kind::ALL {
        for (action, _) in calls::calls(kind, Verb::Create) {
            let Some(row) = data.get(action) else { continue };
            let on_vpc = row.also_authorized_on.iter().any(|p| p.ends_with(":vpc/*"));
            let listed = calls::calls(kind, Verb::Create).iter().any(|(a, on)| a == action && *on == On::Vpc);
            assert_eq!(on_vpc, listed, "{kind} {action}: the reference says it is authorized on the VPC: {on_vpc}");
        }
    }
}
