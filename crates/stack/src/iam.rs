//! IAM (FR-420): the eight domain Lambda execution roles, the GitHub OIDC provider and CI/CD
//! role, the MFA-guarded break-glass role, and the `bank-secrets-read` managed policy.

use std::collections::BTreeMap;

use bankinfra_model::props::iam::{ManagedPolicy, OidcProvider, Role};
use bankinfra_model::{Address, Kind, Props, Resource};
use bankinfra_spec::{Classification, LambdaRoleSpec};
use serde_json::{Value, json};

use crate::Context;

const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";
const LAMBDA_MANAGED_POLICIES: [&str; 2] = [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
];
const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
/// IAM's default (and minimum) maximum session.
const DEFAULT_SESSION_SECONDS: u32 = 3600;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let iam = &ctx.specs.stack.iam;
    let mut out: Vec<Resource> = iam.lambda_roles.iter().map(|r| lambda_role(ctx, r)).collect();

    let oidc = Address::new(Kind::IamOidcProvider, "github");
    out.push(Resource::new(
        oidc.clone(),
        Props::IamOidcProvider(OidcProvider {
            url: format!("https://{GITHUB_ISSUER}"),
            client_ids: vec!["sts.amazonaws.com".into()],
            thumbprints: iam.github_oidc_thumbprints.iter().map(|t| t.get_ref().to_lowercase()).collect(),
            tags: ctx.tags(&oidc),
        }),
    ));
    let cicd_trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "GitHubActions",
            "Effect": "Allow",
            "Principal": {"Federated": format!("${{{oidc}.arn}}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {format!("{GITHUB_ISSUER}:aud"): "sts.amazonaws.com"},
                "StringLike": {format!("{GITHUB_ISSUER}:sub"): format!("repo:{}:*", iam.github_repository.get_ref())}
            }
        }]
    });
    out.push(admin_role(
        ctx,
        "cicd",
        &iam.cicd_role,
        "GitHub Actions deployments (OIDC)",
        cicd_trust,
        DEFAULT_SESSION_SECONDS,
    ));
    let break_glass_trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AccountWithMfa",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", ctx.account())},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        }]
    });
    let session = iam.break_glass_max_session_hours.get_ref() * 3600;
    out.push(admin_role(
        ctx,
        "break-glass",
        &iam.break_glass_role,
        "Ops incident response only",
        break_glass_trust,
        session,
    ));

    let policy = Address::new(Kind::IamPolicy, "secrets-read");
    out.push(Resource::new(
        policy.clone(),
        Props::IamPolicy(ManagedPolicy {
            name: iam.secrets_read_policy.clone(),
            description: "Read bank-*/* secrets and decrypt them with the classification CMKs".into(),
            policy: json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ReadBankSecrets",
                        "Effect": "Allow",
                        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                        "Resource": format!("arn:aws:secretsmanager:{}:{}:secret:bank-*/*", ctx.region(), ctx.account())
                    },
                    {
                        "Sid": "DecryptWithClassificationKeys",
                        "Effect": "Allow",
                        "Action": "kms:Decrypt",
                        "Resource": ctx.specs.stack.kms.keys.iter().map(|k| key_arn(*k.classification.get_ref())).collect::<Vec<_>>()
                    }
                ]
            }),
            tags: ctx.tags(&policy),
        }),
    ));
    out
}

fn key_arn(class: Classification) -> String {
    format!("${{kms_key.{class}.arn}}")
}

fn admin_role(ctx: &Context<'_>, name: &str, role: &str, description: &str, trust: Value, session: u32) -> Resource {
    let address = Address::new(Kind::IamRole, name);
    Resource::new(
        address.clone(),
        Props::IamRole(Role {
            name: role.to_string(),
            description: description.to_string(),
            assume_role_policy: trust,
            max_session_duration: session,
            managed_policy_arns: vec![ADMINISTRATOR_ACCESS.to_string()],
            inline_policies: BTreeMap::new(),
            tags: ctx.tags(&address),
        }),
    )
}

