//! FR-417: eight system-domain buses, each with the cross-account resource policy, a 30-day
//! archive and a KMS-encrypted 14-day dead-letter queue, all published to SSM.

use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;

use crate::harness::{Env, STAGE, changes, expect_changes};

const DOMAINS: [&str; 8] = [
    "bank-core",
    "bank-kyc",
    "bank-aml",
    "bank-payments",
    "bank-credit",
    "bank-risk-platform",
    "bank-platform",
    "bank-app",
];

#[tokio::test]
async fn fr_417_eight_buses_with_cross_account_policy_archive_and_encrypted_dlq() {
    let env = Env::new().await;
    env.apply();
    let (events, sqs) = (env.events(), env.sqs());
    let operational_key = env.param("kms/operational/arn").await.expect("operational key ARN is published");

    for domain in DOMAINS {
        let bus = events.describe_event_bus().name(domain).send().await.unwrap_or_else(|e| panic!("{domain}: {e}"));
        let bus_arn = bus.arn().unwrap().to_string();
        assert!(bus_arn.ends_with(&format!(":event-bus/{domain}")), "{bus_arn}");
        let policy: Value = serde_json::from_str(bus.policy().expect("bus has a policy")).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        assert!(
            statements.iter().any(|s| s["Principal"].to_string().contains("arn:aws:iam::123456789012:root")),
            "{domain} trusts the account root: {policy:#}"
        );
        assert!(
            statements.iter().any(|s| s["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == "o-1gqwjyxxhw"),
            "{domain} trusts the organization: {policy:#}"
        );
        let tags = events.list_tags_for_resource().resource_arn(&bus_arn).send().await.unwrap();
        let tag = |k: &str| tags.tags().iter().find(|t| t.key() == k).map(|t| t.value().to_string());
        assert_eq!(tag("module_id").as_deref(), Some("MOD-104"), "{domain} is tagged");
        assert_eq!(tag("environment").as_deref(), Some(STAGE));

        let archive = events.describe_archive().archive_name(format!("{domain}-archive")).send().await.unwrap();
        assert_eq!(archive.event_source_arn(), Some(bus_arn.as_str()), "{domain} archive source");
        assert_eq!(archive.retention_days(), Some(30), "{domain} archive keeps 30 days");

        let queue = format!("{domain}-events-dlq-{STAGE}");
        let url = sqs.get_queue_url().queue_name(&queue).send().await.unwrap_or_else(|e| panic!("{queue}: {e}"));
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(url.queue_url().unwrap())
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .unwrap();
        let attrs = attrs.attributes().unwrap();
        assert_eq!(attrs[&QueueAttributeName::KmsMasterKeyId], operational_key, "{queue} is encrypted");
        assert_eq!(attrs[&QueueAttributeName::MessageRetentionPeriod], "1209600", "{queue} keeps 14 days");
        let queue_arn = &attrs[&QueueAttributeName::QueueArn];

        assert_eq!(env.param(&format!("eventbridge/{domain}/arn")).await, Some(bus_arn.clone()));
        assert_eq!(env.param(&format!("eventbridge/{domain}/dlq-arn")).await.as_ref(), Some(queue_arn));
        assert_eq!(env.param(&format!("eventbridge/{domain}/archive-arn")).await.as_deref(), archive.archive_arn());
    }
    env.assert_no_changes();
}

#[tokio::test]
async fn fr_417_out_of_band_changes_to_buses_archives_and_queues_are_planned_exactly_and_repaired() {
    let env = Env::new().await;
    env.apply();
    let (events, sqs) = (env.events(), env.sqs());
    events.remove_permission().event_bus_name("bank-aml").remove_all_permissions(true).send().await.unwrap();
    let core = events.describe_event_bus().name("bank-core").send().await.unwrap();
    events.untag_resource().resource_arn(core.arn().unwrap()).tag_keys("cost_center").send().await.unwrap();
    events.update_archive().archive_name("bank-kyc-archive").retention_days(7).send().await.unwrap();
    let url = sqs.get_queue_url().queue_name(format!("bank-app-events-dlq-{STAGE}")).send().await.unwrap();
    sqs.set_queue_attributes()
        .queue_url(url.queue_url().unwrap())
        .attributes(QueueAttributeName::MessageRetentionPeriod, "86400")
        .send()
        .await
        .unwrap();

    let mut found = changes(&env.plan_json(2));
    found.sort();
    let expected = expect_changes(&[
        ("event_archive.bank-kyc", "update", &["retention_days"]),
        ("event_bus.bank-aml", "update", &["policy"]),
        ("event_bus.bank-core", "update", &["tags.cost_center"]),
        ("sqs_queue.bank-app-dlq", "update", &["message_retention_seconds"]),
    ]);
    assert_eq!(found, expected);
    env.apply();
    env.assert_no_changes();
}
