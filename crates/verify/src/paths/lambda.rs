//! The eight domain Lambda roles (FR-420): Lambda assumes each, and each session can do what
//! the design grants it — and no more where the design narrows a grant.

use bankinfra_model::Kind;
use bankinfra_policy::{Principal, Request};
use bankinfra_spec::Specs;

use super::policies::{bus_policy_name, role_arn, session_of};
use super::{Case, DataPath, Row};
use crate::facts::Facts;

const TRUST: &str = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html";
/// The grants come from the design itself.
const DESIGN: &str = "design: Lambda execution IAM roles";
const SNS_PUBLISHER: &str = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html";
const KMS_IAM: &str = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html";

/// One request of a session of `domain`'s role, with its identity policies and SCPs.
fn session_call(f: &Facts<'_>, domain: &str, action: &str, resource: &str) -> Result<Case, String> {
    let request = Request::new(session_of(f, domain, "handler")?, action, resource);
    Case::new(request).role_identity(f, domain)
}

/// What a domain's handler is granted, as (name, action, resource pattern, resource builder, expect allowed).
type Grant = (&'static str, &'static str, &'static str, fn(&Facts<'_>, &str) -> Result<String, String>, bool);

fn region_account(f: &Facts<'_>) -> (String, String) {
    (f.specs.stage.region.clone(), f.specs.stage.account_id.clone())
}

const GRANTS: [Grant; 5] = [
    (
        "reads shared infrastructure parameters",
        "ssm:GetParameter",
        "/bank/{stage}/neon/pooler-host",
        |f, _| {
            let (r, a) = region_account(f);
            Ok(format!("arn:aws:ssm:{r}:{a}:parameter/bank/{}/neon/pooler-host", f.specs.stage.name))
        },
        true,
    ),
    (
        "reads its secrets",
        "secretsmanager:GetSecretValue",
        "{domain}/*",
        |f, d| {
            let (r, a) = region_account(f);
            Ok(format!("arn:aws:secretsmanager:{r}:{a}:secret:{d}/db-AbCdEf"))
        },
        true,
    ),
    (
        "publishes alerts",
        "sns:Publish",
        "bank-* topics",
        |f, _| {
            let (t, _) = f.topic("alerts")?;
            let (r, a) = region_account(f);
            Ok(format!("arn:aws:sns:{r}:{a}:{}", t.name))
        },
        true,
    ),
    (
        "writes its logs",
        "logs:PutLogEvents",
        "/aws/lambda/{domain}-*",
        |f, d| {
            let (r, a) = region_account(f);
            Ok(format!("arn:aws:logs:{r}:{a}:log-group:/aws/lambda/{d}-handler:log-stream:2026/12/02/abc"))
        },
        true,
    ),
    ("sends traces", "xray:PutTraceSegments", "*", |_, _| Ok("*".into()), true),
];

/// The design's extra grants, by the spec's grant name.
const EXTRAS: [(&str, Grant); 4] = [
    (
        "aml-appconfig",
        (
            "starts an AppConfig session (ADR-033)",
            "appconfig:StartConfigurationSession",
            "application/*",
            |f, _| {
                let (r, a) = region_account(f);
                Ok(format!("arn:aws:appconfig:{r}:{a}:application/typology/environment/live/configuration/rules"))
            },
            true,
        ),
    ),
    (
        "aml-core-bus-rules",
        (
            "provisions its rules on bank-core's bus",
            "events:PutRule",
            "rule/bank-core/bank-aml-mod-*",
            |f, _| {
                let (r, a) = region_account(f);
                Ok(format!("arn:aws:events:{r}:{a}:rule/bank-core/bank-aml-mod-016-typology"))
            },
            true,
        ),
    ),
    (
        "aml-core-bus-rules",
        (
            "cannot delete rules on bank-core's bus (removed 2026-05-04)",
            "events:DeleteRule",
            "rule/bank-core/bank-aml-mod-*",
            |f, _| {
                let (r, a) = region_account(f);
                Ok(format!("arn:aws:events:{r}:{a}:rule/bank-core/bank-aml-mod-016-typology"))
            },
            false,
        ),
    ),
    (
        "payments-fx-invoke",
        (
            "confirms an FX rate with MOD-004 (FR-142)",
            "lambda:InvokeFunction",
            "function:bank-core-mod-004-*FxConversionHandler*",
            |f, _| {
                let (r, a) = region_account(f);
                Ok(format!("arn:aws:lambda:{r}:{a}:function:bank-core-mod-004-ConfirmFxConversionHandler-1A2B"))
            },
            true,
        ),
    ),
];