fn lambda_role(ctx: &Context<'_>, spec: &LambdaRoleSpec) -> Resource {
    let domain = spec.domain.get_ref();
    let address = Address::new(Kind::IamRole, domain);
    let (region, account) = (ctx.region(), ctx.account());
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LambdaInThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}}
            },
            {
                "Sid": "ModuleTaggedSessions",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:TagSession",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "Null": {"aws:RequestTag/module_id": "false"}
                }
            }
        ]
    });
    Resource::new(
        address.clone(),
        Props::IamRole(Role {
            name: spec.role.get_ref().clone(),
            description: format!("Lambda execution role of the {domain} domain"),
            assume_role_policy: trust,
            max_session_duration: DEFAULT_SESSION_SECONDS,
            managed_policy_arns: LAMBDA_MANAGED_POLICIES.iter().map(|s| s.to_string()).collect(),
            inline_policies: BTreeMap::from([(
                format!("{domain}-domain-permissions"),
                domain_policy(region, account, spec, *ctx.specs.stack.observability.classification.get_ref()),
            )]),
            tags: ctx.tags(&address),
        }),
    )
}

/// The inline domain policy, as the design lists it, plus what its SNS grant needs to work:
/// `alerts_key` encrypts the alerts topic.
fn domain_policy(region: &str, account: &str, spec: &LambdaRoleSpec, alerts_key: Classification) -> Value {
    let domain = spec.domain.get_ref();
    let mut secrets = vec![format!("arn:aws:secretsmanager:{region}:{account}:secret:{domain}/*")];
    if let Some(db) = &spec.neon_db {
        secrets.push(format!("arn:aws:secretsmanager:{region}:{account}:secret:bank-neon/*/{db}/*"));
    }
    let mut statements = vec![
        json!({
            "Sid": "DomainLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                format!("arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{domain}-*"),
                format!("arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{domain}-*:*")
            ]
        }),
        json!({
            "Sid": "DomainSecretsRead",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": secrets
        }),
        json!({
            "Sid": "SharedInfraDiscovery",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
            "Resource": format!("arn:aws:ssm:{region}:{account}:parameter/bank/*")
        }),
        json!({
            "Sid": "PublishDomainEvents",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": format!("${{event_bus.{domain}.arn}}")
        }),
        json!({
            "Sid": "PublishAlerts",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": format!("arn:aws:sns:{region}:{account}:bank-*")
        }),
        // Publishing to an encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on the
        // topic's key (SNS Developer Guide, "Key management",
        // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html), which SNS uses on
        // the publisher's behalf, so kms:ViaService names it (AWS KMS Developer Guide,
        // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service).
        json!({
            "Sid": "PublishToEncryptedAlerts",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": key_arn(alerts_key),
            "Condition": {"StringEquals": {"kms:ViaService": format!("sns.{region}.amazonaws.com")}}
        }),
        json!({
            "Sid": "DecryptClassifiedData",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": spec.decrypt.iter().map(|c| key_arn(*c.get_ref())).collect::<Vec<_>>()
        }),
        json!({
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*"
        }),
    ];
    for grant in &spec.grants {
        statements.push(match grant.get_ref().as_str() {
            // ADR-033: live rule parameters (MOD-016 typology engine, MOD-018 SAR thresholds).
            "aml-appconfig" => json!({
                "Sid": "LiveRuleParameters",
                "Effect": "Allow",
                "Action": ["appconfigdata:GetLatestConfiguration", "appconfig:StartConfigurationSession"],
                "Resource": format!("arn:aws:appconfig:{region}:{account}:application/*")
            }),
            // Provisions its own rules on bank-core's bus; teardown is the CI/CD role's job, so
            // no DeleteRule / RemoveTargets.
            "aml-core-bus-rules" => json!({
                "Sid": "CoreBusRuleProvisioning",
                "Effect": "Allow",
                "Action": ["events:PutRule", "events:PutTargets", "events:DescribeRule", "events:ListTargetsByRule"],
                "Resource": format!("arn:aws:events:{region}:{account}:rule/bank-core/bank-aml-mod-*")
            }),
            // FR-142: MOD-025 confirms an FX rate with MOD-004 before persisting a payment leg.
            "payments-fx-invoke" => json!({
                "Sid": "ConfirmFxConversion",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": format!("arn:aws:lambda:*:{account}:function:bank-core-mod-004-*FxConversionHandler*")
            }),
            // The spec loader accepts only the grants above.
            _ => continue,
        });
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}
