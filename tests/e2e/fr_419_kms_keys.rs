//! FR-419: three classification CMKs with annual rotation, aliases, key policies, SSM export.

use serde_json::Value;

use crate::harness::Env;

#[tokio::test]
async fn fr_419_three_classification_keys_with_rotation_policies_and_ssm_export() {
    let env = Env::new().await;
    env.apply();
    let kms = env.kms();
    let aliases = kms.list_aliases().send().await.unwrap();
    for class in ["pii", "financial", "operational"] {
        let alias = format!("alias/bank/{class}");
        let target = aliases
            .aliases()
            .iter()
            .find(|a| a.alias_name() == Some(alias.as_str()))
            .and_then(|a| a.target_key_id())
            .unwrap_or_else(|| panic!("{alias} exists"));
        let meta = kms.describe_key().key_id(target).send().await.unwrap();
        let meta = meta.key_metadata().unwrap();
        assert!(meta.enabled(), "{alias} is enabled");
        let rotation = kms.get_key_rotation_status().key_id(target).send().await.unwrap();
        assert!(rotation.key_rotation_enabled(), "{alias} rotates");
        assert_eq!(rotation.rotation_period_in_days(), Some(365), "{alias} rotates annually");

        let policy = kms.get_key_policy().key_id(target).policy_name("default").send().await.unwrap();
        let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
        let principals: Vec<String> =
            policy["Statement"].as_array().unwrap().iter().map(|s| s["Principal"].to_string()).collect();
        assert!(
            principals.iter().any(|p| p.contains("arn:aws:iam::123456789012:root")),
            "{alias} trusts the account root"
        );
        for service in ["cloudtrail.amazonaws.com", "logs.ap-southeast-2.amazonaws.com", "sns.amazonaws.com"] {
            let trusted = principals.iter().any(|p| p.contains(service));
            assert_eq!(trusted, class == "operational", "{alias} trusts {service}: {trusted}");
        }
        assert_eq!(env.param(&format!("kms/{class}/arn")).await.as_deref(), meta.arn(), "{alias} ARN is exported");
    }
    env.assert_no_changes();
}
