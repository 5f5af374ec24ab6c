//! `s3_bucket`: a bucket and its encryption, versioning, public-access block, policy, lifecycle,
//! Object Lock and tags. Name-addressed: found by name, orphans by ownership tags (read only for
//! buckets whose names contain the stage's name).

use std::collections::BTreeSet;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus,
    CreateBucketConfiguration, DefaultRetention as SdkRetention, Delete, ExpirationStatus, LifecycleExpiration,
    LifecycleRule as SdkRule, LifecycleRuleFilter, NoncurrentVersionExpiration, ObjectIdentifier,
    ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode, ObjectLockRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, Transition as SdkTransition,
    TransitionStorageClass, VersioningConfiguration,
};
use bankinfra_model::props::s3::{Bucket, DefaultRetention, LifecycleRule, PublicAccessBlock, Transition};
use bankinfra_model::{
    Address, DataAtRisk, DeleteOptions, FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError,
    Resource, Tags,
};

/// Awaits each future in turn, stopping at the first error.
macro_rules! in_turn {
    ($($step:expr),+ $(,)?) => {
        $( $step.await?; )+
    };
}
use serde_json::Value;

use crate::error::{OrProviderError, absent_if, has_code};

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared: Vec<(&Address, &str)> = desired
        .iter()
        .filter_map(|r| match &r.props {
            Props::S3Bucket(b) => Some((&r.address, b.bucket.as_str())),
            _ => None,
        })
        .collect();
    // Only buckets that can be ours are read: the declared names, and the undeclared buckets
    // we own, whose names (made from the stage's naming patterns) contain the stage's name. The
    // account's other buckets are never asked for their tags one by one.
    let names = list_buckets(client).await?.into_iter().filter(|name| {
        declared.iter().any(|(_, n)| n == name) || (!ownership.stage.is_empty() && name.contains(&ownership.stage))
    });
    let reads = names.map(|name| {
        let declared_as = declared.iter().find(|(_, n)| *n == name).map(|(a, _)| (*a).clone());
        async move {
            let tags = match get_tags(client, &name).await {
                Ok(t) => t,
                // Buckets in other regions or accounts' policies may refuse; only declared ones matter then.
                Err(e) if declared_as.is_none() => {
                    let _ = e;
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            let address = match (declared_as, ownership.owns(&tags)) {
                (Some(a), _) => a,
                (None, true) => match Ownership::address_in(&tags).filter(|a| a.kind() == Kind::S3Bucket) {
                    Some(a) => a,
                    None => return Ok(None),
                },
                (None, false) => return Ok(None),
            };
            read_bucket(client, address, name, tags).await.map(Some)
        }
    });
    Ok(crate::bounded(crate::READS_IN_FLIGHT_S3, reads).await?.into_iter().flatten().collect())
}

async fn list_buckets(client: &Client) -> Result<Vec<String>, ProviderError> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let out = client.list_buckets().set_continuation_token(token).send().await.op("s3:ListBuckets")?;
        names.extend(out.buckets().iter().filter_map(|b| b.name().map(str::to_string)));
        token = out.continuation_token().map(str::to_string);
        if token.is_none() {
            return Ok(names);
        }
    }
}

