//! The policies the MOD-104 baseline deploys, evaluated for the requests its gates care about:
//! the S3 bucket policy (TLS only, SSE-KMS with the bucket's own key) and the tag-enforcement SCP.

use bankinfra_policy::{Context, Decision, Evaluation, PolicySet, Principal, Reason, Request, evaluate};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const BUCKET: &str = "bank-mod104-dev-data";
const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OTHER_KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/ffffffff-0000-0000-0000-000000000000";

/// A 2012-10-17 policy document of `statements`.
fn document(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn deployer() -> Principal {
    Principal::assumed_role(&format!("arn:aws:iam::{ACCOUNT}:role/bank-cicd"), "pipeline")
}

/// DenyWrongKmsKey as the stack writes it: any key but the bucket's, or none named.
fn named_other_key() -> Value {
    json!({"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KEY}})
}

/// The bucket policy as the stack writes it, with `wrong_key` as DenyWrongKmsKey's condition.
fn bucket_policy(wrong_key: Value) -> Value {
    let bucket = format!("arn:aws:s3:::{BUCKET}");
    let objects = format!("{bucket}/*");
    document(json!([
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [bucket, objects], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyUnencryptedPut", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": objects, "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}},
        {"Sid": "DenyIncorrectEncryption", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": objects, "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                                            "Null": {"s3:x-amz-server-side-encryption": "false"}}},
        {"Sid": "DenyWrongKmsKey", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": objects, "Condition": wrong_key}
    ]))
}

fn bucket_and_deployer(wrong_key: Value) -> PolicySet {
    PolicySet::new()
        .resource(BUCKET, &bucket_policy(wrong_key))
        .unwrap()
        .identity("bank-cicd", &document(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})))
        .unwrap()
}

fn put(tls: bool, sse: Option<&str>, key: Option<&str>) -> Request {
    let mut request = Request::new(deployer(), "s3:PutObject", &format!("arn:aws:s3:::{BUCKET}/reports/q1.csv"))
        .with("aws:SecureTransport", tls.to_string());
    if let Some(sse) = sse {
        request = request.with("s3:x-amz-server-side-encryption", sse);
    }
    if let Some(key) = key {
        request = request.with("s3:x-amz-server-side-encryption-aws-kms-key-id", key);
    }
    request
}

fn denying_sids(evaluation: &Evaluation) -> Vec<&str> {
    assert_eq!(evaluation.decision, Decision::ExplicitDeny, "{evaluation}");
    evaluation.sids()
}

#[test]
fn put_without_encryption_is_denied_by_deny_unencrypted_put_and_the_key_check() {
    let evaluation = evaluate(&put(true, None, None), &bucket_and_deployer(named_other_key()));
    assert_eq!(denying_sids(&evaluation), ["DenyUnencryptedPut", "DenyWrongKmsKey"]);
}

#[test]
fn put_with_aes256_is_denied_by_deny_incorrect_encryption() {
    let evaluation = evaluate(&put(true, Some("AES256"), None), &bucket_and_deployer(named_other_key()));
    assert_eq!(denying_sids(&evaluation), ["DenyIncorrectEncryption", "DenyWrongKmsKey"]);
}

#[test]
fn put_naming_another_kms_key_is_denied() {
    let evaluation = evaluate(&put(true, Some("aws:kms"), Some(OTHER_KEY)), &bucket_and_deployer(named_other_key()));
    assert_eq!(denying_sids(&evaluation), ["DenyWrongKmsKey"]);
}

/// S3 would encrypt it with the AWS managed key aws/s3, not the bucket's classification key.
#[test]
fn put_asking_for_sse_kms_without_naming_the_key_is_denied() {
    let evaluation = evaluate(&put(true, Some("aws:kms"), None), &bucket_and_deployer(named_other_key()));
    assert_eq!(denying_sids(&evaluation), ["DenyWrongKmsKey"]);
}

#[test]
fn put_with_the_bucket_key_over_tls_is_allowed_by_the_identity_policy() {
    let evaluation = evaluate(&put(true, Some("aws:kms"), Some(KEY)), &bucket_and_deployer(named_other_key()));
    assert_eq!((evaluation.decision, evaluation.reason), (Decision::Allow, Reason::AllowedByIdentityPolicy));
}

#[test]
fn put_with_the_bucket_key_but_without_tls_is_denied() {
    let evaluation = evaluate(&put(false, Some("aws:kms"), Some(KEY)), &bucket_and_deployer(named_other_key()));
    assert_eq!(denying_sids(&evaluation), ["DenyInsecureTransport"]);
}

#[test]
fn the_bucket_policy_alone_allows_nothing() {
    let policies = PolicySet::new().resource(BUCKET, &bucket_policy(named_other_key())).unwrap();
    let evaluation = evaluate(&put(true, Some("aws:kms"), Some(KEY)), &policies);
    assert_eq!((evaluation.decision, evaluation.reason), (Decision::ImplicitDeny, Reason::NoAllow));
}

#[test]
fn reads_need_tls_but_no_encryption_headers() {
    let policies = bucket_and_deployer(named_other_key());
    let get = |tls: &str| {
        Request::new(deployer(), "s3:GetObject", &format!("arn:aws:s3:::{BUCKET}/reports/q1.csv"))
            .with("aws:SecureTransport", tls)
    };
    assert!(evaluate(&get("true"), &policies).is_allowed());
    assert_eq!(denying_sids(&evaluate(&get("false"), &policies)), ["DenyInsecureTransport"]);
}

// ------------------------------------------------------------------------------------------------
// Tag enforcement SCP: one Deny per required tag, "this tag is absent"
// ------------------------------------------------------------------------------------------------

const REQUIRED_TAGS: [&str; 3] = ["tenant_id", "module_id", "environment"];

fn tag_scp() -> Value {
    let actions = ["s3:Create*", "ec2:Create*", "sqs:Create*", "sns:Create*", "logs:Create*", "kms:Create*"];
    let statements: Vec<Value> = REQUIRED_TAGS
        .iter()
        .map(|tag| {
            let sid: String = format!("DenyCreateWithout_{tag}").chars().filter(char::is_ascii_alphanumeric).collect();
            json!({"Sid": sid, "Effect": "Deny", "Action": actions, "Resource": "*",
                   "Condition": {"Null": {format!("aws:RequestTag/{tag}"): "true"}}})
        })
        .collect();
    document(json!(statements))
}

fn org_policies() -> PolicySet {
    PolicySet::new()
        .scp("FullAWSAccess", &document(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})))
        .unwrap()
        .scp("required-tags", &tag_scp())
        .unwrap()
        .identity("bank-cicd", &document(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})))
        .unwrap()
}

