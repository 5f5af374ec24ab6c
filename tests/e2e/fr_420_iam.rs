//! FR-420 (IAM part): the eight domain Lambda execution roles with their trust, managed
//! attachments and inline domain policy; the GitHub OIDC provider and CI/CD role; the MFA
//! break-glass role; the bank-secrets-read policy; all published to SSM.

use serde_json::Value;

use crate::harness::{Env, changes, expect_changes, iam_document};

const ROLES: [(&str, &str, &[&str]); 8] = [
    ("bank-core", "BankCoreRole", &["financial"]),
    ("bank-kyc", "BankKycRole", &["pii", "financial"]),
    ("bank-aml", "BankAmlRole", &["pii", "financial"]),
    ("bank-payments", "BankPaymentsRole", &["pii", "financial"]),
    ("bank-credit", "BankCreditRole", &["pii", "financial"]),
    ("bank-risk-platform", "BankRiskRole", &["financial"]),
    ("bank-platform", "BankPlatformRole", &["financial", "operational"]),
    ("bank-app", "BankAppRole", &["pii"]),
];

/// Every statement of `doc` that allows `action`.
fn grants<'a>(doc: &'a Value, action: &str) -> Vec<&'a Value> {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            let actions = &s["Action"];
            actions == action || actions.as_array().is_some_and(|a| a.iter().any(|x| x == action))
        })
        .collect()
}

fn resources(statement: &Value) -> Vec<String> {
    match &statement["Resource"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
        other => panic!("resource {other}"),
    }
}

#[tokio::test]
async fn fr_420_domain_lambda_roles_platform_roles_and_secrets_policy() {
    let env = Env::new().await;
    env.apply();
    let iam = env.iam();
    let account = "123456789012";
    for (domain, role_name, classes) in ROLES {
        let role = iam.get_role().role_name(role_name).send().await.unwrap_or_else(|e| panic!("{role_name}: {e}"));
        let role = role.role().unwrap();
        let trust = iam_document(role.assume_role_policy_document().unwrap());
        let trust_text = trust.to_string();
        assert!(trust_text.contains("lambda.amazonaws.com"), "{role_name} trusts Lambda: {trust:#}");
        assert!(trust_text.contains(r#""aws:SourceAccount":"123456789012""#), "{role_name}: {trust:#}");
        assert!(trust_text.contains("aws:RequestTag/module_id"), "{role_name}: {trust:#}");

        let attached = iam.list_attached_role_policies().role_name(role_name).send().await.unwrap();
        let mut attached: Vec<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_name()).collect();
        attached.sort();
        assert_eq!(attached, ["AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"], "{role_name}");

        let inline = iam
            .get_role_policy()
            .role_name(role_name)
            .policy_name(format!("{domain}-domain-permissions"))
            .send()
            .await
            .unwrap();
        let doc = iam_document(inline.policy_document());
        let logs = resources(grants(&doc, "logs:PutLogEvents")[0]);
        assert!(logs.iter().any(|r| r.ends_with(&format!(":log-group:/aws/lambda/{domain}-*"))), "{logs:?}");
        let secrets = resources(grants(&doc, "secretsmanager:GetSecretValue")[0]);
        assert!(secrets.iter().any(|r| r.ends_with(&format!(":secret:{domain}/*"))), "{secrets:?}");
        for action in ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"] {
            let ssm = resources(grants(&doc, action)[0]);
            assert_eq!(ssm, [format!("arn:aws:ssm:ap-southeast-2:{account}:parameter/bank/*")], "{role_name}");
        }
        let bus = env.param(&format!("eventbridge/{domain}/arn")).await.unwrap();
        assert_eq!(resources(grants(&doc, "events:PutEvents")[0]), [bus], "{role_name} puts on its bus");
        assert_eq!(
            resources(grants(&doc, "sns:Publish")[0]),
            [format!("arn:aws:sns:ap-southeast-2:{account}:bank-*")],
            "{role_name}"
        );
        let mut keys = Vec::new();
        for class in classes {
            keys.push(env.param(&format!("kms/{class}/arn")).await.unwrap());
        }
        let classified = grants(&doc, "kms:Decrypt").into_iter().find(|s| s["Sid"] == "DecryptClassifiedData").unwrap();
        let mut decrypt = resources(classified);
        decrypt.sort();
        keys.sort();
        assert_eq!(decrypt, keys, "{role_name} decrypts exactly its classifications");
        let alerts = grants(&doc, "kms:GenerateDataKey*");
        assert_eq!(alerts.len(), 1, "{role_name} uses the alerts topic's key, and only through SNS");
        assert_eq!(resources(alerts[0]), [env.param("kms/operational/arn").await.unwrap()]);
        assert_eq!(alerts[0]["Condition"]["StringEquals"]["kms:ViaService"], "sns.ap-southeast-2.amazonaws.com");
        assert_eq!(grants(&doc, "xray:PutTraceSegments").len(), 1, "{role_name} traces");

        let rules = grants(&doc, "events:PutRule");
        let appconfig = grants(&doc, "appconfig:StartConfigurationSession");
        let invoke = grants(&doc, "lambda:InvokeFunction");
        if role_name == "BankAmlRole" {
            assert_eq!(appconfig.len(), 1);
            assert_eq!(
                resources(rules[0]),
                [format!("arn:aws:events:ap-southeast-2:{account}:rule/bank-core/bank-aml-mod-*")]
            );
            assert!(
                grants(&doc, "events:PutTargets").len() == 1 && grants(&doc, "events:ListTargetsByRule").len() == 1
            );
            assert!(grants(&doc, "events:DeleteRule").is_empty() && grants(&doc, "events:RemoveTargets").is_empty());
        } else {
            assert!(rules.is_empty() && appconfig.is_empty(), "{role_name} has no AML grants");
        }
        if role_name == "BankPaymentsRole" {
            assert_eq!(
                resources(invoke[0]),
                [format!("arn:aws:lambda:*:{account}:function:bank-core-mod-004-*FxConversionHandler*")]
            );
        } else {
            assert!(invoke.is_empty(), "{role_name} invokes nothing");
        }
        assert_eq!(env.param(&format!("iam/lambda/{domain}/arn")).await.as_deref(), Some(role.arn()));
    }

    let providers = iam.list_open_id_connect_providers().send().await.unwrap();
    let oidc = providers.open_id_connect_provider_list()[0].arn().unwrap().to_string();
    assert!(oidc.ends_with(":oidc-provider/token.actions.githubusercontent.com"), "{oidc}");
    let cicd = iam.get_role().role_name("bank-platform-cicd").send().await.unwrap();
    let cicd = cicd.role().unwrap();
    let trust = iam_document(cicd.assume_role_policy_document().unwrap());
    assert_eq!(trust["Statement"][0]["Principal"]["Federated"], oidc.as_str());
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"],
        "repo:totara-bank/bank-platform:*"
    );
    assert_eq!(env.param("iam/cicd/arn").await.as_deref(), Some(cicd.arn()));

    let glass = iam.get_role().role_name("bank-platform-break-glass").send().await.unwrap();
    let glass = glass.role().unwrap();
    assert_eq!(glass.max_session_duration(), Some(3600), "break-glass sessions last at most 1 h");
    let trust = iam_document(glass.assume_role_policy_document().unwrap());
    assert_eq!(trust["Statement"][0]["Condition"]["Bool"]["aws:MultiFactorAuthPresent"], "true");
    assert_eq!(env.param("iam/break-glass/arn").await.as_deref(), Some(glass.arn()));
    for role in ["bank-platform-cicd", "bank-platform-break-glass"] {
        let attached = iam.list_attached_role_policies().role_name(role).send().await.unwrap();
        let names: Vec<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_name()).collect();
        assert_eq!(names, ["AdministratorAccess"], "{role}");
    }

    let policy_arn = format!("arn:aws:iam::{account}:policy/bank-secrets-read");
    assert_eq!(env.param("iam/secrets-read/arn").await.as_deref(), Some(policy_arn.as_str()));
    let policy = iam.get_policy().policy_arn(&policy_arn).send().await.unwrap();
    let version = policy.policy().unwrap().default_version_id().unwrap();
    let doc = iam.get_policy_version().policy_arn(&policy_arn).version_id(version).send().await.unwrap();
    let doc = iam_document(doc.policy_version().unwrap().document().unwrap());
    let read = grants(&doc, "secretsmanager:GetSecretValue");
    assert_eq!(resources(read[0]), [format!("arn:aws:secretsmanager:ap-southeast-2:{account}:secret:bank-*/*")]);
    assert_eq!(resources(grants(&doc, "kms:Decrypt")[0]).len(), 3, "decrypts with all three CMKs");
    env.assert_no_changes();
}

