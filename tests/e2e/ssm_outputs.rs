//! The SSM outputs contract: `/bank/{env}/network/*`, `kms/*`, `s3/*` hold the live IDs/ARNs.

use std::collections::BTreeSet;

use crate::harness::{Env, owned_filters};

#[tokio::test]
async fn ssm_outputs_publish_network_kms_and_s3_values() {
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
    assert_eq!(outputs.as_object().unwrap().len(), 65, "every declared output is listed: {outputs:#}");
}
