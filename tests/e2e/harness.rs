//! Running the binary against an emulator, and SDK clients for checks and out-of-band changes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_kms::types::KeyState;
use bankinfra_testkit::{Emulator, repo_root};
use serde_json::Value;

pub const STAGE: &str = "local";
pub const TOTAL_RESOURCES: usize = 141;
/// What [`Env::owned_counts`] finds after a complete apply: one VPC, six subnets, four route
/// tables, one internet gateway, two endpoints, three keys, two user pools, four app clients.
pub const OWNED_COUNTS: [usize; 8] = [1, 6, 4, 1, 2, 3, 2, 4];

/// An emulator plus the specs directory the binary is pointed at.
pub struct Env {
    pub emulator: Emulator,
    pub specs: PathBuf,
    sdk: SdkConfig,
    /// Extra environment for the binary (e.g. the organization's profile).
    env: Vec<(String, String)>,
}

/// The emulated organization's management account, reached by assuming a role, as a bank's
/// `BANK_ORG_PROFILE` would.
pub const ORG_ACCOUNT: &str = "111111111111";
/// The stage's account (stage local), a member of the emulated organization.
pub const STAGE_ACCOUNT: &str = "123456789012";
pub const ORG_ROLE: &str = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole";

impl Env {
    pub async fn new() -> Env {
        Env::with_emulator(Emulator::start()).await
    }

