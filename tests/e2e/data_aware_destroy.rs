//! Data-aware destroy: before its confirmation, destroy shows the data it would lose (bucket
//! objects and versions, pool users, log bytes, what each key encrypts and its pending window),
//! and on a stage that keeps data it retains what holds data (Object-Locked buckets above all)
//! until a flag releases it.

use std::collections::BTreeSet;

use aws_sdk_kms::types::KeyState;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use bankinfra_testkit::Emulator;

use crate::harness::{Env, STAGE, TOTAL_RESOURCES, text};

/// Puts `key` into `bucket` the way its policy demands: over TLS, SSE-KMS with the bucket's key
/// (the stage's published `kms/<classification>/arn`).
async fn put(env: &Env, stage: &str, bucket: &str, classification: &str, key: &str, body: &str) {
    let parameter = format!("/bank/{stage}/kms/{classification}/arn");
    let got = env.ssm().get_parameter().name(&parameter).send().await.unwrap();
    let kms_key = got.parameter().and_then(|p| p.value()).expect(&parameter).to_string();
    env.s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .ssekms_key_id(kms_key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutObject {bucket}/{key}: {e:?}"));
}

/// The line of `out` that starts with `prefix` (after indentation).
fn line<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines().find(|l| l.trim_start().starts_with(prefix)).unwrap_or_else(|| panic!("no line `{prefix}…` in:\n{out}"))
}

#[tokio::test]
async fn destroy_shows_the_data_it_would_lose_before_confirmation() {
    let env = Env::new().await;
    env.apply();
    // Documents: two versions of one object, and a deleted one (a version and a delete marker).
    put(&env, STAGE, "bank-documents-local", "pii", "kyc/alice.pdf", "scan 1").await;
    put(&env, STAGE, "bank-documents-local", "pii", "kyc/alice.pdf", "scan 2").await;
    put(&env, STAGE, "bank-documents-local", "pii", "kyc/bob.pdf", "scan").await;
    env.s3().delete_object().bucket("bank-documents-local").key("kyc/bob.pdf").send().await.unwrap();
    // The trail bucket: two locked versions.
    put(&env, STAGE, "bank-cloudtrail-local", "operational", "AWSLogs/123456789012/a.json.gz", "entry").await;
    put(&env, STAGE, "bank-cloudtrail-local", "operational", "AWSLogs/123456789012/b.json.gz", "entry").await;
    // A customer.
    let cognito = env.cognito();
    let mut customers = None;
    for pool in cognito.list_user_pools().max_results(60).send().await.unwrap().user_pools() {
        let described = cognito.describe_user_pool().user_pool_id(pool.id().unwrap()).send().await.unwrap();
        let tags = described.user_pool().and_then(|p| p.user_pool_tags()).cloned().unwrap_or_default();
        if tags.get("bankinfra:address").map(String::as_str) == Some("cognito_user_pool.customers") {
            customers = pool.id().map(str::to_string);
        }
    }
    cognito
        .admin_create_user()
        .user_pool_id(customers.expect("the customers pool"))
        .username("alice@example.com")
        .send()
        .await
        .unwrap();
    // Log events.
    let logs = env.logs();
    let group = "/aws/cloudtrail/bank-platform-local";
    logs.create_log_stream().log_group_name(group).log_stream_name("e2e").send().await.unwrap();
    let event = |m: &str| {
        aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
            .timestamp(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64)
            .message(m)
            .build()
            .unwrap()
    };
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name("e2e")
        .log_events(event("one event"))
        .log_events(event("another event"))
        .send()
        .await
        .unwrap();

    let out = env.run_expect(&["destroy", "--stage", STAGE, "--auto-approve"], 0);
    let (summary, executed) = out.split_once("Data that would be lost:\n").expect(&out);
    let (section, _) = executed.split_once("\n\n").expect(&out);
    assert!(summary.contains("will be destroyed"), "the plan comes first:\n{out}");
    assert!(!section.contains("destroyed in"), "the section comes before anything is destroyed:\n{out}");

    let documents = line(section, "s3_bucket.documents:");
    assert!(documents.contains("objects: 1, object versions: 3, delete markers: 1, size: "), "{documents}");
    let trail = line(section, "s3_bucket.cloudtrail:");
    assert!(trail.contains("objects: 2, object versions: 2, delete markers: 0"), "{trail}");
    assert!(trail.contains("object lock: GOVERNANCE, default retention 7 years"), "{trail}");
    assert!(trail.contains("legal holds: 0 of 2 object versions"), "{trail}");
    assert!(trail.contains("(emptied bypassing its object lock GOVERNANCE, 7 years)"), "stage local purges: {trail}");
    assert!(line(section, "cognito_user_pool.customers:").contains("users: 1 (Cognito's estimate)"), "{section}");
    let stored = line(section, "log_group.cloudtrail:");
    assert!(stored.contains("stored: ") && !stored.contains("stored: 0 bytes"), "{stored}");
    let pii = line(section, "kms_key.pii:");
    assert!(pii.contains("encrypts ") && pii.contains("s3_bucket.documents"), "{pii}");
    assert!(pii.contains("scheduled for deletion in 7 days"), "the stage's window: {pii}");
    let operational = line(section, "kms_key.operational:");
    assert!(
        operational.contains("s3_bucket.cloudtrail") && operational.contains("log_group.cloudtrail"),
        "{operational}"
    );
    assert!(line(section, "empty, nothing to lose:").contains("s3_bucket.iceberg"), "{section}");

    assert!(out.contains(&format!("{TOTAL_RESOURCES} destroyed")), "{out}");
    let pending = out.split_once("Keys pending deletion:\n").expect(&out).1;
    for key in ["kms_key.pii", "kms_key.financial", "kms_key.operational"] {
        assert!(line(pending, &format!("{key} (key ")).contains("scheduled for deletion in 7 days"), "{pending}");
    }
    let buckets = env.s3().list_buckets().send().await.unwrap();
    assert!(buckets.buckets().iter().all(|b| !b.name().unwrap_or_default().ends_with("-local")), "no bucket is left");
}