async fn get_tags(client: &Client, name: &str) -> Result<Tags, ProviderError> {
    let out =
        absent_if(client.get_bucket_tagging().bucket(name).send().await.op("s3:GetBucketTagging"), &["NoSuchTagSet"])?;
    Ok(out
        .iter()
        .flat_map(|o| o.tag_set())
        .filter(|t| !t.key().starts_with("aws:"))
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

async fn read_bucket(
    client: &Client,
    address: Address,
    name: String,
    tags: Tags,
) -> Result<LiveResource, ProviderError> {
    let b = name.as_str();
    let (encryption, versioning, pab, policy, lifecycle, lock) = tokio::try_join!(
        async {
            absent_if(
                client.get_bucket_encryption().bucket(b).send().await.op("s3:GetBucketEncryption"),
                &["ServerSideEncryptionConfigurationNotFoundError"],
            )
        },
        async { client.get_bucket_versioning().bucket(b).send().await.op("s3:GetBucketVersioning") },
        async {
            absent_if(
                client.get_public_access_block().bucket(b).send().await.op("s3:GetPublicAccessBlock"),
                &["NoSuchPublicAccessBlockConfiguration"],
            )
        },
        async {
            absent_if(
                client.get_bucket_policy().bucket(b).send().await.op("s3:GetBucketPolicy"),
                &["NoSuchBucketPolicy"],
            )
        },
        async {
            absent_if(
                client
                    .get_bucket_lifecycle_configuration()
                    .bucket(b)
                    .send()
                    .await
                    .op("s3:GetBucketLifecycleConfiguration"),
                &["NoSuchLifecycleConfiguration"],
            )
        },
        async {
            absent_if(
                client.get_object_lock_configuration().bucket(b).send().await.op("s3:GetObjectLockConfiguration"),
                &["ObjectLockConfigurationNotFoundError"],
            )
        },
    )?;
    let default_sse = encryption
        .as_ref()
        .and_then(|e| e.server_side_encryption_configuration())
        .and_then(|c| c.rules().first())
        .cloned();
    let kms_key_arn = default_sse
        .as_ref()
        .and_then(|r| r.apply_server_side_encryption_by_default())
        .and_then(|d| d.kms_master_key_id())
        .unwrap_or_default()
        .to_string();
    let pab = pab.and_then(|p| p.public_access_block_configuration().cloned());
    let lock = lock.and_then(|l| l.object_lock_configuration().cloned());
    let mut rules: Vec<LifecycleRule> = lifecycle.iter().flat_map(|l| l.rules()).map(parse_rule).collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let props = Bucket {
        bucket: name.clone(),
        kms_key_arn,
        bucket_key_enabled: default_sse.as_ref().and_then(|r| r.bucket_key_enabled()).unwrap_or(false),
        versioning: versioning.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
        public_access_block: PublicAccessBlock {
            block_public_acls: pab.as_ref().and_then(|p| p.block_public_acls()).unwrap_or(false),
            ignore_public_acls: pab.as_ref().and_then(|p| p.ignore_public_acls()).unwrap_or(false),
            block_public_policy: pab.as_ref().and_then(|p| p.block_public_policy()).unwrap_or(false),
            restrict_public_buckets: pab.as_ref().and_then(|p| p.restrict_public_buckets()).unwrap_or(false),
        },
        policy: policy.and_then(|p| p.policy().and_then(|s| serde_json::from_str(s).ok())).unwrap_or(Value::Null),
        lifecycle_rules: rules,
        object_lock_enabled: lock.as_ref().and_then(|l| l.object_lock_enabled()) == Some(&ObjectLockEnabled::Enabled),
        object_lock_retention: lock.as_ref().and_then(|l| l.rule()).and_then(|r| r.default_retention()).map(|d| {
            DefaultRetention {
                mode: d.mode().map(|m| m.as_str().to_string()).unwrap_or_default(),
                // A retention in days only is shown as 0 years (and so differs from any declared one).
                years: d.years().unwrap_or(0).max(0) as u32,
            }
        }),
        tags,
    };
    Ok(LiveResource { address, outputs: outputs(&name), physical_id: name, props: Props::S3Bucket(props) })
}

/// A rule as the model has it. The model's rules are whole-bucket rules with the actions it
/// names; a rule that is narrowed by a filter or has other actions is not the declared rule, so
/// what the model cannot express is noted in its id and shows as drift.
fn parse_rule(r: &SdkRule) -> LifecycleRule {
    let mut other = Vec::new();
    let filter = r.filter();
    // The rule-level Prefix is deprecated, but rules written with it still carry it.
    #[allow(deprecated)]
    let legacy_prefix = r.prefix();
    if let Some(prefix) = legacy_prefix.or(filter.and_then(|f| f.prefix())).filter(|p| !p.is_empty()) {
        other.push(format!("prefix {prefix}"));
    }
    if let Some(tag) = filter.and_then(|f| f.tag()) {
        other.push(format!("tag {}={}", tag.key(), tag.value()));
    }
    if filter.is_some_and(|f| f.and().is_some()) {
        other.push("combined filter".to_string());
    }
    if filter.is_some_and(|f| f.object_size_greater_than().is_some() || f.object_size_less_than().is_some()) {
        other.push("object size filter".to_string());
    }
    if r.expiration().is_some_and(|e| e.date().is_some()) {
        other.push("expiration date".to_string());
    }
    if r.expiration().and_then(|e| e.expired_object_delete_marker()) == Some(true) {
        other.push("expired delete markers".to_string());
    }
    if r.transitions().iter().any(|t| t.date().is_some()) {
        other.push("transition date".to_string());
    }
    if !r.noncurrent_version_transitions().is_empty() {
        other.push("noncurrent version transitions".to_string());
    }
    if r.noncurrent_version_expiration().is_some_and(|e| e.newer_noncurrent_versions().is_some()) {
        other.push("newer noncurrent versions kept".to_string());
    }
    let id = r.id().unwrap_or_default();
    LifecycleRule {
        id: if other.is_empty() { id.to_string() } else { format!("{id} ({})", other.join(", ")) },
        enabled: r.status() == &ExpirationStatus::Enabled,
        transitions: r
            .transitions()
            .iter()
            .map(|t| Transition {
                days: t.days().unwrap_or(0).max(0) as u32,
                storage_class: t.storage_class().map(|c| c.as_str().to_string()).unwrap_or_default(),
            })
            .collect(),
        expiration_days: r.expiration().and_then(|e| e.days()).map(|d| d.max(0) as u32),
        noncurrent_version_expiration_days: r
            .noncurrent_version_expiration()
            .and_then(|e| e.noncurrent_days())
            .map(|d| d.max(0) as u32),
        abort_incomplete_multipart_upload_days: r
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation())
            .map(|d| d.max(0) as u32),
    }
}

fn outputs(name: &str) -> Outputs {
    Outputs::from([("name".to_string(), name.to_string()), ("arn".to_string(), format!("arn:aws:s3:::{name}"))])
}

fn bucket_props(resource: &Resource) -> Result<&Bucket, ProviderError> {
    match &resource.props {
        Props::S3Bucket(b) => Ok(b),
        other => Err(ProviderError::permanent("s3", format!("{} is not a bucket", other.kind()))),
    }
}

crate::sdk_tags!(Tag, "s3:Tag");

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let p = bucket_props(resource)?;
    let region = client.config().region().map(|r| r.to_string()).unwrap_or_default();
    let mut config = CreateBucketConfiguration::builder().set_tags(Some(sdk_tags(&p.tags)?));
    if region != "us-east-1" {
        config = config.location_constraint(BucketLocationConstraint::from(region.as_str()));
    }
    let created = client
        .create_bucket()
        .bucket(&p.bucket)
        .create_bucket_configuration(config.build())
        .object_lock_enabled_for_bucket(p.object_lock_enabled)
        .send()
        .await
        .op("s3:CreateBucket");
    // Re-running after a crash finds our own bucket: carry on configuring it, all of it.
    let fresh = absent_if(created, &["BucketAlreadyOwnedByYou"])?.is_some();
    let mut parts: BTreeSet<&str> =
        ["tags", "public_access_block", "kms_key_arn", "versioning", "object_lock_retention"].into();
    // A bucket made just now has no policy and no lifecycle rules: only declared ones are sent.
    if !fresh || !p.policy.is_null() {
        parts.insert("policy");
    }
    if !fresh || !p.lifecycle_rules.is_empty() {
        parts.insert("lifecycle_rules");
    }
    configure(client, p, &parts).await?;
    Ok(outputs(&p.bucket))
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let p = bucket_props(desired)?;
    let mut fields = crate::changed_fields(changes);
    if fields.contains("bucket_key_enabled") {
        fields.insert("kms_key_arn");
    }
    configure(client, p, &fields).await?;
    Ok(live.outputs.clone())
}

