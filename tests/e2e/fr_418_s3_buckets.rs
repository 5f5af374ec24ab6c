//! FR-418 / DT-002 (configuration side): the seven buckets, each with its classification key,
//! SSE-KMS, versioning, all four public-access-block flags, the deny statements, its lifecycle,
//! and Object Lock on the CloudTrail bucket.

use serde_json::Value;

use crate::harness::Env;

/// (purpose, classification, glacier days, expiry days, object lock)
type Expected = (&'static str, &'static str, Option<i32>, Option<i32>, bool);

const BUCKETS: &[Expected] = &[
    ("iceberg", "financial", Some(90), Some(2555), false),
    ("firehose-landing", "operational", None, Some(1), false),
    ("documents", "pii", Some(365), Some(2555), false),
    ("artefacts", "operational", None, Some(90), false),
    ("reports", "financial", Some(365), Some(2555), false),
    ("cloudtrail", "operational", Some(90), Some(2555), true),
    ("pulumi-state", "operational", None, None, false),
];

#[tokio::test]
async fn fr_418_seven_buckets_encrypted_versioned_private_with_lifecycle() {
    let env = Env::new().await;
    env.apply();
    let s3 = env.s3();
    for &(purpose, class, glacier, expire, locked) in BUCKETS {
        let bucket = format!("bank-{purpose}-local");
        let key_arn = env.param(&format!("kms/{class}/arn")).await.expect("key ARN output");

        let sse = s3.get_bucket_encryption().bucket(&bucket).send().await.unwrap();
        let rule = &sse.server_side_encryption_configuration().unwrap().rules()[0];
        let default = rule.apply_server_side_encryption_by_default().unwrap();
        assert_eq!(default.sse_algorithm().as_str(), "aws:kms", "{bucket} uses SSE-KMS");
        assert_eq!(default.kms_master_key_id(), Some(key_arn.as_str()), "{bucket} uses the {class} key");

        let versioning = s3.get_bucket_versioning().bucket(&bucket).send().await.unwrap();
        assert_eq!(versioning.status().map(|s| s.as_str()), Some("Enabled"), "{bucket} is versioned");

        let pab = s3.get_public_access_block().bucket(&bucket).send().await.unwrap();
        let pab = pab.public_access_block_configuration().unwrap();
        assert_eq!(
            [
                pab.block_public_acls(),
                pab.ignore_public_acls(),
                pab.block_public_policy(),
                pab.restrict_public_buckets()
            ],
            [Some(true); 4],
            "{bucket} blocks public access"
        );

        let policy = s3.get_bucket_policy().bucket(&bucket).send().await.unwrap();
        let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
        let statement = |sid: &str| policy["Statement"].as_array().unwrap().iter().find(|s| s["Sid"] == sid).cloned();
        let tls = statement("DenyInsecureTransport").expect("SSL-only statement");
        assert_eq!(tls["Effect"], "Deny");
        assert_eq!(tls["Condition"]["Bool"]["aws:SecureTransport"], "false");
        let unencrypted = statement("DenyUnencryptedPut").expect("DenyUnencryptedPut");
        assert_eq!(unencrypted["Condition"]["Null"]["s3:x-amz-server-side-encryption"], "true");
        let incorrect = statement("DenyIncorrectEncryption").expect("DenyIncorrectEncryption");
        assert_eq!(incorrect["Condition"]["StringNotEquals"]["s3:x-amz-server-side-encryption"], "aws:kms");
        assert_eq!(incorrect["Condition"]["Null"]["s3:x-amz-server-side-encryption"], "false");
        let wrong_key = statement("DenyWrongKmsKey").expect("DenyWrongKmsKey");
        assert_eq!(
            wrong_key["Condition"]["StringNotEqualsIfExists"]["s3:x-amz-server-side-encryption-aws-kms-key-id"],
            key_arn.as_str()
        );
        assert_eq!(
            statement("DenyObjectDelete").is_some(),
            locked,
            "{bucket}: explicit delete deny only on the trail bucket"
        );

        let lifecycle = s3.get_bucket_lifecycle_configuration().bucket(&bucket).send().await;
        match (glacier, expire) {
            (None, None) => assert!(lifecycle.is_err(), "{bucket} has no lifecycle: state persists"),
            _ => {
                let lifecycle = lifecycle.unwrap();
                let rule = &lifecycle.rules()[0];
                assert_eq!(rule.transitions().first().and_then(|t| t.days()), glacier, "{bucket} Glacier transition");
                if glacier.is_some() {
                    assert_eq!(rule.transitions()[0].storage_class().map(|c| c.as_str()), Some("GLACIER"));
                }
                assert_eq!(rule.expiration().and_then(|e| e.days()), expire, "{bucket} expiry");
            }
        }

        let lock = s3.get_object_lock_configuration().bucket(&bucket).send().await;
        if locked {
            let lock = lock.unwrap();
            let retention = lock.object_lock_configuration().unwrap().rule().unwrap().default_retention().unwrap();
            assert_eq!(retention.mode().map(|m| m.as_str()), Some("GOVERNANCE"));
            assert_eq!(retention.years(), Some(7));
        } else {
            assert!(
                lock.is_err() || lock.unwrap().object_lock_configuration().and_then(|c| c.rule()).is_none(),
                "{bucket} has no Object Lock"
            );
        }

        let tags = s3.get_bucket_tagging().bucket(&bucket).send().await.unwrap();
        let keys: Vec<&str> = tags.tag_set().iter().map(|t| t.key()).collect();
        for key in
            ["tenant_id", "module_id", "environment", "system_id", "cost_center", "managed_by", "bankinfra:stack"]
        {
            assert!(keys.contains(&key), "{bucket} lacks tag {key}");
        }
    }
    env.assert_no_changes();
}
