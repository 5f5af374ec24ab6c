//! The examples of the AWS IAM User Guide, evaluated. Each group names the page it comes from;
//! account ids, names and values are the documentation's.

use bankinfra_policy::{Decision, Evaluation, PolicySet, Principal, Reason, Request, evaluate};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";

/// A 2012-10-17 policy document of `statements`.
fn document(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn user(name: &str) -> Principal {
    Principal::user(&format!("arn:aws:iam::{ACCOUNT}:user/{name}"))
}

fn identity(statements: Value) -> PolicySet {
    PolicySet::new().identity("identity", &document(json!(statements))).unwrap()
}

fn decide(policies: &PolicySet, request: &Request) -> Decision {
    evaluate(request, policies).decision
}

fn allowed(policies: &PolicySet, request: &Request) -> bool {
    evaluate(request, policies).is_allowed()
}

/// One identity-based statement allowing `action` on everything under `condition`.
fn allow_if(action: &str, condition: Value) -> PolicySet {
    identity(json!({"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition}))
}

/// One identity-based statement denying everything under `condition`, next to an allow-all.
fn deny_if(condition: Value) -> PolicySet {
    identity(json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "Deny", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}
    ]))
}

// ------------------------------------------------------------------------------------------------
// "Policy evaluation for requests within a single account"
// ------------------------------------------------------------------------------------------------

fn carlos_policies() -> PolicySet {
    PolicySet::new()
        .identity(
            "carlossalazar",
            &document(json!([
                {"Sid": "AllowS3ListRead", "Effect": "Allow",
                 "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints",
                            "s3:ListAllMyBuckets"],
                 "Resource": "arn:aws:s3:::*"},
                {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
                 "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*",
                              "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
                {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"}
            ])),
        )
        .unwrap()
        .resource(
            "amzn-s3-demo-bucket-carlossalazar-logs",
            &document(json!([
                {"Sid": "AllowS3ListRead", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:user/carlossalazar")},
                 "Action": "s3:*", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/*"}
            ])),
        )
        .unwrap()
}

#[test]
fn carlos_is_denied_log_buckets_although_the_bucket_policy_allows_him() {
    let policies = carlos_policies();
    let request =
        Request::new(user("carlossalazar"), "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/file");
    let evaluation = evaluate(&request, &policies);
    assert_eq!(evaluation.decision, Decision::ExplicitDeny);
    assert_eq!(evaluation.sids(), ["DenyS3Logs"]);
}

#[test]
fn carlos_may_use_his_own_bucket_and_list_all_buckets() {
    let policies = carlos_policies();
    let own =
        Request::new(user("carlossalazar"), "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/file");
    assert_eq!(evaluate(&own, &policies).sids(), ["AllowS3Self"]);
    let list = Request::new(user("carlossalazar"), "s3:ListAllMyBuckets", "arn:aws:s3:::*");
    assert!(allowed(&policies, &list));
    let other = Request::new(user("carlossalazar"), "s3:GetObject", "arn:aws:s3:::someone-else/file");
    assert_eq!(decide(&policies, &other), Decision::ImplicitDeny);
}

#[test]
fn either_an_identity_or_a_resource_allow_suffices_in_the_same_account() {
    let bucket_only = PolicySet::new()
        .resource(
            "bucket",
            &document(json!({"Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:user/alice")}, "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::shared/*"})),
        )
        .unwrap();
    let request = Request::new(user("alice"), "s3:GetObject", "arn:aws:s3:::shared/a");
    assert_eq!(evaluate(&request, &bucket_only).reason, Reason::AllowedByResourcePolicy);
    let identity_only =
        identity(json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}));
    assert_eq!(evaluate(&request, &identity_only).reason, Reason::AllowedByIdentityPolicy);
    assert_eq!(evaluate(&request, &PolicySet::new()).decision, Decision::ImplicitDeny);
}

#[test]
fn an_explicit_deny_in_one_policy_beats_an_allow_in_another() {
    let policies = PolicySet::new()
        .identity("admin", &document(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})))
        .unwrap()
        .identity(
            "no-deletes",
            &document(json!({"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"})),
        )
        .unwrap();
    let delete = Request::new(user("alice"), "s3:DeleteObject", "arn:aws:s3:::b/k");
    let evaluation = evaluate(&delete, &policies);
    assert_eq!(evaluation.decision, Decision::ExplicitDeny);
    assert_eq!(evaluation.statements[0].policy, "no-deletes");
    assert!(allowed(&policies, &Request::new(user("alice"), "s3:GetObject", "arn:aws:s3:::b/k")));
}

#[test]
fn a_resource_policy_deny_beats_an_identity_allow() {
    let policies = identity(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
        .resource(
            "bucket",
            &document(json!({"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket",
                "Resource": "arn:aws:s3:::b"})),
        )
        .unwrap();
    assert_eq!(
        decide(&policies, &Request::new(user("a"), "s3:DeleteBucket", "arn:aws:s3:::b")),
        Decision::ExplicitDeny
    );
}

// ------------------------------------------------------------------------------------------------
// "Service control policies (SCPs)" and "Policy evaluation logic": SCPs must allow
// ------------------------------------------------------------------------------------------------

const FULL_AWS_ACCESS: &str =
    r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

#[test]
fn an_scp_without_an_allow_denies_even_when_identity_policies_allow() {
    let policies = identity(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}))
        .scp("ec2-only", &document(json!({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})))
        .unwrap();
    let s3 = Request::new(user("alice"), "s3:ListAllMyBuckets", "*");
    let evaluation = evaluate(&s3, &policies);
    assert_eq!((evaluation.decision, evaluation.reason), (Decision::ImplicitDeny, Reason::NoServiceControlAllow));
    assert!(allowed(&policies, &Request::new(user("alice"), "ec2:DescribeVpcs", "*")));
}

#[test]
fn full_aws_access_lets_identity_policies_decide_and_an_scp_deny_denies() {
    let policies = identity(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}))
        .scp("FullAWSAccess", &serde_json::from_str(FULL_AWS_ACCESS).unwrap())
        .unwrap()
        .scp(
            "no-leaving",
            &document(json!({"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"})),
        )
        .unwrap();
    assert!(allowed(&policies, &Request::new(user("alice"), "s3:ListAllMyBuckets", "*")));
    assert_eq!(
        decide(&policies, &Request::new(Principal::root(ACCOUNT), "organizations:LeaveOrganization", "*")),
        Decision::ExplicitDeny
    );
}

#[test]
fn an_scp_allow_grants_nothing_by_itself() {
    let policies = PolicySet::new().scp("FullAWSAccess", &serde_json::from_str(FULL_AWS_ACCESS).unwrap()).unwrap();
    assert_eq!(evaluate(&Request::new(user("alice"), "s3:ListAllMyBuckets", "*"), &policies).reason, Reason::NoAllow);
}

#[test]
fn scps_do_not_restrict_service_principals() {
    let policies = PolicySet::new()
        .scp("nothing", &document(json!({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})))
        .unwrap()
        .resource(
            "bucket",
            &document(json!({"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/*"})),
        )
        .unwrap();
    let request = Request::new(Principal::service("logging.s3.amazonaws.com"), "s3:PutObject", "arn:aws:s3:::logs/x");
    assert!(allowed(&policies, &request));
}

#[test]
fn the_root_user_needs_no_identity_policy_but_is_bound_by_scps() {
    let request = Request::new(Principal::root(ACCOUNT), "s3:DeleteBucket", "arn:aws:s3:::b");
    assert_eq!(evaluate(&request, &PolicySet::new()).reason, Reason::RootUser);
    let policies =
        PolicySet::new().scp("ec2-only", &document(json!({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})));
    assert_eq!(decide(&policies.unwrap(), &request), Decision::ImplicitDeny);
}

// ------------------------------------------------------------------------------------------------
// "Permissions boundaries for IAM entities"
// ------------------------------------------------------------------------------------------------

fn bounded(resource_principal: &str) -> PolicySet {
    identity(json!({"Effect": "Allow", "Action": ["s3:*", "iam:CreateUser"], "Resource": "*"}))
        .boundary(
            "boundary",
            &document(json!({"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"})),
        )
        .unwrap()
        .resource(
            "queue",
            &document(json!({"Effect": "Allow", "Principal": {"AWS": resource_principal},
                "Action": "sqs:SendMessage", "Resource": "*"})),
        )
        .unwrap()
}

#[test]
fn a_boundary_caps_identity_policies() {
    let policies = bounded("999999999999");
    assert!(allowed(&policies, &Request::new(user("shirley"), "s3:GetObject", "arn:aws:s3:::b/k")));
    let create_user = evaluate(&Request::new(user("shirley"), "iam:CreateUser", "*"), &policies);
    assert_eq!((create_user.decision, create_user.reason), (Decision::ImplicitDeny, Reason::BoundaryDoesNotAllow));
    // The boundary grants nothing by itself.
    assert_eq!(decide(&policies, &Request::new(user("shirley"), "ec2:DescribeVpcs", "*")), Decision::ImplicitDeny);
}

#[test]
fn a_resource_policy_naming_the_user_is_not_capped_by_the_boundary() {
    let policies = bounded(&format!("arn:aws:iam::{ACCOUNT}:user/shirley"));
    assert!(allowed(&policies, &Request::new(user("shirley"), "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")));
}

#[test]
fn a_resource_policy_naming_the_role_is_capped_by_the_boundary_but_naming_the_session_is_not() {
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/app");
    let session = Principal::assumed_role(&role_arn, "worker");
    let request = Request::new(session, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q");
    let evaluation = evaluate(&request, &bounded(&role_arn));
    assert_eq!((evaluation.decision, evaluation.reason), (Decision::ImplicitDeny, Reason::BoundaryDoesNotAllow));
    let by_session = bounded(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/worker"));
    assert!(allowed(&by_session, &request));
}

// ------------------------------------------------------------------------------------------------
// "AWS JSON policy elements: Principal" and "Cross-account policy evaluation logic"
// ------------------------------------------------------------------------------------------------

/// The CloudTrail bucket policy of "Amazon S3 bucket policy for CloudTrail".
fn cloudtrail_bucket() -> PolicySet {
    let trail = format!("arn:aws:cloudtrail:us-east-2:{ACCOUNT}:trail/myTrailName");
    PolicySet::new()
        .resource(
            "trail-bucket",
            &document(json!([
                {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
                 "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
                 "Condition": {"StringEquals": {"aws:SourceArn": trail}}},
                {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
                 "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::amzn-s3-demo-bucket/AWSLogs/{ACCOUNT}/*"),
                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail}}}
            ])),
        )
        .unwrap()
}

#[test]
fn a_bucket_policy_lets_the_cloudtrail_service_deliver_logs() {
    let policies = cloudtrail_bucket();
    let trail = format!("arn:aws:cloudtrail:us-east-2:{ACCOUNT}:trail/myTrailName");
    let object = format!("arn:aws:s3:::amzn-s3-demo-bucket/AWSLogs/{ACCOUNT}/CloudTrail/log.json.gz");
    let put = |service: &str| {
        Request::new(Principal::service(service), "s3:PutObject", &object)
            .with("aws:SourceArn", trail.as_str())
            .with("s3:x-amz-acl", "bucket-owner-full-control")
    };
    let evaluation = evaluate(&put("cloudtrail.amazonaws.com"), &policies);
    assert_eq!(evaluation.sids(), ["AWSCloudTrailWrite20150319"]);
    assert_eq!(decide(&policies, &put("config.amazonaws.com")), Decision::ImplicitDeny);
    let without_acl = Request::new(Principal::service("cloudtrail.amazonaws.com"), "s3:PutObject", &object)
        .with("aws:SourceArn", trail.as_str());
    assert_eq!(decide(&policies, &without_acl), Decision::ImplicitDeny);
    let other_trail = put("cloudtrail.amazonaws.com").with("aws:SourceArn", "arn:aws:cloudtrail:us-east-2:1:trail/x");
    assert_eq!(decide(&policies, &other_trail), Decision::ImplicitDeny);
}

#[test]
fn everyone_includes_anonymous_callers() {
    let policies = PolicySet::new()
        .resource(
            "public",
            &document(json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::public-site/*"})),
        )
        .unwrap();
    assert!(allowed(
        &policies,
        &Request::new(Principal::Anonymous, "s3:GetObject", "arn:aws:s3:::public-site/index.html")
    ));
    assert!(!allowed(
        &policies,
        &Request::new(Principal::Anonymous, "s3:PutObject", "arn:aws:s3:::public-site/index.html")
    ));
}

/// The SNS topic policy of "IAM policy elements: Variables and tags" (Principal as an account id).
fn sns_topic_for_account() -> PolicySet {
    PolicySet::new()
        .resource(
            "topic",
            &document(json!([{"Principal": {"AWS": "999999999999"}, "Effect": "Allow",
                "Action": "sns:*", "Condition": {"StringLike": {"sns:endpoint": "https://example.com/${aws:username}/"},
                "StringEquals": {"sns:Protocol": "https"}}}])),
        )
        .unwrap()
}

#[test]
fn naming_an_account_delegates_to_its_identity_policies() {
    let bob = Principal::user("arn:aws:iam::999999999999:user/bob");
    let subscribe = Request::new(bob.clone(), "sns:Subscribe", "arn:aws:sns:us-east-1:999999999999:topic")
        .with("sns:endpoint", "https://example.com/bob/")
        .with("sns:Protocol", "https");
    let topic_only = sns_topic_for_account();
    assert_eq!(evaluate(&subscribe, &topic_only).reason, Reason::NoAllow);
    let with_identity = topic_only
        .identity(
            "sns",
            &json!({"Version": "2012-10-17", "Statement":
        {"Effect": "Allow", "Action": "sns:Subscribe", "Resource": "*"}}),
        )
        .unwrap();
    assert!(allowed(&with_identity, &subscribe));
}

#[test]
fn cross_account_requests_need_both_sides_to_allow() {
    let bob = Principal::user("arn:aws:iam::999999999999:user/bob");
    let subscribe = Request::new(bob, "sns:Subscribe", "arn:aws:sns:us-east-1:111122223333:topic")
        .with("sns:endpoint", "https://example.com/bob/")
        .with("sns:Protocol", "https")
        .in_account("111122223333");
    let topic_only = sns_topic_for_account();
    assert_eq!(evaluate(&subscribe, &topic_only).reason, Reason::CrossAccountNeedsIdentityAllow);
    let both = sns_topic_for_account()
        .identity("sns", &document(json!({"Effect": "Allow", "Action": "sns:*", "Resource": "*"})))
        .unwrap();
    assert!(allowed(&both, &subscribe));
    let wrong_endpoint = subscribe.clone().with("sns:endpoint", "https://example.com/alice/");
    assert_eq!(evaluate(&wrong_endpoint, &both).reason, Reason::CrossAccountNeedsResourceAllow);
}

// ------------------------------------------------------------------------------------------------
// "AWS JSON policy elements: NotPrincipal"
// ------------------------------------------------------------------------------------------------

fn all_but(not_principals: Value) -> PolicySet {
    PolicySet::new()
        .resource(
            "bucket",
            &document(json!([{"Effect": "Deny", "NotPrincipal": {"AWS": not_principals},
                "Action": "s3:*", "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"]}])),
        )
        .unwrap()
        .identity("s3", &document(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})))
        .unwrap()
}

#[test]
fn not_principal_with_deny_denies_everyone_but_bob_and_his_account() {
    let policies = all_but(json!(["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]));
    let get = |who: &str| Request::new(Principal::user(who), "s3:GetObject", "arn:aws:s3:::BUCKETNAME/k");
    assert!(allowed(&policies, &get("arn:aws:iam::444455556666:user/Bob")));
    assert_eq!(decide(&policies, &get("arn:aws:iam::444455556666:user/Alice")), Decision::ExplicitDeny);
    assert_eq!(decide(&policies, &get("arn:aws:iam::111122223333:user/Bob")), Decision::ExplicitDeny);
}

#[test]
fn not_principal_without_the_account_denies_bob_too() {
    let policies = all_but(json!("arn:aws:iam::444455556666:user/Bob"));
    let get = Request::new(
        Principal::user("arn:aws:iam::444455556666:user/Bob"),
        "s3:GetObject",
        "arn:aws:s3:::BUCKETNAME/k",
    );
    assert_eq!(decide(&policies, &get), Decision::ExplicitDeny);
}

#[test]
fn not_principal_exempts_a_role_session_listed_with_its_role_and_account() {
    let policies = all_but(json!([
        "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
        "arn:aws:iam::444455556666:role/cross-account-read-only-role",
        "arn:aws:iam::444455556666:root"
    ]));
    let role = "arn:aws:iam::444455556666:role/cross-account-read-only-role";
    let get = |session: &str| {
        Request::new(Principal::assumed_role(role, session), "s3:GetObject", "arn:aws:s3:::BUCKETNAME/k")
    };
    assert!(allowed(&policies, &get("cross-account-audit-app")));
    assert_eq!(decide(&policies, &get("someone-else")), Decision::ExplicitDeny);
}

#[test]
fn not_principal_with_deny_always_denies_a_principal_with_a_permissions_boundary() {
    let policies = all_but(json!(["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]))
        .boundary("boundary", &document(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})))
        .unwrap();
    let get = Request::new(
        Principal::user("arn:aws:iam::444455556666:user/Bob"),
        "s3:GetObject",
        "arn:aws:s3:::BUCKETNAME/k",
    );
    assert_eq!(decide(&policies, &get), Decision::ExplicitDeny);
}

// ------------------------------------------------------------------------------------------------
// "IAM JSON policy elements: NotAction"
// ------------------------------------------------------------------------------------------------

#[test]
fn not_action_with_deny_denies_everything_but_the_listed_actions() {
    // "DenyAllUsersNotUsingMFA": without MFA only IAM actions remain possible.
    let policies = identity(json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "DenyAllUsersNotUsingMFA", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    ]));
    let s3 = Request::new(user("alice"), "s3:ListAllMyBuckets", "*");
    assert_eq!(evaluate(&s3, &policies).sids(), ["DenyAllUsersNotUsingMFA"]);
    assert!(allowed(&policies, &Request::new(user("alice"), "iam:ChangePassword", "*")));
    assert!(allowed(&policies, &s3.clone().with("aws:MultiFactorAuthPresent", "true")));
    assert_eq!(decide(&policies, &s3.with("aws:MultiFactorAuthPresent", "false")), Decision::ExplicitDeny);
}

#[test]
fn not_action_with_allow_allows_everything_but_the_listed_actions() {
    let policies = identity(json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}));
    assert!(allowed(&policies, &Request::new(user("a"), "s3:CreateBucket", "arn:aws:s3:::b")));
    assert_eq!(decide(&policies, &Request::new(user("a"), "iam:CreateUser", "*")), Decision::ImplicitDeny);
}

// ------------------------------------------------------------------------------------------------
// "IAM JSON policy elements: NotResource" and "Resource"
// ------------------------------------------------------------------------------------------------

#[test]
fn not_resource_with_deny_denies_everything_but_the_payroll_folder() {
    let policies = identity(json!([
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*",
         "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}
    ]));
    assert!(allowed(&policies, &Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv")));
    assert_eq!(
        decide(&policies, &Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::HRBucket/Other/x")),
        Decision::ExplicitDeny
    );
}

#[test]
fn not_resource_with_allow_allows_everything_else() {
    let policies =
        identity(json!({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::HRBucket/Payroll/*"}));
    assert!(allowed(&policies, &Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::Other/x")));
    assert!(!allowed(&policies, &Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x")));
}

#[test]
fn resource_wildcards_match_the_whole_arn_case_sensitively() {
    let policies = identity(json!({"Effect": "Allow", "Action": "*", "Resource": [
        "arn:aws:iam::123456789012:user/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/*",
        "arn:aws:ec2:us-east-?:*:instance/*"
    ]}));
    let can = |resource: &str| allowed(&policies, &Request::new(user("a"), "svc:Act", resource));
    assert!(can("arn:aws:iam::123456789012:user/division/David"));
    assert!(can("arn:aws:s3:::amzn-s3-demo-bucket/a/b/c"));
    assert!(can("arn:aws:ec2:us-east-1:123456789012:instance/i-1"));
    assert!(!can("arn:aws:ec2:us-west-1:123456789012:instance/i-1"));
    assert!(!can("arn:aws:s3:::AMZN-S3-DEMO-BUCKET/a"));
    assert!(!can("arn:aws:s3:::amzn-s3-demo-bucket"));
}

// ------------------------------------------------------------------------------------------------
// "IAM JSON policy elements: Action"
// ------------------------------------------------------------------------------------------------

#[test]
fn actions_take_wildcards_and_ignore_case() {
    let policies = identity(
        json!({"Effect": "Allow", "Action": ["s3:Get*", "iam:*AccessKey*", "ec2:Describe?pcs"], "Resource": "*"}),
    );
    let can = |action: &str| allowed(&policies, &Request::new(user("a"), action, "*"));
    assert!(can("s3:GetObject") && can("S3:GETOBJECTACL") && can("iam:CreateAccessKey") && can("iam:ListAccessKeys"));
    assert!(can("ec2:DescribeVpcs"));
    assert!(!can("s3:PutObject") && !can("iam:CreateUser") && !can("ec2:DescribeVpcss"));
}

// ------------------------------------------------------------------------------------------------
// "IAM policy elements: Variables and tags"
// ------------------------------------------------------------------------------------------------

fn home_directories() -> PolicySet {
    identity(json!([
        {"Action": ["s3:ListBucket"], "Effect": "Allow", "Resource": ["arn:aws:s3:::mybucket"],
         "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}}},
        {"Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Allow",
         "Resource": ["arn:aws:s3:::mybucket/${aws:username}/*"]}
    ]))
}

#[test]
fn username_variables_give_each_user_a_home_directory() {
    let policies = home_directories();
    assert!(allowed(&policies, &Request::new(user("David"), "s3:GetObject", "arn:aws:s3:::mybucket/David/notes")));
    assert!(!allowed(&policies, &Request::new(user("David"), "s3:GetObject", "arn:aws:s3:::mybucket/Adele/notes")));
    let list =
        |prefix: &str| Request::new(user("David"), "s3:ListBucket", "arn:aws:s3:::mybucket").with("s3:prefix", prefix);
    assert!(allowed(&policies, &list("David/photos")));
    assert!(!allowed(&policies, &list("Adele/photos")));
}

#[test]
fn a_variable_without_value_matches_no_resource() {
    // Role sessions have no aws:username.
    let session = Principal::assumed_role("arn:aws:iam::123456789012:role/R", "David");
    let request = Request::new(session, "s3:GetObject", "arn:aws:s3:::mybucket/David/notes");
    assert_eq!(decide(&home_directories(), &request), Decision::ImplicitDeny);
    // Nor does it let a literal `${aws:username}` path through.
    let literal = Request::new(
        Principal::role("arn:aws:iam::123456789012:role/R"),
        "s3:GetObject",
        "arn:aws:s3:::mybucket/${aws:username}/notes",
    );
    assert_eq!(decide(&home_directories(), &literal), Decision::ImplicitDeny);
}

#[test]
fn principal_tags_as_variables_with_and_without_default() {
    let policies = identity(json!([
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/${aws:PrincipalTag/department}"},
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::amzn-s3-demo-bucket-${aws:PrincipalTag/team, 'company-wide'}/*"}
    ]));
    let hr =
        Request::new(user("a"), "s3:ListBucket", "arn:aws:s3:::bucket/hr").with("aws:PrincipalTag/department", "hr");
    assert!(allowed(&policies, &hr));
    assert!(!allowed(&policies, &Request::new(user("a"), "s3:ListBucket", "arn:aws:s3:::bucket/hr")));
    let get = |bucket: &str| Request::new(user("a"), "s3:GetObject", &format!("arn:aws:s3:::{bucket}/x"));
    assert!(allowed(&policies, &get("amzn-s3-demo-bucket-company-wide")));
    assert!(!allowed(&policies, &get("amzn-s3-demo-bucket-yellow")));
    assert!(allowed(&policies, &get("amzn-s3-demo-bucket-yellow").with("aws:PrincipalTag/team", "yellow")));
    assert!(!allowed(&policies, &get("amzn-s3-demo-bucket-company-wide").with("aws:PrincipalTag/team", "yellow")));
}

#[test]
fn a_negated_condition_against_a_missing_variable_matches() {
    // "Policy variables with no value": access is explicitly denied when aws:PrincipalTag/Team is not set.
    let policies = identity(json!([
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
         "Condition": {"StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}}
    ]));
    let get = Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/x")
        .with("s3:ExistingObjectTag/Team", "blue");
    assert_eq!(decide(&policies, &get), Decision::ExplicitDeny);
    assert!(allowed(&policies, &get.clone().with("aws:PrincipalTag/Team", "blue")));
    assert_eq!(decide(&policies, &get.with("aws:PrincipalTag/Team", "red")), Decision::ExplicitDeny);
}

#[test]
fn queue_names_from_the_user_name() {
    let policies = identity(json!({"Sid": "AllQueueActions", "Effect": "Allow", "Action": "sqs:*",
        "Resource": "arn:aws:sqs:us-east-2:*:${aws:username}-queue"}));
    assert!(allowed(
        &policies,
        &Request::new(user("Adele"), "sqs:SendMessage", "arn:aws:sqs:us-east-2:123456789012:Adele-queue")
    ));
    assert!(!allowed(
        &policies,
        &Request::new(user("Adele"), "sqs:SendMessage", "arn:aws:sqs:us-east-2:123456789012:David-queue")
    ));
}

#[test]
fn special_characters_are_escaped_as_variables() {
    let policies = identity(
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/literal${*}${?}${$}"}),
    );
    assert!(allowed(&policies, &Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::bucket/literal*?$")));
    assert!(!allowed(&policies, &Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::bucket/literalXY$")));
}

#[test]
fn without_version_2012_10_17_variables_are_literal_text() {
    let policies = PolicySet::new()
        .identity(
            "old",
            &json!({"Statement":
                {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}}),
        )
        .unwrap();
    assert!(!allowed(&policies, &Request::new(user("David"), "s3:GetObject", "arn:aws:s3:::b/David/x")));
    assert!(allowed(&policies, &Request::new(user("David"), "s3:GetObject", "arn:aws:s3:::b/${aws:username}/x")));
}

// ------------------------------------------------------------------------------------------------
// "IAM JSON policy elements: Condition operators" — string operators
// ------------------------------------------------------------------------------------------------

#[test]
fn string_equals_on_a_principal_tag() {
    let policies = identity(
        json!({"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "arn:aws:iam::111122223333:user/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}}),
    );
    let request = Request::new(user("a"), "iam:CreateAccessKey", "arn:aws:iam::111122223333:user/b");
    assert!(!allowed(&policies, &request));
    assert!(allowed(&policies, &request.clone().with("aws:PrincipalTag/job-category", "iamuser-admin")));
    assert!(!allowed(&policies, &request.clone().with("aws:PrincipalTag/job-category", "IAMUSER-ADMIN")));
    assert!(!allowed(&policies, &request.with("aws:PrincipalTag/job-category", "other")));
}

#[test]
fn condition_key_names_are_case_insensitive() {
    let policies = allow_if("s3:*", json!({"StringEquals": {"AWS:PrincipalTag/Dept": "Finance"}}));
    let request = Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::b/k").with("aws:principaltag/dept", "Finance");
    assert!(allowed(&policies, &request));
    assert!(!allowed(&policies, &request.with("aws:principaltag/dept", "finance")));
}

#[test]
fn string_not_equals_and_the_ignore_case_variants() {
    let not_equals = deny_if(json!({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}));
    let in_region = |region: &str| Request::new(user("a"), "ec2:RunInstances", "*").with("aws:RequestedRegion", region);
    assert!(allowed(&not_equals, &in_region("eu-west-1")));
    assert_eq!(decide(&not_equals, &in_region("us-east-1")), Decision::ExplicitDeny);
    assert_eq!(decide(&not_equals, &in_region("EU-WEST-1")), Decision::ExplicitDeny);
    let ignore_case = deny_if(json!({"StringNotEqualsIgnoreCase": {"aws:RequestedRegion": "eu-west-1"}}));
    assert!(allowed(&ignore_case, &in_region("EU-WEST-1")));
    assert_eq!(decide(&ignore_case, &in_region("us-east-1")), Decision::ExplicitDeny);
    let equals_ignore_case = allow_if("ec2:*", json!({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "EU-West-1"}}));
    assert!(allowed(&equals_ignore_case, &in_region("eu-west-1")));
    assert!(!allowed(&equals_ignore_case, &in_region("eu-west-2")));
}

#[test]
fn string_like_and_not_like_with_wildcards() {
    let like = allow_if("s3:ListBucket", json!({"StringLike": {"s3:prefix": ["home/*", "shared/?/docs"]}}));
    let list = |prefix: &str| Request::new(user("a"), "s3:ListBucket", "arn:aws:s3:::b").with("s3:prefix", prefix);
    assert!(allowed(&like, &list("home/david/")));
    assert!(allowed(&like, &list("shared/a/docs")));
    assert!(!allowed(&like, &list("shared/ab/docs")));
    assert!(!allowed(&like, &list("HOME/david")));
    let not_like = deny_if(json!({"StringNotLike": {"s3:prefix": "home/*"}}));
    assert!(allowed(&not_like, &list("home/x")));
    assert_eq!(decide(&not_like, &list("etc/x")), Decision::ExplicitDeny);
    // An absent key satisfies the negated operator.
    assert_eq!(decide(&not_like, &Request::new(user("a"), "s3:ListBucket", "arn:aws:s3:::b")), Decision::ExplicitDeny);
}

// ------------------------------------------------------------------------------------------------
// "Condition operators" — numeric, date, Bool, binary, IP address, ARN
// ------------------------------------------------------------------------------------------------

#[test]
fn numeric_operators_with_string_and_number_values() {
    // "NumericLessThanEquals": {"s3:max-keys": "10"}
    let max_keys = |value: Value| allow_if("s3:ListBucket", json!({"NumericLessThanEquals": {"s3:max-keys": value}}));
    let list = |n: &str| Request::new(user("a"), "s3:ListBucket", "arn:aws:s3:::b").with("s3:max-keys", n);
    for policies in [max_keys(json!("10")), max_keys(json!(10))] {
        assert!(allowed(&policies, &list("10")));
        assert!(allowed(&policies, &list("2.5")));
        assert!(!allowed(&policies, &list("11")));
        assert!(!allowed(&policies, &list("many")));
        assert!(!allowed(&policies, &Request::new(user("a"), "s3:ListBucket", "arn:aws:s3:::b")));
    }
    let cases: [(&str, &str, bool); 10] = [
        ("NumericEquals", "5", true),
        ("NumericEquals", "5.0", true),
        ("NumericEquals", "6", false),
        ("NumericNotEquals", "6", true),
        ("NumericNotEquals", "5", false),
        ("NumericLessThan", "4", true),
        ("NumericLessThan", "5", false),
        ("NumericGreaterThan", "6", true),
        ("NumericGreaterThanEquals", "5", true),
        ("NumericGreaterThanEquals", "4", false),
    ];
    for (operator, value, expected) in cases {
        let policies = allow_if("s3:*", json!({operator: {"s3:max-keys": "5"}}));
        let request = Request::new(user("a"), "s3:ListBucket", "*").with("s3:max-keys", value);
        assert_eq!(allowed(&policies, &request), expected, "{operator} {value}");
    }
}

#[test]
fn date_operators_with_iso_8601_and_epoch_values() {
    // "DateGreaterThan" and "DateLessThan" on aws:CurrentTime bound a time window.
    let window = allow_if(
        "*",
        json!({
            "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}
        }),
    );
    let at = |time: &str| Request::new(user("a"), "ec2:RunInstances", "*").with("aws:CurrentTime", time);
    assert!(allowed(&window, &at("2020-05-15T12:00:00Z")));
    assert!(allowed(&window, &at("2020-05-15T12:00:00+02:00")));
    assert!(!allowed(&window, &at("2020-07-01T00:00:00Z")));
    assert!(!allowed(&window, &at("2020-03-31T23:59:59Z")));
    // Epoch seconds in the policy and in the request (aws:EpochTime) mean the same instant.
    let epoch = allow_if("*", json!({"DateLessThanEquals": {"aws:EpochTime": 1585699200}}));
    let at_epoch = |time: &str| Request::new(user("a"), "ec2:RunInstances", "*").with("aws:EpochTime", time);
    assert!(allowed(&epoch, &at_epoch("1585699200")));
    assert!(allowed(&epoch, &at_epoch("2020-04-01T00:00:00Z")));
    assert!(!allowed(&epoch, &at_epoch("1585699201")));
    let cases = [
        ("DateEquals", "2020-04-01T00:00:00Z", true),
        ("DateEquals", "1585699200", true),
        ("DateNotEquals", "2020-04-01T00:00:01Z", true),
        ("DateNotEquals", "1585699200", false),
        ("DateLessThanEquals", "2020-03-31", true),
        ("DateGreaterThanEquals", "2020-04-01T00:00:00.000Z", true),
        ("DateGreaterThan", "2020-04-01T00:00:00Z", false),
    ];
    for (operator, value, expected) in cases {
        let policies = allow_if("*", json!({operator: {"aws:TokenIssueTime": "2020-04-01T00:00:00Z"}}));
        let request = Request::new(user("a"), "s3:ListBucket", "*").with("aws:TokenIssueTime", value);
        assert_eq!(allowed(&policies, &request), expected, "{operator} {value}");
    }
}

#[test]
fn bool_with_string_and_json_booleans() {
    let https =
        |tls: &str| Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::b/k").with("aws:SecureTransport", tls);
    for value in [json!("true"), json!(true)] {
        let policies = allow_if("s3:*", json!({"Bool": {"aws:SecureTransport": value}}));
        assert!(allowed(&policies, &https("true")));
        assert!(!allowed(&policies, &https("false")));
        assert!(!allowed(&policies, &Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::b/k")));
    }
}

#[test]
fn binary_equals_compares_base64_values() {
    let policies = allow_if("*", json!({"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}));
    assert!(allowed(
        &policies,
        &Request::new(user("a"), "s3:ListBucket", "*").with("key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==")
    ));
    assert!(!allowed(&policies, &Request::new(user("a"), "s3:ListBucket", "*").with("key", "QmluYXJ5")));
}

#[test]
fn ip_address_ranges_single_hosts_and_ipv6() {
    let policies = allow_if(
        "*",
        json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64", "198.51.100.7/32"]}}),
    );
    let from = |ip: &str| Request::new(user("a"), "ec2:RunInstances", "*").with("aws:SourceIp", ip);
    assert!(allowed(&policies, &from("203.0.113.54")));
    assert!(allowed(&policies, &from("2001:db8:1234:5678::99")));
    assert!(allowed(&policies, &from("198.51.100.7")));
    assert!(!allowed(&policies, &from("198.51.100.8")));
    assert!(!allowed(&policies, &from("2001:db8:1234:5679::1")));
    // "Deny access to AWS based on the source IP": NotIpAddress denies everything outside the ranges.
    let outside = deny_if(json!({"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}));
    assert!(allowed(&outside, &from("192.0.2.10")));
    assert_eq!(decide(&outside, &from("198.51.100.1")), Decision::ExplicitDeny);
}

#[test]
fn arn_operators_compare_the_six_parts_with_wildcards() {
    // The SQS queue policy that admits one SNS topic ("ArnEquals" on aws:SourceArn).
    let policies = PolicySet::new()
        .resource(
            "queue",
            &document(json!({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "SQS:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:QUEUE-ID",
                "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}}})),
        )
        .unwrap();
    let send = |source: &str| {
        Request::new(
            Principal::service("sns.amazonaws.com"),
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:123456789012:QUEUE-ID",
        )
        .with("aws:SourceArn", source)
    };
    assert!(allowed(&policies, &send("arn:aws:sns:us-east-1:123456789012:TOPIC-ID")));
    assert!(!allowed(&policies, &send("arn:aws:sns:us-east-1:123456789012:OTHER")));
    let like = allow_if("*", json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy-*"}}));
    let as_role = |arn: &str| Request::new(Principal::role(arn), "s3:ListBucket", "*");
    assert!(allowed(&like, &as_role("arn:aws:iam::111122223333:role/deploy-prod")));
    assert!(!allowed(&like, &as_role("arn:aws:iam::111122223333:role/admin")));
    let not_like = deny_if(json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy-*"}}));
    assert!(allowed(&not_like, &as_role("arn:aws:iam::111122223333:role/deploy-prod")));
    assert_eq!(decide(&not_like, &as_role("arn:aws:iam::111122223333:role/admin")), Decision::ExplicitDeny);
    let not_equals = deny_if(json!({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}}));
    assert_eq!(decide(&not_equals, &Request::new(user("a"), "sqs:SendMessage", "*")), Decision::ExplicitDeny);
}

// ------------------------------------------------------------------------------------------------
// "Condition operators" — ...IfExists and Null
// ------------------------------------------------------------------------------------------------

#[test]
fn if_exists_holds_for_absent_keys_and_checks_present_ones() {
    // "StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}
    let policies = allow_if("ec2:*", json!({"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}));
    let run = Request::new(user("a"), "ec2:RunInstances", "*");
    assert!(allowed(&policies, &run));
    assert!(allowed(&policies, &run.clone().with("ec2:InstanceType", "t2.micro")));
    assert!(!allowed(&policies, &run.with("ec2:InstanceType", "m5.large")));
    // Without IfExists the absent key fails the positive operator.
    let strict = allow_if("ec2:*", json!({"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}));
    assert!(!allowed(&strict, &Request::new(user("a"), "ec2:RunInstances", "*")));
}

#[test]
fn null_checks_whether_a_key_is_absent_or_present() {
    // Allow EC2 only with long-term credentials: no aws:TokenIssueTime.
    let long_term = allow_if("ec2:*", json!({"Null": {"aws:TokenIssueTime": "true"}}));
    let run = Request::new(user("a"), "ec2:RunInstances", "*");
    assert!(allowed(&long_term, &run));
    let temporary = run.clone().with("aws:TokenIssueTime", "2024-01-01T00:00:00Z");
    assert!(!allowed(&long_term, &temporary));
    let present = allow_if("ec2:*", json!({"Null": {"aws:TokenIssueTime": false}}));
    assert!(allowed(&present, &temporary));
    assert!(!allowed(&present, &run));
}

// ------------------------------------------------------------------------------------------------
// "Conditions with multiple context keys or values"
// ------------------------------------------------------------------------------------------------

#[test]
fn keys_and_operators_are_anded_and_values_ored() {
    let policies = allow_if(
        "*",
        json!({
            "StringEquals": {"aws:PrincipalTag/department": "finance", "aws:PrincipalTag/role": ["audit", "security"]},
            "Bool": {"aws:MultiFactorAuthPresent": "true"}
        }),
    );
    let request = |department: &str, role: &str, mfa: &str| {
        Request::new(user("a"), "s3:ListBucket", "*")
            .with("aws:PrincipalTag/department", department)
            .with("aws:PrincipalTag/role", role)
            .with("aws:MultiFactorAuthPresent", mfa)
    };
    assert!(allowed(&policies, &request("finance", "audit", "true")));
    assert!(allowed(&policies, &request("finance", "security", "true")));
    assert!(!allowed(&policies, &request("finance", "security", "false")));
    assert!(!allowed(&policies, &request("hr", "audit", "true")));
    assert!(!allowed(&policies, &request("finance", "dev", "true")));
}

#[test]
fn a_negated_operator_holds_when_the_value_equals_none_of_the_values() {
    let policies = deny_if(json!({"StringNotEquals": {"aws:PrincipalTag/role": ["audit", "security"]}}));
    let with_role = |role: &str| Request::new(user("a"), "s3:ListBucket", "*").with("aws:PrincipalTag/role", role);
    assert!(allowed(&policies, &with_role("audit")));
    assert!(allowed(&policies, &with_role("security")));
    assert_eq!(decide(&policies, &with_role("dev")), Decision::ExplicitDeny);
}

// ------------------------------------------------------------------------------------------------
// "Single-valued vs. multivalued context keys" and "Multivalued context key examples"
// ------------------------------------------------------------------------------------------------

fn tagging(keys: Option<&[&str]>) -> Request {
    let request = Request::new(user("a"), "iam:TagUser", "arn:aws:iam::123456789012:user/b");
    match keys {
        Some(keys) => request.with_multi("aws:TagKeys", keys.iter().copied()),
        None => request,
    }
}

#[test]
fn for_all_values_deny_table_including_the_absent_key() {
    // "DenyRestrictedTags": every tag key must start with key1, else deny.
    let policies = identity(json!([
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Sid": "DenyRestrictedTags", "Effect": "Deny", "Action": ["iam:Tag*", "iam:UnTag*"], "Resource": ["*"],
         "Condition": {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}}
    ]));
    assert!(allowed(&policies, &tagging(Some(&["key1:legal"]))));
    assert!(allowed(&policies, &tagging(Some(&["key1:hr", "key1:personnel"]))));
    assert_eq!(decide(&policies, &tagging(Some(&["key2:audit"]))), Decision::ExplicitDeny);
    // The documented pitfall: no aws:TagKeys at all also matches ForAllValues.
    assert_eq!(decide(&policies, &tagging(None)), Decision::ExplicitDeny);
    assert_eq!(decide(&policies, &tagging(Some(&[]))), Decision::ExplicitDeny);
}

#[test]
fn for_all_values_on_an_allow_is_true_for_an_empty_set_unless_guarded_by_null() {
    let permissive =
        allow_if("iam:*", json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}));
    assert!(allowed(&permissive, &tagging(Some(&["environment"]))));
    assert!(allowed(&permissive, &tagging(Some(&["environment", "cost-center"]))));
    assert!(!allowed(&permissive, &tagging(Some(&["environment", "owner"]))));
    assert!(allowed(&permissive, &tagging(None)));
    let guarded = allow_if(
        "iam:*",
        json!({
            "ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]},
            "Null": {"aws:TagKeys": "false"}
        }),
    );
    assert!(!allowed(&guarded, &tagging(None)));
    assert!(allowed(&guarded, &tagging(Some(&["cost-center"]))));
}

#[test]
fn for_any_value_needs_one_match_and_is_false_for_an_empty_set() {
    let policies =
        allow_if("iam:*", json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}));
    assert!(allowed(&policies, &tagging(Some(&["owner", "environment"]))));
    assert!(!allowed(&policies, &tagging(Some(&["owner"]))));
    assert!(!allowed(&policies, &tagging(None)));
    assert!(!allowed(&policies, &tagging(Some(&[]))));
}

#[test]
fn for_any_value_with_a_negated_operator() {
    let policies = allow_if("iam:*", json!({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["DataClass", "Owner"]}}));
    assert!(!allowed(&policies, &tagging(None)));
    assert!(!allowed(&policies, &tagging(Some(&["DataClass", "Owner"]))));
    assert!(allowed(&policies, &tagging(Some(&["Dept", "DataClass"]))));
    assert!(allowed(&policies, &tagging(Some(&["Dept", "SIC"]))));
}

#[test]
fn evaluation_explains_which_statement_decided() {
    let policies = deny_if(json!({"Bool": {"aws:SecureTransport": "false"}}));
    let request = Request::new(user("a"), "s3:GetObject", "arn:aws:s3:::b/k").with("aws:SecureTransport", "false");
    let evaluation: Evaluation = evaluate(&request, &policies);
    assert_eq!(
        evaluation.to_string(),
        "ExplicitDeny: explicitly denied by identity-based policy `identity` statement 1 (Sid `Deny`)"
    );
}

// ------------------------------------------------------------------------------------------------
// AWS KMS Developer Guide, "Key policies in AWS KMS" and "Default key policy"
// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)
// ------------------------------------------------------------------------------------------------

const KMS_ACCOUNT: &str = "111122223333";
const KMS_KEY: &str = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A key policy with the documentation's "Allow access for Key Administrators" statement, and
/// "Enable IAM User Permissions" (the account root) when `delegate`.
fn key_policy(delegate: bool) -> Value {
    let mut statements = vec![json!({
        "Sid": "Allow access for Key Administrators", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{KMS_ACCOUNT}:role/KMSKeyAdmins")},
        "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*"], "Resource": "*"})];
    if delegate {
        statements.push(json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{KMS_ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}));
    }
    document(json!(statements))
}

fn decrypt_by(role: &str) -> Request {
    Request::new(
        Principal::assumed_role(&format!("arn:aws:iam::{KMS_ACCOUNT}:role/{role}"), "s"),
        "kms:Decrypt",
        KMS_KEY,
    )
}

fn with_iam_decrypt(key: Value) -> PolicySet {
    PolicySet::new()
        .identity(
            "ExampleRolePolicy",
            &document(json!({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KMS_KEY})),
        )
        .unwrap()
        .key_policy("key policy", &key)
        .unwrap()
}

#[test]
fn an_iam_policy_grants_a_key_only_where_the_key_policy_lets_the_account_delegate() {
    let delegated = evaluate(&decrypt_by("ExampleRole"), &with_iam_decrypt(key_policy(true)));
    assert_eq!(delegated.decision, Decision::Allow);
    assert!(delegated.sids().contains(&"Enable IAM User Permissions"));
    // "Without permission from the key policy, IAM policies that allow permissions have no effect."
    let alone = evaluate(&decrypt_by("ExampleRole"), &with_iam_decrypt(key_policy(false)));
    assert_eq!((alone.decision, alone.reason), (Decision::ImplicitDeny, Reason::ResourcePolicyMustAllow));
}

#[test]
fn a_key_policy_naming_the_role_allows_it_without_an_iam_policy() {
    let key_only = PolicySet::new().key_policy("key policy", &key_policy(false)).unwrap();
    let describe = Request::new(
        Principal::assumed_role(&format!("arn:aws:iam::{KMS_ACCOUNT}:role/KMSKeyAdmins"), "admin"),
        "kms:DescribeKey",
        KMS_KEY,
    );
    assert!(allowed(&key_only, &describe));
    assert!(!allowed(&key_only, &Request::new(Principal::root(KMS_ACCOUNT), "kms:Decrypt", KMS_KEY)));
}

// ------------------------------------------------------------------------------------------------
// IAM User Guide, "Policy evaluation for requests within a single account": role trust policies
// must allow the caller or its account.
// ------------------------------------------------------------------------------------------------

fn assume(trust: Value, identity_allows: bool) -> Evaluation {
    let mut policies = PolicySet::new();
    if identity_allows {
        policies = policies
            .identity(
                "AssumeAnyRole",
                &document(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})),
            )
            .unwrap();
    }
    let policies = policies.trust_policy("trust policy", &document(trust)).unwrap();
    evaluate(&Request::new(user("Bob"), "sts:AssumeRole", &format!("arn:aws:iam::{ACCOUNT}:role/Target")), &policies)
}

#[test]
fn a_trust_policy_naming_the_account_needs_the_callers_identity_allow() {
    let trust = json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"});
    assert_eq!(assume(trust.clone(), false).decision, Decision::ImplicitDeny);
    assert!(assume(trust, true).is_allowed());
}

#[test]
fn a_trust_policy_naming_someone_else_refuses_the_caller_whatever_its_identity_policy_says() {
    let trust = json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:user/Alice")}, "Action": "sts:AssumeRole"});
    assert_eq!(assume(trust, true).reason, Reason::ResourcePolicyMustAllow);
}

// ------------------------------------------------------------------------------------------------
// IAM User Guide, "AWS global condition context keys": aws:SourceArn and aws:SourceAccount are
// in the context only when a service principal calls directly.
// ------------------------------------------------------------------------------------------------

#[test]
fn source_arn_and_account_are_absent_from_a_role_sessions_request() {
    let trail = format!("arn:aws:cloudtrail:us-east-2:{ACCOUNT}:trail/myTrailName");
    let identity = PolicySet::new()
        .identity(
            "conditioned",
            &document(json!({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceArn": trail, "aws:SourceAccount": ACCOUNT}}})),
        )
        .unwrap();
    // What CloudTrail would claim if the keys were sent: still absent for a role session.
    let session = Request::new(
        Principal::assumed_role(&format!("arn:aws:iam::{ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role"), "trail"),
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-2:123456789012:log-group:trail:log-stream:s",
    )
    .with("aws:SourceArn", trail.as_str())
    .with("aws:SourceAccount", ACCOUNT);
    assert_eq!(evaluate(&session, &identity).decision, Decision::ImplicitDeny);
    // A service principal's own call carries them.
    let bucket = cloudtrail_bucket();
    let put = Request::new(
        Principal::service("cloudtrail.amazonaws.com"),
        "s3:GetBucketAcl",
        "arn:aws:s3:::amzn-s3-demo-bucket",
    )
    .with("aws:SourceArn", trail.as_str());
    assert!(allowed(&bucket, &put));
}