/// Writes the named parts of the bucket's configuration, one at a time: S3 answers concurrent
/// configuration calls on one bucket with 409 `OperationAborted` ("A conflicting conditional
/// operation is currently in progress against this resource", S3 API reference, Error codes,
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html>), which the Terraform
/// AWS provider retries (internal/service/s3/bucket.go, errCodeOperationAborted).
async fn configure(client: &Client, p: &Bucket, fields: &BTreeSet<&str>) -> Result<(), ProviderError> {
    let b = p.bucket.as_str();
    let want = |f: &str| fields.contains(f);
    in_turn!(
        async {
            if want("tags") {
                let tagging = Tagging::builder()
                    .set_tag_set(Some(sdk_tags(&p.tags)?))
                    .build()
                    .map_err(|e| ProviderError::permanent("s3:PutBucketTagging", e.to_string()))?;
                client.put_bucket_tagging().bucket(b).tagging(tagging).send().await.op("s3:PutBucketTagging")?;
            }
            Ok::<_, ProviderError>(())
        },
        async {
            if want("public_access_block") {
                let pab = &p.public_access_block;
                let config = PublicAccessBlockConfiguration::builder()
                    .block_public_acls(pab.block_public_acls)
                    .ignore_public_acls(pab.ignore_public_acls)
                    .block_public_policy(pab.block_public_policy)
                    .restrict_public_buckets(pab.restrict_public_buckets)
                    .build();
                client
                    .put_public_access_block()
                    .bucket(b)
                    .public_access_block_configuration(config)
                    .send()
                    .await
                    .op("s3:PutPublicAccessBlock")?;
            }
            Ok(())
        },
        async {
            if want("kms_key_arn") {
                put_encryption(client, p).await?;
            }
            Ok(())
        },
        async {
            if want("versioning") {
                let status = BucketVersioningStatus::from(p.versioning.as_str());
                let config = VersioningConfiguration::builder().status(status).build();
                client
                    .put_bucket_versioning()
                    .bucket(b)
                    .versioning_configuration(config)
                    .send()
                    .await
                    .op("s3:PutBucketVersioning")?;
            }
            Ok(())
        },
        async {
            if want("policy") {
                if p.policy.is_null() {
                    absent_if(
                        client.delete_bucket_policy().bucket(b).send().await.op("s3:DeleteBucketPolicy"),
                        &["NoSuchBucketPolicy"],
                    )?;
                } else {
                    client
                        .put_bucket_policy()
                        .bucket(b)
                        .policy(p.policy.to_string())
                        .send()
                        .await
                        .op("s3:PutBucketPolicy")?;
                }
            }
            Ok(())
        },
        async {
            if want("lifecycle_rules") {
                put_lifecycle(client, p).await?;
            }
            Ok(())
        },
        async {
            if want("object_lock_retention") && p.object_lock_enabled {
                put_object_lock(client, p).await?;
            }
            Ok(())
        },
    );
    Ok(())
}