fn grant_path<'s>(domain: &'s str, role: &str, grant: Grant) -> DataPath<'s> {
    let (what, action, pattern, resource, allowed) = grant;
    let row = Row::new("FR-420", format!("{role} {what}"), DESIGN).call(
        format!("session of {role}"),
        action,
        pattern.replace("{domain}", domain),
    );
    let row = if allowed { row } else { row.denied() };
    row.build(move |f| session_call(f, domain, action, &resource(f, domain)?))
}

pub(crate) fn paths(specs: &Specs) -> Vec<DataPath<'_>> {
    let mut out = Vec::new();
    for spec in &specs.stack.iam.lambda_roles {
        let domain = spec.domain.get_ref().as_str();
        let role = spec.role.get_ref().as_str();
        out.push(
            Row::new("FR-420", format!("Lambda assumes {role}"), TRUST)
                .call("lambda.amazonaws.com", "sts:AssumeRole", format!("role {role}"))
                .context("aws:SourceAccount = {account}")
                .build(move |f| {
                    let request = Request::new(
                        Principal::service("lambda.amazonaws.com"),
                        "sts:AssumeRole",
                        &role_arn(f, domain)?,
                    )
                    .with("aws:SourceAccount", f.specs.stage.account_id.as_str());
                    Case::new(request).trust_policy(f, domain)
                }),
        );
        out.extend(GRANTS.into_iter().map(|g| grant_path(domain, role, g)));
        let extras = EXTRAS.into_iter().filter(|(name, _)| spec.grants.iter().any(|g| g.get_ref() == name));
        out.extend(extras.map(|(_, g)| grant_path(domain, role, g)));
        out.push(
            Row::new("FR-420", format!("{role} puts events on its bus"), DESIGN)
                .call(format!("session of {role}"), "events:PutEvents", format!("bus {domain}"))
                .build(move |f| {
                    let (bus, _) = f.bus(domain)?;
                    let arn = f.output(Kind::EventBus, domain, "arn")?;
                    let case = session_call(f, domain, "events:PutEvents", &arn)?;
                    match &bus.policy {
                        Some(policy) => case.resource(&bus_policy_name(&bus.name), policy),
                        None => Ok(case),
                    }
                }),
        );
        out.push(
            Row::new(
                "FR-420",
                format!("{role} publishes to the encrypted alerts topic (its key, through SNS)"),
                SNS_PUBLISHER,
            )
            .call(format!("session of {role}"), "kms:GenerateDataKey", "the alerts topic's key")
            .context("kms:ViaService = sns.{region}.amazonaws.com")
            .build(move |f| {
                let (t, _) = f.topic("alerts")?;
                let key = t.kms_master_key_id.clone();
                let case = session_call(f, domain, "kms:GenerateDataKey", &key)?;
                case.request_with("kms:ViaService", format!("sns.{}.amazonaws.com", f.specs.stage.region))
                    .key_policy(f, &key)
            }),
        );
        for class in spec.decrypt.iter().map(|c| *c.get_ref()) {
            out.push(
                Row::new("FR-420", format!("{role} decrypts {class} data"), KMS_IAM)
                    .call(format!("session of {role}"), "kms:Decrypt", format!("the {class} key"))
                    .build(move |f| {
                        let key = f.output(Kind::KmsKey, class.as_str(), "arn")?;
                        session_call(f, domain, "kms:Decrypt", &key)?.key_policy(f, &key)
                    }),
            );
        }
    }
    out
}