/// A non-local stage (dev: purge_data_on_destroy = false) on an emulator standing in for its
/// account, with credentials from the environment as on AWS.
struct Dev(Env);

const DEV_ACCOUNT: &str = "647751526084";

impl Dev {
    async fn new() -> Dev {
        Dev(Env::with_emulator(Emulator::start_with_env(&[("MOTO_ACCOUNT_ID", DEV_ACCOUNT)])).await)
    }

    fn run(&self, args: &[&str], code: i32) -> String {
        let mut all = vec![args[0], "--stage", "dev"];
        all.extend(&args[1..]);
        let out = self
            .0
            .command(&all)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .output()
            .expect("run bankinfra");
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(code), "bankinfra {all:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        stdout
    }

    async fn buckets(&self) -> BTreeSet<String> {
        let listed = self.0.s3().list_buckets().send().await.unwrap();
        listed.buckets().iter().filter_map(|b| b.name()).filter(|n| n.ends_with("-dev")).map(str::to_string).collect()
    }

    /// Aliases of the stage's keys that are not pending deletion.
    async fn live_keys(&self) -> BTreeSet<String> {
        let kms = self.0.kms();
        let mut out = BTreeSet::new();
        for key in kms.list_keys().send().await.unwrap().keys() {
            let id = key.key_id().unwrap();
            let tags = kms.list_resource_tags().key_id(id).send().await.unwrap();
            let address = tags.tags().iter().find(|t| t.tag_key() == "bankinfra:address").map(|t| t.tag_value());
            let ours = tags.tags().iter().any(|t| t.tag_key() == "bankinfra:stage" && t.tag_value() == "dev");
            let state =
                kms.describe_key().key_id(id).send().await.unwrap().key_metadata().unwrap().key_state().cloned();
            if ours && state != Some(KeyState::PendingDeletion) {
                out.insert(address.unwrap_or_default().to_string());
            }
        }
        out
    }

    /// For the stage's key at `address` (pending deletion): whole days until AWS deletes it, and
    /// the aliases still pointing at it.
    async fn pending(&self, address: &str) -> (i64, Vec<String>) {
        let kms = self.0.kms();
        for key in kms.list_keys().send().await.unwrap().keys() {
            let id = key.key_id().unwrap();
            let tags = kms.list_resource_tags().key_id(id).send().await.unwrap();
            let has = |k: &str, v: &str| tags.tags().iter().any(|t| t.tag_key() == k && t.tag_value() == v);
            if !(has("bankinfra:stage", "dev") && has("bankinfra:address", address)) {
                continue;
            }
            let meta = kms.describe_key().key_id(id).send().await.unwrap().key_metadata().cloned().unwrap();
            assert_eq!(meta.key_state(), Some(&KeyState::PendingDeletion), "{address}");
            let left = meta.deletion_date().unwrap().secs()
                - aws_sdk_kms::primitives::DateTime::from(std::time::SystemTime::now()).secs();
            let aliases = kms.list_aliases().key_id(id).send().await.unwrap();
            let names = aliases.aliases().iter().filter_map(|a| a.alias_name()).map(str::to_string).collect();
            return ((left + 3600) / 86_400, names);
        }
        panic!("no key {address} on stage dev");
    }