fn create_bucket(tags: &[(&str, &str)]) -> Request {
    Request::new(deployer(), "s3:CreateBucket", "arn:aws:s3:::bank-mod104-dev-new")
        .with_context(Context::new().with_request_tags(tags.iter().copied()))
}

#[test]
fn create_bucket_without_tags_is_denied_once_per_missing_tag() {
    let untagged = Request::new(deployer(), "s3:CreateBucket", "arn:aws:s3:::bank-mod104-dev-new");
    let evaluation = evaluate(&untagged, &org_policies());
    assert_eq!(
        denying_sids(&evaluation),
        ["DenyCreateWithouttenantid", "DenyCreateWithoutmoduleid", "DenyCreateWithoutenvironment"]
    );
    assert!(evaluation.statements.iter().all(|s| s.policy == "required-tags"));
    let evaluation = evaluate(&create_bucket(&[]), &org_policies());
    assert_eq!(evaluation.statements.len(), 3);
}

#[test]
fn create_bucket_missing_one_tag_is_denied_for_that_tag() {
    let evaluation = evaluate(&create_bucket(&[("tenant_id", "bank"), ("environment", "dev")]), &org_policies());
    assert_eq!(denying_sids(&evaluation), ["DenyCreateWithoutmoduleid"]);
}

#[test]
fn create_bucket_with_every_tag_is_allowed() {
    let request = create_bucket(&[("tenant_id", "bank"), ("module_id", "MOD-104"), ("environment", "dev")]);
    assert!(evaluate(&request, &org_policies()).is_allowed());
    let vpc = Request::new(deployer(), "ec2:CreateVpc", "arn:aws:ec2:eu-west-1:111122223333:vpc/*")
        .with_context(request.context.clone());
    assert!(evaluate(&vpc, &org_policies()).is_allowed());
}

#[test]
fn the_tag_scp_leaves_other_actions_alone() {
    let policies = org_policies();
    let get = Request::new(deployer(), "s3:GetObject", "arn:aws:s3:::bank-mod104-dev-data/x");
    assert!(evaluate(&get, &policies).is_allowed());
    let untagged_other_service =
        Request::new(deployer(), "dynamodb:CreateTable", "arn:aws:dynamodb:eu-west-1:1:table/t");
    assert!(evaluate(&untagged_other_service, &policies).is_allowed());
}

#[test]
fn without_full_aws_access_the_deny_only_scp_allows_nothing() {
    let policies = PolicySet::new()
        .scp("required-tags", &tag_scp())
        .unwrap()
        .identity("bank-cicd", &document(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})))
        .unwrap();
    let request = create_bucket(&[("tenant_id", "bank"), ("module_id", "MOD-104"), ("environment", "dev")]);
    assert_eq!(evaluate(&request, &policies).reason, Reason::NoServiceControlAllow);
}