async fn put_encryption(client: &Client, p: &Bucket) -> Result<(), ProviderError> {
    let invalid = |e: aws_sdk_s3::error::BuildError| ProviderError::permanent("s3:PutBucketEncryption", e.to_string());
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::AwsKms)
        .kms_master_key_id(&p.kms_key_arn)
        .build()
        .map_err(invalid)?;
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(default)
        .bucket_key_enabled(p.bucket_key_enabled)
        .build();
    let config = ServerSideEncryptionConfiguration::builder().rules(rule).build().map_err(invalid)?;
    client
        .put_bucket_encryption()
        .bucket(&p.bucket)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .op("s3:PutBucketEncryption")?;
    Ok(())
}

async fn put_lifecycle(client: &Client, p: &Bucket) -> Result<(), ProviderError> {
    if p.lifecycle_rules.is_empty() {
        client.delete_bucket_lifecycle().bucket(&p.bucket).send().await.op("s3:DeleteBucketLifecycle")?;
        return Ok(());
    }
    let invalid = |e: aws_sdk_s3::error::BuildError| {
        ProviderError::permanent("s3:PutBucketLifecycleConfiguration", e.to_string())
    };
    let mut rules = Vec::new();
    for r in &p.lifecycle_rules {
        let mut rule = SdkRule::builder()
            .id(&r.id)
            .status(if r.enabled { ExpirationStatus::Enabled } else { ExpirationStatus::Disabled })
            .filter(LifecycleRuleFilter::builder().prefix("").build());
        for t in &r.transitions {
            rule = rule.transitions(
                SdkTransition::builder()
                    .days(t.days as i32)
                    .storage_class(TransitionStorageClass::from(t.storage_class.as_str()))
                    .build(),
            );
        }
        if let Some(days) = r.expiration_days {
            rule = rule.expiration(LifecycleExpiration::builder().days(days as i32).build());
        }
        if let Some(days) = r.noncurrent_version_expiration_days {
            rule = rule.noncurrent_version_expiration(
                NoncurrentVersionExpiration::builder().noncurrent_days(days as i32).build(),
            );
        }
        if let Some(days) = r.abort_incomplete_multipart_upload_days {
            rule = rule.abort_incomplete_multipart_upload(
                AbortIncompleteMultipartUpload::builder().days_after_initiation(days as i32).build(),
            );
        }
        rules.push(rule.build().map_err(invalid)?);
    }
    let config = BucketLifecycleConfiguration::builder().set_rules(Some(rules)).build().map_err(invalid)?;
    client
        .put_bucket_lifecycle_configuration()
        .bucket(&p.bucket)
        .lifecycle_configuration(config)
        .send()
        .await
        .op("s3:PutBucketLifecycleConfiguration")?;
    Ok(())
}