    async fn versions(&self, bucket: &str) -> usize {
        self.0.s3().list_object_versions().bucket(bucket).send().await.unwrap().versions().len()
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn a_stage_that_keeps_data_retains_locked_buckets_until_governance_is_bypassed() {
    let dev = Dev::new().await;
    dev.run(&["apply", "--auto-approve"], 0);
    put(&dev.0, "dev", "bank-cloudtrail-dev", "operational", &format!("AWSLogs/{DEV_ACCOUNT}/trail.json.gz"), "entry")
        .await;
    put(&dev.0, "dev", "bank-documents-dev", "pii", "kyc/alice.pdf", "scan").await;

    // Without flags: what holds data stays, with the key that encrypts it; everything else goes.
    let out = dev.run(&["destroy", "--auto-approve"], 0);
    let retained = out.split_once("Retained (not destroyed, still owned by the stack):\n").expect(&out).1;
    assert!(
        line(retained, "s3_bucket.cloudtrail:").ends_with(
            "retained: object lock GOVERNANCE, 7 years; re-run with --bypass-governance-retention to empty and delete it"
        ),
        "{out}"
    );
    assert!(
        line(retained, "s3_bucket.documents:").contains("retained: stage dev keeps bucket data on destroy"),
        "{out}"
    );
    assert!(line(retained, "kms_key.operational:").ends_with("retained: encrypts retained s3_bucket.cloudtrail"));
    assert!(line(retained, "kms_key.pii:").ends_with("retained: encrypts retained s3_bucket.documents"));
    assert!(
        retained.contains(
            "holds objects: 1, object versions: 1, delete markers: 0, size: 5 bytes, object lock: GOVERNANCE"
        ),
        "the retained bucket's data is shown: {out}"
    );
    assert!(out.contains(&format!("{} destroyed", TOTAL_RESOURCES - 4)), "{out}");
    assert_eq!(dev.buckets().await, set(&["bank-cloudtrail-dev", "bank-documents-dev"]));
    assert_eq!(dev.live_keys().await, set(&["kms_key.operational", "kms_key.pii"]));
    assert_eq!(dev.versions("bank-cloudtrail-dev").await, 1, "the locked data is untouched");
    assert_eq!(dev.versions("bank-documents-dev").await, 1);

    // --purge-data releases the unlocked bucket (and its key), not the locked one.
    let out = dev.run(&["destroy", "--auto-approve", "--purge-data"], 0);
    assert!(line(&out, "s3_bucket.documents:").contains("objects: 1"), "{out}");
    assert!(out.contains("2 destroyed"), "{out}");
    assert!(line(&out, "kms_key.pii (key ").contains("scheduled for deletion in 30 days"), "{out}");
    assert_eq!(dev.buckets().await, set(&["bank-cloudtrail-dev"]));
    assert_eq!(dev.live_keys().await, set(&["kms_key.operational"]));
    assert_eq!(dev.pending("kms_key.pii").await, (30, Vec::new()), "the stage's window, and the alias is freed");

    // --bypass-governance-retention empties the locked bucket and deletes it, and its key.
    let out = dev.run(&["destroy", "--auto-approve", "--bypass-governance-retention"], 0);
    assert!(
        line(&out, "s3_bucket.cloudtrail:").contains("(emptied bypassing its object lock GOVERNANCE, 7 years)"),
        "{out}"
    );
    assert!(out.contains("2 destroyed") && !out.contains("Retained"), "{out}");
    assert!(line(&out, "kms_key.operational (key ").contains("scheduled for deletion in 30 days"), "{out}");
    assert!(dev.buckets().await.is_empty());
    assert!(dev.live_keys().await.is_empty());
    assert!(dev.run(&["destroy", "--auto-approve"], 0).contains("Nothing to destroy"));
}
