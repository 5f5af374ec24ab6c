//! The SSM outputs contract (the consumer contract of the design's outputs table): every path
//! exists under `/bank/{env}/`, nothing else does, and `outputs --json` lists the same. The
//! values of each area are checked against live state here (network, S3) and in the tests of
//! their requirement (FR-417 buses, FR-419 keys, FR-420 IAM, Cognito, Firehose, CloudTrail).

use std::collections::BTreeSet;

use crate::harness::{Env, owned_filters};

#[tokio::test]
async fn ssm_outputs_publish_the_whole_contract_with_live_values() {
    let env = Env::new().await;
    env.apply();
    let ec2 = env.ec2();
    let vpc = ec2.describe_vpcs().set_filters(Some(owned_filters())).send().await.unwrap();
    let vpc_id = vpc.vpcs()[0].vpc_id().unwrap().to_string();
    assert_eq!(env.param("network/vpc-id").await.as_deref(), Some(vpc_id.as_str()));

    let subnets = ec2.describe_subnets().set_filters(Some(owned_filters())).send().await.unwrap();
    for tier in ["public", "private"] {
        let expected: BTreeSet<String> = subnets
            .subnets()
            .iter()
            .filter(|s| s.tags().iter().any(|t| t.key() == Some("tier") && t.value() == Some(tier)))
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .collect();
        let csv = env.param(&format!("network/{tier}-subnet-ids")).await.expect("subnet ids output");
        let published: BTreeSet<String> = csv.split(',').map(str::to_string).collect();
        assert_eq!(published, expected, "{tier} subnet IDs");
    }

    for purpose in ["iceberg", "firehose-landing", "documents", "artefacts", "reports", "cloudtrail", "pulumi-state"] {
        assert_eq!(env.param(&format!("s3/{purpose}/name")).await, Some(format!("bank-{purpose}-local")));
    }
    assert_eq!(env.param("s3/iceberg/arn").await.as_deref(), Some("arn:aws:s3:::bank-iceberg-local"));
    assert_eq!(env.param("s3/pulumi-state/arn").await.as_deref(), Some("arn:aws:s3:::bank-pulumi-state-local"));

    let outputs = env.run_expect(&["outputs", "--stage", "local", "--json"], 0);
    let outputs: serde_json::Value = serde_json::from_str(&outputs).unwrap();
    let listed: BTreeSet<String> =
        outputs.as_object().unwrap().keys().map(|k| k.trim_start_matches("/bank/local/").to_string()).collect();
    let mut published = BTreeSet::new();
    let ssm = env.ssm();
    let mut token = None;
    loop {
        let page = ssm
            .get_parameters_by_path()
            .path("/bank/local/")
            .recursive(true)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        published.extend(
            page.parameters().iter().filter_map(|p| p.name()).map(|n| n.trim_start_matches("/bank/local/").to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let contract = design_contract();
    assert_eq!(published, contract, "SSM holds exactly the design's outputs table");
    assert_eq!(listed, contract, "`outputs --json` prints the same contract");
}

/// Every path of the design's outputs table, with `{domain}` and `{client-name}` expanded.
fn design_contract() -> BTreeSet<String> {
    let mut paths: Vec<String> = [
        "network/vpc-id",
        "network/private-subnet-ids",
        "network/public-subnet-ids",
        "kms/pii/arn",
        "kms/financial/arn",
        "kms/operational/arn",
        "s3/iceberg/name",
        "s3/iceberg/arn",
        "s3/firehose-landing/name",
        "s3/documents/name",
        "s3/artefacts/name",
        "s3/reports/name",
        "s3/cloudtrail/name",
        "s3/pulumi-state/name",
        "s3/pulumi-state/arn",
        "iam/cicd/arn",
        "iam/break-glass/arn",
        "iam/secrets-read/arn",
        "cognito/customers/pool-id",
        "cognito/customers/arn",
        "cognito/customers/client/mobile",
        "cognito/customers/client/web",
        "cognito/staff/pool-id",
        "cognito/staff/arn",
        "cognito/staff/client/back-office",
        "cognito/staff/client/api-authoriser",
        "firehose/cdc/arn",
        "firehose/usage/arn",
        "cloudtrail/arn",
        "cloudtrail/log-group-arn",
        "logs/bank-platform/arn",
        "sns/alerts/arn",
        "xray/sampling/arn",
    ]
    .map(str::to_string)
    .to_vec();
    let domains = [
        "bank-core",
        "bank-kyc",
        "bank-aml",
        "bank-payments",
        "bank-credit",
        "bank-risk-platform",
        "bank-platform",
        "bank-app",
    ];
    for domain in domains {
        for leaf in ["arn", "dlq-arn", "archive-arn"] {
            paths.push(format!("eventbridge/{domain}/{leaf}"));
        }
        paths.push(format!("iam/lambda/{domain}/arn"));
    }
    paths.into_iter().collect()
}