async fn put_object_lock(client: &Client, p: &Bucket) -> Result<(), ProviderError> {
    let mut config = ObjectLockConfiguration::builder().object_lock_enabled(ObjectLockEnabled::Enabled);
    if let Some(r) = &p.object_lock_retention {
        let retention =
            SdkRetention::builder().mode(ObjectLockRetentionMode::from(r.mode.as_str())).years(r.years as i32).build();
        config = config.rule(ObjectLockRule::builder().default_retention(retention).build());
    }
    client
        .put_object_lock_configuration()
        .bucket(&p.bucket)
        .object_lock_configuration(config.build())
        .send()
        .await
        .op("s3:PutObjectLockConfiguration")?;
    Ok(())
}

/// Deletes the bucket. Where the options purge it, first removes its policy (which may deny deletes) and
/// every object version and delete marker, bypassing GOVERNANCE retention.
pub(crate) async fn delete(client: &Client, live: &LiveResource, options: &DeleteOptions) -> Result<(), ProviderError> {
    let b = live.physical_id.as_str();
    if options.purges(&live.address) {
        absent_if(
            client.delete_bucket_policy().bucket(b).send().await.op("s3:DeleteBucketPolicy"),
            &["NoSuchBucketPolicy", "NoSuchBucket"],
        )?;
        purge(client, b).await?;
    }
    match client.delete_bucket().bucket(b).send().await.op("s3:DeleteBucket") {
        Ok(_) => Ok(()),
        Err(e) if has_code(&e, &["NoSuchBucket"]) => Ok(()),
        Err(e) if has_code(&e, &["BucketNotEmpty"]) => Err(ProviderError {
            message: format!(
                "bucket {b} holds objects and this delete was not allowed to empty it (see `bankinfra destroy --help`); nothing in it was deleted"
            ),
            ..e
        }),
        Err(e) => Err(e),
    }
}

async fn purge(client: &Client, bucket: &str) -> Result<(), ProviderError> {
    loop {
        let listed = absent_if(
            client.list_object_versions().bucket(bucket).max_keys(1000).send().await.op("s3:ListObjectVersions"),
            &["NoSuchBucket"],
        )?;
        let Some(listed) = listed else { return Ok(()) };
        let mut objects = Vec::new();
        let versions = listed.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = listed.delete_markers().iter().map(|m| (m.key(), m.version_id()));
        for (key, version) in versions.chain(markers) {
            let Some(key) = key else { continue };
            let id = ObjectIdentifier::builder().key(key).set_version_id(version.map(str::to_string)).build();
            objects.push(id.map_err(|e| ProviderError::permanent("s3:DeleteObjects", e.to_string()))?);
        }
        if objects.is_empty() {
            return Ok(());
        }
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| ProviderError::permanent("s3:DeleteObjects", e.to_string()))?;
        let out = client
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .bypass_governance_retention(true)
            .send()
            .await
            .op("s3:DeleteObjects")?;
        if let Some(err) = out.errors().first() {
            return Err(ProviderError {
                operation: "s3:DeleteObjects".into(),
                code: err.code().map(str::to_string),
                message: format!(
                    "cannot delete {} in {bucket}: {}",
                    err.key().unwrap_or_default(),
                    err.message().unwrap_or_default()
                ),
                class: bankinfra_model::ErrorClass::Permanent,
            });
        }
    }
}

