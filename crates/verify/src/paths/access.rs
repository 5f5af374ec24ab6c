//! People and pipelines (FR-420): the CI/CD role through GitHub OIDC, break-glass only with MFA;
//! and the refusals the design relies on for everyone (FR-418, DT-002, GOV-006).

use bankinfra_model::Kind;
use bankinfra_policy::{Principal, Request};
use bankinfra_spec::Specs;
use serde_json::json;

use super::policies::{role_arn, session_of};
use super::{Case, DataPath, Row};
use crate::facts::Facts;

const GITHUB: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub";
const MFA: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html";
const TLS: &str = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html";
const SSE: &str = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html";
const ISSUER: &str = "token.actions.githubusercontent.com";

/// GitHub Actions asking for the CI/CD role with a token for `sub` and `aud`.
fn github(f: &Facts<'_>, sub: &str, aud: &str) -> Result<Case, String> {
    let provider = f.output(Kind::IamOidcProvider, "github", "arn")?;
    let request = Request::new(Principal::Federated(provider), "sts:AssumeRoleWithWebIdentity", &role_arn(f, "cicd")?)
        .with(&format!("{ISSUER}:sub"), sub)
        .with(&format!("{ISSUER}:aud"), aud);
    Case::new(request).trust_policy(f, "cicd")
}

fn repository_sub(f: &Facts<'_>) -> String {
    format!("repo:{}:ref:refs/heads/main", f.specs.stack.iam.github_repository.get_ref())
}

/// An operator of the account (an IAM user allowed to assume roles) asking for break-glass.
fn break_glass(f: &Facts<'_>, mfa: bool) -> Result<Case, String> {
    let operator = Principal::user(&format!("arn:aws:iam::{}:user/ops-oncall", f.specs.stage.account_id));
    let role = role_arn(f, "break-glass")?;
    let mut request = Request::new(operator, "sts:AssumeRole", &role);
    if mfa {
        request = request.with("aws:MultiFactorAuthPresent", "true");
    }
    let may_assume = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}]});
    Case::new(request).identity("operator's policy", &may_assume)?.scps(f)?.trust_policy(f, "break-glass")
}

/// A request of a CI/CD session (AdministratorAccess) to the `purpose` bucket.
fn admin_on_bucket(
    f: &Facts<'_>,
    purpose: &str,
    action: &str,
    object: &str,
    context: &[(&str, String)],
) -> Result<Case, String> {
    let (b, _) = f.bucket(purpose)?;
    let mut request =
        Request::new(session_of(f, "cicd", "pipeline")?, action, &format!("arn:aws:s3:::{}/{object}", b.bucket));
    for (key, value) in context {
        request = request.with(key, value.as_str());
    }
    Case::new(request).role_identity(f, "cicd")?.bucket_policy(f, purpose)
}

pub(crate) fn paths(specs: &Specs) -> Vec<DataPath<'_>> {
    let repo = specs.stack.iam.github_repository.get_ref();
    let cicd = &specs.stack.iam.cicd_role;
    let glass = &specs.stack.iam.break_glass_role;
    let trail = specs.stack.cloudtrail.bucket.get_ref().as_str();
    let sample = "documents";
    let bucket = |p: &str| specs.stack.storage.bucket_name.replace("{purpose}", p);
    vec![
        Row::new("FR-420", format!("GitHub Actions of {repo} assume {cicd}"), GITHUB)
            .call("GitHub OIDC (Federated)", "sts:AssumeRoleWithWebIdentity", format!("role {cicd}"))
            .context(format!("{ISSUER}:sub = repo:{repo}:ref:refs/heads/main; {ISSUER}:aud = sts.amazonaws.com"))
            .build(|f| github(f, &repository_sub(f), "sts.amazonaws.com")),
        Row::new("FR-420", format!("GitHub Actions of another repository assume {cicd}"), GITHUB)
            .call("GitHub OIDC (Federated)", "sts:AssumeRoleWithWebIdentity", format!("role {cicd}"))
            .context(format!("{ISSUER}:sub = repo:someone-else/fork:ref:refs/heads/main"))
            .denied()
            .build(|f| github(f, "repo:someone-else/fork:ref:refs/heads/main", "sts.amazonaws.com")),
        Row::new("FR-420", format!("a token for another audience assumes {cicd}"), GITHUB)
            .call("GitHub OIDC (Federated)", "sts:AssumeRoleWithWebIdentity", format!("role {cicd}"))
            .context(format!("{ISSUER}:aud = https://github.com/{repo}"))
            .denied()
            .build(move |f| {
                github(
                    f,
                    &repository_sub(f),
                    &format!("https://github.com/{}", f.specs.stack.iam.github_repository.get_ref()),
                )
            }),
        Row::new("FR-420", format!("an operator with MFA assumes {glass}"), MFA)
            .call("IAM user of {account}", "sts:AssumeRole", format!("role {glass}"))
            .context("aws:MultiFactorAuthPresent = true")
            .build(|f| break_glass(f, true)),
        Row::new("FR-420", format!("an operator without MFA assumes {glass}"), MFA)
            .call("IAM user of {account}", "sts:AssumeRole", format!("role {glass}"))
            .context("aws:MultiFactorAuthPresent absent (long-term credentials)")
            .denied()
            .build(|f| break_glass(f, false)),
        Row::new("FR-418", "an administrator reads an object without TLS", TLS)
            .call("session of the CI/CD role", "s3:GetObject", format!("{}/*", bucket(sample)))
            .context("aws:SecureTransport = false")
            .denied()
            .build(move |f| {
                admin_on_bucket(f, sample, "s3:GetObject", "statement.pdf", &[("aws:SecureTransport", "false".into())])
            }),
        Row::new("DT-002", "an administrator puts an object without SSE", SSE)
            .call("session of the CI/CD role", "s3:PutObject", format!("{}/*", bucket(sample)))
            .context("no x-amz-server-side-encryption; aws:SecureTransport = true")
            .denied()
            .build(move |f| {
                admin_on_bucket(f, sample, "s3:PutObject", "statement.pdf", &[("aws:SecureTransport", "true".into())])
            }),
        Row::new("DT-002", "an administrator puts an object with another classification's key", SSE)
            .call("session of the CI/CD role", "s3:PutObject", format!("{}/*", bucket(sample)))
            .context("SSE-KMS naming the operational key; aws:SecureTransport = true")
            .denied()
            .build(move |f| {
                let other = f.output(Kind::KmsKey, "operational", "arn")?;
                let context = [
                    ("aws:SecureTransport", "true".to_string()),
                    ("s3:x-amz-server-side-encryption", "aws:kms".to_string()),
                    ("s3:x-amz-server-side-encryption-aws-kms-key-id", other),
                ];
                admin_on_bucket(f, sample, "s3:PutObject", "statement.pdf", &context)
            }),
        Row::new(
            "GOV-006",
            "an administrator deletes a trail log version",
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html",
        )
        .call("session of the CI/CD role", "s3:DeleteObjectVersion", format!("{}/AWSLogs/*", bucket(trail)))
        .context("aws:SecureTransport = true")
        .denied()
        .build(move |f| {
            let object = format!("AWSLogs/{}/CloudTrail/log.json.gz", f.specs.stage.account_id);
            admin_on_bucket(f, trail, "s3:DeleteObjectVersion", &object, &[("aws:SecureTransport", "true".into())])
        }),
    ]
}