    pub async fn with_emulator(emulator: Emulator) -> Env {
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("ap-southeast-2"))
            .endpoint_url(emulator.endpoint())
            .http_client(trusting(&emulator.ca_file()))
            .credentials_provider(aws_sdk_s3::config::Credentials::new("test", "test", None, None, "test"))
            .load()
            .await;
        let env = vec![("SSL_CERT_FILE".to_string(), emulator.ca_file().display().to_string())];
        Env { emulator, specs: repo_root().join("specs"), sdk, env }
    }

    /// The binary, pointed at this emulator and these specs, with no inherited AWS identity.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bankinfra"));
        cmd.args(args)
            .env("AWS_ENDPOINT_URL", self.emulator.endpoint())
            .env("BANKINFRA_SPECS", &self.specs)
            .env("NO_COLOR", "1")
            .env_remove("BANKINFRA_STAGE")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("BANK_ORG_PROFILE")
            .env_remove("AWS_CONFIG_FILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        cmd
    }

    /// Creates an organization whose management account is [`ORG_ACCOUNT`] and points the binary
    /// at it through `BANK_ORG_PROFILE`: a profile that assumes [`ORG_ROLE`].
    pub async fn with_organization(mut self) -> Env {
        let org = self.organizations().await;
        org.create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .unwrap();
        let dir = std::env::temp_dir().join(format!("bankinfra-org-{}-{}", std::process::id(), self.emulator.port()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config");
        std::fs::write(
            &config,
            format!(
                "[profile bank-org-source]\naws_access_key_id = bankinfra-local\naws_secret_access_key = bankinfra-local\n\n\
                 [profile bank-org]\nrole_arn = {ORG_ROLE}\nsource_profile = bank-org-source\nregion = ap-southeast-2\n"
            ),
        )
        .unwrap();
        self.env.push(("AWS_CONFIG_FILE".into(), config.display().to_string()));
        self.env.push(("AWS_SHARED_CREDENTIALS_FILE".into(), dir.join("credentials").display().to_string()));
        self.env.push(("BANK_ORG_PROFILE".into(), "bank-org".into()));
        // The stage's account joins as AWS accounts do: invited by the management account, the
        // handshake accepted from the member.
        let invited = org
            .invite_account_to_organization()
            .target(
                aws_sdk_organizations::types::HandshakeParty::builder()
                    .id(STAGE_ACCOUNT)
                    .r#type(aws_sdk_organizations::types::HandshakePartyType::Account)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let handshake = invited.handshake().and_then(|h| h.id()).unwrap().to_string();
        aws_sdk_organizations::Client::new(&self.sdk).accept_handshake().handshake_id(handshake).send().await.unwrap();
        self
    }

    /// A second member account of the organization (CreateAccount), and a profile `name` in the
    /// binary's AWS config that reaches it through its `OrganizationAccountAccessRole`, as a
    /// stage in its own account would be reached. Returns the account's id.
    pub async fn member_account_profile(&self, name: &str) -> String {
        let org = self.organizations().await;
        let created =
            org.create_account().email(format!("{name}@example.com")).account_name(name).send().await.unwrap();
        let account = created.create_account_status().and_then(|s| s.account_id()).unwrap().to_string();
        let config = self.env.iter().find(|(k, _)| k == "AWS_CONFIG_FILE").map(|(_, v)| v.clone()).unwrap();
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!(
            "\n[profile {name}]\nrole_arn = arn:aws:iam::{account}:role/OrganizationAccountAccessRole\nsource_profile = bank-org-source\nregion = ap-southeast-2\n"
        ));
        std::fs::write(&config, text).unwrap();
        account
    }

    /// S3 and KMS clients of another principal of the stage account: an IAM user made for the
    /// test (created with the required tags, as the SCP demands of `iam:CreateUser`).
    pub async fn other_principal_clients(&self) -> (aws_sdk_s3::Client, aws_sdk_kms::Client) {
        let iam = self.iam();
        let mut create = iam.create_user().user_name("gov-005-probe");
        for (k, v) in [("tenant_id", "totara-bank"), ("module_id", "MOD-104"), ("environment", STAGE)] {
            create = create.tags(aws_sdk_iam::types::Tag::builder().key(k).value(v).build().unwrap());
        }
        create.send().await.unwrap();
        let key = iam.create_access_key().user_name("gov-005-probe").send().await.unwrap();
        let key = key.access_key().unwrap();
        let credentials = aws_sdk_s3::config::Credentials::new(
            key.access_key_id(),
            key.secret_access_key(),
            None,
            None,
            "gov-005-probe",
        );
        let s3 = aws_sdk_s3::config::Builder::from(&self.sdk)
            .credentials_provider(credentials.clone())
            .force_path_style(true)
            .build();
        let kms = aws_sdk_kms::config::Builder::from(&self.sdk).credentials_provider(credentials).build();
        (aws_sdk_s3::Client::from_conf(s3), aws_sdk_kms::Client::from_conf(kms))
    }

    /// An Organizations client acting as the management account.
    pub async fn organizations(&self) -> aws_sdk_organizations::Client {
        let sts = aws_sdk_sts::Client::new(&self.sdk);
        let assumed = sts.assume_role().role_arn(ORG_ROLE).role_session_name("e2e").send().await.unwrap();
        let c = assumed.credentials().unwrap();
        let credentials = aws_sdk_s3::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "assumed",
        );
        let config = aws_sdk_organizations::config::Builder::from(&self.sdk).credentials_provider(credentials).build();
        aws_sdk_organizations::Client::from_conf(config)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run bankinfra")
    }

    /// Runs and asserts the exit code, returning stdout.
    pub fn run_expect(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            out.status.code(),
            Some(code),
            "bankinfra {args:?} exited {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        );
        stdout
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn bankinfra")
    }

    pub fn apply(&self) -> String {
        self.run_expect(&["apply", "--stage", STAGE, "--auto-approve"], 0)
    }

    /// `plan --json --detailed-exitcode`, asserting the exit code.
    pub fn plan_json(&self, code: i32) -> Value {
        let stdout = self.run_expect(&["plan", "--stage", STAGE, "--json", "--detailed-exitcode"], code);
        serde_json::from_str(&stdout).expect("plan --json prints JSON")
    }

    pub fn assert_no_changes(&self) {
        let plan = self.plan_json(0);
        assert_eq!(plan["has_changes"], false, "expected no changes: {plan:#}");
    }

    /// Counts the ID-addressed resources the stack owns (names cannot be duplicated; these could):
    /// VPCs, subnets, route tables, internet gateways, endpoints, live keys, user pools, app
    /// clients of those pools.
    pub async fn owned_counts(&self) -> [usize; 8] {
        let ec2 = self.ec2();
        let f = || Some(owned_filters());
        let vpcs = ec2.describe_vpcs().set_filters(f()).send().await.unwrap().vpcs().len();
        let subnets = ec2.describe_subnets().set_filters(f()).send().await.unwrap().subnets().len();
        let tables = ec2.describe_route_tables().set_filters(f()).send().await.unwrap().route_tables().len();
        let igws = ec2.describe_internet_gateways().set_filters(f()).send().await.unwrap().internet_gateways().len();
        let endpoints = ec2.describe_vpc_endpoints().set_filters(f()).send().await.unwrap();
        // Deleted endpoints stay visible for a while in state `deleted`, as on AWS.
        let endpoints = endpoints
            .vpc_endpoints()
            .iter()
            .filter(|e| e.state().is_none_or(|s| !s.as_str().eq_ignore_ascii_case("deleted")))
            .count();
        let kms = self.kms();
        let mut keys = 0;
        for key in kms.list_keys().send().await.unwrap().keys() {
            let id = key.key_id().unwrap();
            let tags = kms.list_resource_tags().key_id(id).send().await.unwrap();
            let ours = tags.tags().iter().any(|t| t.tag_key() == "bankinfra:stage" && t.tag_value() == STAGE);
            let state =
                kms.describe_key().key_id(id).send().await.unwrap().key_metadata().unwrap().key_state().cloned();
            if ours && state != Some(KeyState::PendingDeletion) {
                keys += 1;
            }
        }
        let cognito = self.cognito();
        let (mut pools, mut clients) = (0, 0);
        for pool in cognito.list_user_pools().max_results(60).send().await.unwrap().user_pools() {
            let described = cognito.describe_user_pool().user_pool_id(pool.id().unwrap()).send().await.unwrap();
            let tags = described.user_pool().and_then(|p| p.user_pool_tags()).cloned().unwrap_or_default();
            if tags.get("bankinfra:stage").map(String::as_str) == Some(STAGE) {
                pools += 1;
                let listed = cognito.list_user_pool_clients().user_pool_id(pool.id().unwrap()).max_results(60);
                clients += listed.send().await.unwrap().user_pool_clients().len();
            }
        }
        [vpcs, subnets, tables, igws, endpoints, keys, pools, clients]
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk)
    }

    pub fn cloudtrail(&self) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.sdk)
    }

    pub fn cognito(&self) -> aws_sdk_cognitoidentityprovider::Client {
        aws_sdk_cognitoidentityprovider::Client::new(&self.sdk)
    }

    pub fn firehose(&self) -> aws_sdk_firehose::Client {
        aws_sdk_firehose::Client::new(&self.sdk)
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.sdk)
    }

    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.sdk)
    }

    pub fn xray(&self) -> aws_sdk_xray::Client {
        aws_sdk_xray::Client::new(&self.sdk)
    }

    pub fn events(&self) -> aws_sdk_eventbridge::Client {
        aws_sdk_eventbridge::Client::new(&self.sdk)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk)
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk)
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.sdk)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(true).build())
    }

    pub fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.sdk)
    }

    /// Out of band: `bucket`'s whole-bucket `retention` rule now expires objects after `days`.
    pub async fn expire_objects_after(&self, bucket: &str, days: i32) {
        use aws_sdk_s3::types::{
            BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
        };
        let rule = LifecycleRule::builder()
            .id("retention")
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix("").build())
            .expiration(LifecycleExpiration::builder().days(days).build())
            .build()
            .unwrap();
        self.s3()
            .put_bucket_lifecycle_configuration()
            .bucket(bucket)
            .lifecycle_configuration(BucketLifecycleConfiguration::builder().rules(rule).build().unwrap())
            .send()
            .await
            .unwrap();
    }

    pub async fn param(&self, path: &str) -> Option<String> {
        let out = self.ssm().get_parameter().name(format!("/bank/{STAGE}/{path}")).send().await.ok()?;
        out.parameter()?.value().map(str::to_string)
    }
}