#[tokio::test]
async fn fr_420_out_of_band_iam_changes_are_planned_exactly_and_repaired() {
    let env = Env::new().await;
    env.apply();
    let iam = env.iam();
    iam.detach_role_policy()
        .role_name("BankKycRole")
        .policy_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
        .send()
        .await
        .unwrap();
    let widened = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    iam.put_role_policy()
        .role_name("BankAppRole")
        .policy_name("bank-app-domain-permissions")
        .policy_document(widened)
        .send()
        .await
        .unwrap();
    iam.update_role().role_name("bank-platform-break-glass").max_session_duration(43200).send().await.unwrap();
    let oidc = iam.list_open_id_connect_providers().send().await.unwrap();
    let oidc = oidc.open_id_connect_provider_list()[0].arn().unwrap().to_string();
    iam.untag_open_id_connect_provider()
        .open_id_connect_provider_arn(&oidc)
        .tag_keys("cost_center")
        .send()
        .await
        .unwrap();
    iam.create_policy_version()
        .policy_arn("arn:aws:iam::123456789012:policy/bank-secrets-read")
        .policy_document(widened)
        .set_as_default(true)
        .send()
        .await
        .unwrap();

    let mut found = changes(&env.plan_json(2));
    found.sort();
    let expected = expect_changes(&[
        ("iam_oidc_provider.github", "update", &["tags.cost_center"]),
        ("iam_policy.secrets-read", "update", &["policy"]),
        ("iam_role.bank-app", "update", &["inline_policies.bank-app-domain-permissions"]),
        ("iam_role.bank-kyc", "update", &["managed_policy_arns"]),
        ("iam_role.break-glass", "update", &["max_session_duration"]),
    ]);
    assert_eq!(found, expected);
    env.apply();
    env.assert_no_changes();
}
