//! FR-420 / GOV-006 (CloudTrail part) and observability: the multi-region trail into the locked
//! bucket and CloudWatch Logs, logging; the shared log group, alerts topic and sampling rule.

use crate::harness::{Env, STAGE, changes, expect_changes};

#[tokio::test]
async fn fr_420_cloudtrail_multi_region_validated_encrypted_logging_with_s3_data_events() {
    let env = Env::new().await;
    env.apply();
    let ct = env.cloudtrail();
    let trails = ct.describe_trails().trail_name_list("bank-platform").send().await.unwrap();
    let trail = &trails.trail_list()[0];
    let operational = env.param("kms/operational/arn").await.unwrap();
    assert_eq!(trail.s3_bucket_name(), Some(format!("bank-cloudtrail-{STAGE}").as_str()));
    assert_eq!(trail.is_multi_region_trail(), Some(true));
    assert_eq!(trail.include_global_service_events(), Some(true));
    assert_eq!(trail.log_file_validation_enabled(), Some(true));
    assert_eq!(trail.kms_key_id(), Some(operational.as_str()), "encrypted with the operational key");
    let group_arn = env.param("cloudtrail/log-group-arn").await.unwrap();
    assert!(group_arn.ends_with(&format!(":log-group:/aws/cloudtrail/bank-platform-{STAGE}")), "{group_arn}");
    assert_eq!(trail.cloud_watch_logs_log_group_arn(), Some(format!("{group_arn}:*").as_str()));
    assert!(
        trail
            .cloud_watch_logs_role_arn()
            .is_some_and(|r| r.ends_with(&format!(":role/bank-platform-cloudtrail-logs-{STAGE}")))
    );
    assert_eq!(env.param("cloudtrail/arn").await.as_deref(), trail.trail_arn());

    let status = ct.get_trail_status().name("bank-platform").send().await.unwrap();
    assert_eq!(status.is_logging(), Some(true), "the trail is logging");
    let selectors = ct.get_event_selectors().trail_name("bank-platform").send().await.unwrap();
    let selector = &selectors.event_selectors()[0];
    assert_eq!(selector.read_write_type().map(|t| t.as_str()), Some("All"), "management read + write");
    assert_eq!(selector.include_management_events(), Some(true));
    let data = &selector.data_resources()[0];
    assert_eq!((data.r#type(), data.values()), (Some("AWS::S3::Object"), &["arn:aws:s3".to_string()][..]));

    let logs = env.logs();
    let groups = logs.describe_log_groups().log_group_name_prefix("/aws/").send().await.unwrap();
    for name in [format!("/aws/cloudtrail/bank-platform-{STAGE}"), format!("/aws/bank-platform/{STAGE}")] {
        let group = groups.log_groups().iter().find(|g| g.log_group_name() == Some(name.as_str())).expect("group");
        assert_eq!(group.kms_key_id(), Some(operational.as_str()), "{name} is encrypted");
        assert_eq!(group.retention_in_days(), Some(365), "{name} keeps a year");
    }
    let platform_group = env.param("logs/bank-platform/arn").await.unwrap();
    assert!(platform_group.ends_with(&format!(":log-group:/aws/bank-platform/{STAGE}")), "{platform_group}");

    let topic_arn = env.param("sns/alerts/arn").await.unwrap();
    assert!(topic_arn.ends_with(&format!(":bank-platform-alerts-{STAGE}")), "{topic_arn}");
    let topic = env.sns().get_topic_attributes().topic_arn(&topic_arn).send().await.unwrap();
    assert_eq!(topic.attributes().unwrap().get("KmsMasterKeyId"), Some(&operational), "alerts are encrypted");

    let rules = env.xray().get_sampling_rules().send().await.unwrap();
    let rule = rules
        .sampling_rule_records()
        .iter()
        .filter_map(|r| r.sampling_rule())
        .find(|r| r.rule_name() == Some(format!("bank-platform-default-{STAGE}").as_str()))
        .expect("sampling rule");
    assert_eq!((rule.fixed_rate(), rule.reservoir_size()), (0.05, 1), "5 % fixed, reservoir 1");
    assert_eq!(env.param("xray/sampling/arn").await.as_deref(), rule.rule_arn());
    env.assert_no_changes();
}

#[tokio::test]
async fn fr_420_out_of_band_trail_and_observability_changes_are_planned_exactly_and_repaired() {
    let env = Env::new().await;
    env.apply();
    let ct = env.cloudtrail();
    ct.stop_logging().name("bank-platform").send().await.unwrap();
    ct.update_trail().name("bank-platform").enable_log_file_validation(false).send().await.unwrap();
    let logs = env.logs();
    logs.put_retention_policy()
        .log_group_name(format!("/aws/bank-platform/{STAGE}"))
        .retention_in_days(7)
        .send()
        .await
        .unwrap();
    logs.disassociate_kms_key().log_group_name(format!("/aws/cloudtrail/bank-platform-{STAGE}")).send().await.unwrap();
    let topic_arn = env.param("sns/alerts/arn").await.unwrap();
    env.sns().untag_resource().resource_arn(&topic_arn).tag_keys("module_id").send().await.unwrap();
    let update = aws_sdk_xray::types::SamplingRuleUpdate::builder()
        .rule_name(format!("bank-platform-default-{STAGE}"))
        .fixed_rate(0.5)
        .build();
    env.xray().update_sampling_rule().sampling_rule_update(update).send().await.unwrap();

    let mut found = changes(&env.plan_json(2));
    found.sort();
    let expected = expect_changes(&[
        ("cloudtrail_trail.bank-platform", "update", &["enable_log_file_validation", "logging"]),
        ("log_group.bank-platform", "update", &["retention_days"]),
        ("log_group.cloudtrail", "update", &["kms_key_id"]),
        ("sns_topic.alerts", "update", &["tags.module_id"]),
        ("xray_sampling_rule.default", "update", &["fixed_rate"]),
    ]);
    assert_eq!(found, expected);
    env.apply();
    env.assert_no_changes();
}