/// An HTTPS client that trusts the emulator's local CA (and nothing else).
fn trusting(ca: &Path) -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    let pem = std::fs::read(ca).unwrap_or_else(|e| panic!("cannot read the emulator's CA {}: {e}", ca.display()));
    let context = tls::TlsContext::builder()
        .with_trust_store(tls::TrustStore::empty().with_native_roots(false).with_pem_certificate(pem))
        .build()
        .expect("a TLS context trusting the emulator's CA");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .tls_context(context)
        .build_https()
}

/// An IAM policy document as the SDK returns it (URL-encoded JSON).
pub fn iam_document(encoded: &str) -> Value {
    let mut bytes = Vec::new();
    let raw = encoded.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            bytes.push(u8::from_str_radix(std::str::from_utf8(&raw[i + 1..i + 3]).unwrap(), 16).unwrap());
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("policy document is JSON ({e}): {encoded}"))
}

/// Expected `(address, action, [paths])` triples, sorted, for comparison with [`changes`].
pub fn expect_changes(expected: &[(&str, &str, &[&str])]) -> Vec<(String, String, Vec<String>)> {
    let mut out: Vec<(String, String, Vec<String>)> = expected
        .iter()
        .map(|(a, action, paths)| (a.to_string(), action.to_string(), paths.iter().map(|p| p.to_string()).collect()))
        .collect();
    out.sort();
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Changes in a JSON plan that are not no-ops: (address, action, [paths]).
pub fn changes(plan: &Value) -> Vec<(String, String, Vec<String>)> {
    plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .filter(|c| c["action"] != "no_op")
        .map(|c| {
            let paths = c["changes"]
                .as_array()
                .map_or(Vec::new(), |v| v.iter().map(|f| f["path"].as_str().unwrap_or_default().to_string()).collect());
            (
                c["address"].as_str().unwrap_or_default().to_string(),
                c["action"].as_str().unwrap_or_default().to_string(),
                paths,
            )
        })
        .collect()
}

/// Copies the specs into a fresh temporary directory for a test to edit.
pub fn copy_specs(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bankinfra-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo_root().join("specs"), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// EC2 filters selecting what this stack owns on stage local.
pub fn owned_filters() -> Vec<aws_sdk_ec2::types::Filter> {
    [("tag:bankinfra:stack", "mod-104"), ("tag:bankinfra:stage", STAGE)]
        .into_iter()
        .map(|(k, v)| aws_sdk_ec2::types::Filter::builder().name(k).values(v).build())
        .collect()
}

/// The mutating requests among `requests` whose IAM action the self-lockout gate's call table
/// (`bankinfra_verify::lockout`) does not list: each is a call the gate would not evaluate.
/// Organizations calls (made from the management account, which SCPs never restrict) and STS
/// are left out.
pub fn calls_the_lockout_gate_does_not_know(requests: &[bankinfra_testkit::LoggedRequest]) -> Vec<String> {
    let known = bankinfra_verify::lockout::all_actions();
    let mut unknown: Vec<String> = requests
        .iter()
        .filter(|r| r.mutating)
        .filter_map(|r| {
            let service = r.service.as_deref()?;
            if ["organizations", "sts"].contains(&service) {
                return None;
            }
            let action = bankinfra_verify::lockout::iam_action(&format!("{service}:{}", r.operation));
            (!known.contains(&action.as_str())).then_some(action)
        })
        .collect();
    unknown.sort();
    unknown.dedup();
    unknown
}