/// Object versions and delete markers counted before a count says "at least".
const COUNT_CAP: usize = 100_000;
/// Object versions whose legal hold is checked (one GetObjectLegalHold each), in listing order.
const LEGAL_HOLD_SAMPLE: usize = 100;

/// What deleting the bucket would lose: its objects, versions, delete markers and their size
/// (ListObjectVersions, paginated, stopping at [`COUNT_CAP`]), its Object Lock, and legal holds
/// among the first [`LEGAL_HOLD_SAMPLE`] versions. `None` when the bucket is gone.
pub(crate) async fn data_at_risk(client: &Client, live: &LiveResource) -> Result<Option<DataAtRisk>, ProviderError> {
    let b = live.physical_id.as_str();
    let (mut objects, mut versions, mut markers, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    let mut sample: Vec<(String, Option<String>)> = Vec::new();
    let (mut key_marker, mut version_marker) = (None, None);
    let complete = loop {
        let listed = client
            .list_object_versions()
            .bucket(b)
            .set_key_marker(key_marker)
            .set_version_id_marker(version_marker)
            .send()
            .await
            .op("s3:ListObjectVersions");
        let Some(page) = absent_if(listed, &["NoSuchBucket"])? else { return Ok(None) };
        for v in page.versions() {
            versions += 1;
            objects += u64::from(v.is_latest() == Some(true));
            bytes += v.size().unwrap_or(0).max(0) as u64;
            if let (Some(key), true) = (v.key(), sample.len() < LEGAL_HOLD_SAMPLE) {
                sample.push((key.to_string(), v.version_id().map(str::to_string)));
            }
        }
        markers += page.delete_markers().len() as u64;
        if page.is_truncated() != Some(true) {
            break true;
        }
        if (versions + markers) as usize >= COUNT_CAP {
            break false;
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
    };
    let mut facts = vec![
        ("objects".to_string(), DataAtRisk::count(objects, complete)),
        ("object versions".to_string(), DataAtRisk::count(versions, complete)),
        ("delete markers".to_string(), DataAtRisk::count(markers, complete)),
        ("size".to_string(), DataAtRisk::bytes(bytes, complete)),
    ];
    if let Props::S3Bucket(p) = &live.props
        && p.object_lock_enabled
    {
        let lock = match &p.object_lock_retention {
            Some(r) => format!("{}, default retention {} years", r.mode, r.years),
            None => "enabled, no default retention (objects may carry their own)".to_string(),
        };
        facts.push(("object lock".to_string(), lock));
        facts.push((
            "legal holds".to_string(),
            legal_holds(client, b, &sample, complete && versions as usize == sample.len()).await,
        ));
    }
    Ok(Some(DataAtRisk { facts, empty: complete && versions == 0 && markers == 0 }))
}

/// Legal holds among `sample`, said honestly: all versions were checked only when `all` is true.
async fn legal_holds(client: &Client, bucket: &str, sample: &[(String, Option<String>)], all: bool) -> String {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    if sample.is_empty() {
        return "none (no object versions)".to_string();
    }
    // Owned inputs: a stream of futures borrowing from a closure's argument is not `Send`.
    let requests = sample
        .iter()
        .map(|(key, version)| client.get_object_legal_hold().bucket(bucket).key(key).set_version_id(version.clone()));
    let checks = stream::iter(requests.collect::<Vec<_>>().into_iter().map(|request| async move {
        let held = request.send().await.op("s3:GetObjectLegalHold");
        // A version that never had a legal hold has no legal-hold configuration at all.
        let held = absent_if(held, &["NoSuchObjectLockConfiguration"])?;
        Ok::<_, ProviderError>(
            held.and_then(|h| h.legal_hold().and_then(|l| l.status()).cloned())
                == Some(aws_sdk_s3::types::ObjectLockLegalHoldStatus::On),
        )
    }))
    .buffer_unordered(16)
    .try_collect::<Vec<bool>>()
    .await;
    match checks {
        Ok(held) => {
            let n = held.iter().filter(|h| **h).count();
            if all {
                format!("{n} of {} object versions", held.len())
            } else {
                format!("{n} among the first {} object versions checked; the others not counted", held.len())
            }
        }
        Err(e) => format!("not counted ({e})"),
    }
}
