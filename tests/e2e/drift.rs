//! Out-of-band drift is planned as exactly what changed, repaired by apply, and then gone.

use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};

use crate::harness::{Env, changes, owned_filters};

#[tokio::test]
async fn drift_is_planned_exactly_and_repaired() {
    let env = Env::new().await;
    env.apply();
    let (kms, s3, ec2, ssm) = (env.kms(), env.s3(), env.ec2(), env.ssm());

    // Key rotation disabled on the PII key.
    let pii = kms.describe_key().key_id("alias/bank/pii").send().await.unwrap();
    let pii_id = pii.key_metadata().unwrap().key_id().to_string();
    kms.disable_key_rotation().key_id(&pii_id).send().await.unwrap();
    // Versioning suspended on the iceberg bucket.
    s3.put_bucket_versioning()
        .bucket("bank-iceberg-local")
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Suspended).build())
        .send()
        .await
        .unwrap();
    // The documents lifecycle rule changed to expire after 30 days.
    env.expire_objects_after("bank-documents-local", 30).await;
    // An ownership tag removed from a subnet.
    let subnets = ec2.describe_subnets().set_filters(Some(owned_filters())).send().await.unwrap();
    let subnet = subnets
        .subnets()
        .iter()
        .find(|s| s.tags().iter().any(|t| t.value() == Some("subnet.private-b")))
        .expect("subnet.private-b");
    ec2.delete_tags()
        .resources(subnet.subnet_id().unwrap())
        .tags(aws_sdk_ec2::types::Tag::builder().key("bankinfra:stage").build())
        .send()
        .await
        .unwrap();
    // An SSM output deleted.
    ssm.delete_parameter().name("/bank/local/network/vpc-id").send().await.unwrap();

    let plan = env.plan_json(2);
    let mut found = changes(&plan);
    found.sort();
    let expected = vec![
        ("kms_key.pii", "update", vec!["rotation_period_days"]),
        ("s3_bucket.documents", "update", vec!["lifecycle_rules"]),
        ("s3_bucket.iceberg", "update", vec!["versioning"]),
        ("ssm_parameter.network/vpc-id", "create", vec!["name", "value", "parameter_type", "description", "tags"]),
        ("subnet.private-b", "update", vec!["tags.bankinfra:stage"]),
    ];
    let expected: Vec<(String, String, Vec<String>)> = expected
        .into_iter()
        .map(|(a, k, p)| (a.to_string(), k.to_string(), p.into_iter().map(str::to_string).collect()))
        .collect();
    assert_eq!(found, expected, "plan shows exactly the drift:\n{plan:#}");

    let applied = env.apply();
    assert!(applied.contains("1 created, 4 updated, 0 replaced, 0 destroyed"), "{applied}");
    env.assert_no_changes();
    let rotation = kms.get_key_rotation_status().key_id(&pii_id).send().await.unwrap();
    assert!(rotation.key_rotation_enabled());
}

#[tokio::test]
async fn resource_deleted_out_of_band_is_recreated_alone() {
    let env = Env::new().await;
    env.apply();
    env.s3().delete_bucket().bucket("bank-artefacts-local").send().await.unwrap();

    let plan = env.plan_json(2);
    let found: Vec<(String, String)> = changes(&plan).into_iter().map(|(a, k, _)| (a, k)).collect();
    assert_eq!(found, vec![("s3_bucket.artefacts".to_string(), "create".to_string())]);
    let applied = env.apply();
    assert!(applied.contains("1 created, 0 updated, 0 replaced, 0 destroyed"), "{applied}");
    env.assert_no_changes();
}
