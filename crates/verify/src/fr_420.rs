//! FR-420: the user pools and their clients, the delivery streams, the IAM roles and policy,
//! the trail's destinations, and the shared observability resources (which the design's
//! acceptance table has no row of their own for). The Lambda roles' grants, and the trust
//! policies' effect, are proven by the data paths (`paths`).

use bankinfra_model::{Kind, Props};
use bankinfra_spec::StageSpec;

use crate::checks::{Basis, Check, check, ensure, equal, key_arn};
use crate::design::{self, staged};

pub(crate) fn checks(stage: &StageSpec) -> Vec<Check<'static>> {
    let mut out = cognito(stage);
    out.extend(firehose(stage));
    out.extend(iam());
    out.extend(trail_and_observability(stage));
    out
}

fn cognito(stage: &StageSpec) -> Vec<Check<'static>> {
    let mut out = Vec::new();
    for pool in &design::POOLS {
        let (key, name) = (pool.key, staged(pool.name, stage));
        let label = format!("{key} pool {name}");
        out.push(check("FR-420", format!("{label}: TOTP MFA required"), Basis::Live, move |f| {
            let (p, _) = f.pool(key)?;
            equal("the pool name", p.name.as_str(), name.as_str())?;
            equal("MFA", p.mfa_configuration.as_str(), "ON")?;
            ensure(p.software_token_mfa, || format!("pool {} does not enable TOTP", p.name))
        }));
        let min = pool.minimum_password_length;
        out.push(check(
            "FR-420",
            format!("{label}: password min {min}, all character classes"),
            Basis::Live,
            move |f| {
                let pw = &f.pool(key)?.0.password_policy;
                equal("the minimum password length", pw.minimum_length, min)?;
                ensure(pw.require_uppercase && pw.require_lowercase && pw.require_numbers && pw.require_symbols, || {
                    format!("pool {key} does not require every character class")
                })
            },
        ));
        let attributes = pool.custom_attributes;
        let listed: Vec<String> = attributes.iter().map(|a| format!("custom:{a}")).collect();
        out.push(check("FR-420", format!("{label}: attributes {}", listed.join(", ")), Basis::Live, move |f| {
            let (p, _) = f.pool(key)?;
            for a in attributes {
                ensure(p.custom_attributes.iter().any(|c| c.name == *a), || format!("pool {key} lacks custom:{a}"))?;
            }
            Ok(())
        }));
        let protection = design::deletion_protection(stage);
        out.push(check("FR-420", format!("{label}: deletion protection {protection}"), Basis::Live, move |f| {
            equal("deletion protection", f.pool(key)?.0.deletion_protection.as_str(), protection)
        }));
        let clients = pool.clients;
        let listed: Vec<String> = clients
            .iter()
            .map(|(n, confidential)| format!("{n} ({})", if *confidential { "confidential" } else { "public, PKCE" }))
            .collect();
        out.push(check("FR-420", format!("{label}: app clients {}", listed.join(", ")), Basis::Live, move |f| {
            let pool_id = f.output(Kind::CognitoUserPool, key, "id")?;
            for (name, confidential) in clients {
                let (c, _) = f.client(&format!("{key}-{name}"))?;
                equal("the client name", c.name.as_str(), *name)?;
                equal(&format!("client {name}'s pool"), c.user_pool_id.as_str(), pool_id.as_str())?;
                if *confidential {
                    ensure(c.generate_secret, || format!("client {name} is not confidential (no secret)"))?;
                } else {
                    ensure(!c.generate_secret && c.allowed_oauth_flows == ["code"], || {
                        format!("client {name} is not public with the authorization-code (PKCE) flow")
                    })?;
                }
            }
            Ok(())
        }));
    }
    out
}

fn firehose(stage: &StageSpec) -> Vec<Check<'static>> {
    let bucket = staged(&design::BUCKET_NAME.replace("{purpose}", design::STREAM_BUCKET), stage);
    let (mb, seconds, compression, class) =
        (design::STREAM_BUFFER_MB, design::STREAM_BUFFER_SECONDS, design::STREAM_COMPRESSION, design::STREAM_KEY);
    design::STREAMS
        .iter()
        .map(|&(key, name, prefix)| {
            let bucket = bucket.clone();
            let what = format!(
                "stream {name}: into {bucket} under {prefix}, {mb} MB / {seconds} s, {compression}, {class} key, errors logged"
            );
            check("FR-420", what, Basis::Live, move |f| {
                let (s, _) = f.stream(key)?;
                let key_arn = key_arn(f, class)?;
                equal("the stream name", s.name.as_str(), name)?;
                equal("the destination bucket", s.bucket_arn.clone(), format!("arn:aws:s3:::{bucket}"))?;
                equal("the prefix", s.prefix.as_str(), prefix)?;
                equal("the buffer (MB, s)", (s.buffer_size_mb, s.buffer_interval_seconds), (mb, seconds))?;
                equal("the compression", s.compression.as_str(), compression)?;
                equal("the stream's key", s.stream_kms_key_arn.as_str(), key_arn.as_str())?;
                equal("the objects' key", s.s3_kms_key_arn.as_str(), key_arn.as_str())?;
                ensure(!s.error_output_prefix.is_empty(), || "failed records have no error prefix".into())?;
                let logged = f.all(Kind::LogGroup).any(|l| matches!(&l.props, Props::LogGroup(g) if g.name == s.log_group));
                ensure(logged, || format!("delivery errors go to log group {:?}, which does not exist", s.log_group))
            })
        })
        .collect()
}

fn iam() -> Vec<Check<'static>> {
    let roles: Vec<&str> = design::LAMBDA_ROLES.iter().map(|(_, r)| *r).collect();
    vec![
        check(
            "FR-420",
            format!("Lambda roles {}: Lambda trust, basic + VPC execution policies, domain policy", roles.join(", ")),
            Basis::Live,
            |f| {
                for (domain, name) in design::LAMBDA_ROLES {
                    let (role, _) = f.role(domain)?;
                    equal(&format!("the {domain} role's name"), role.name.as_str(), name)?;
                    ensure(role.assume_role_policy.to_string().contains("lambda.amazonaws.com"), || {
                        format!("role {name} does not trust Lambda")
                    })?;
                    for policy in design::LAMBDA_MANAGED_POLICIES {
                        ensure(role.managed_policy_arns.iter().any(|a| a == policy), || {
                            format!("role {name} lacks {policy}")
                        })?;
                    }
                    ensure(!role.inline_policies.is_empty(), || format!("role {name} has no domain policy"))?;
                }
                Ok(())
            },
        ),
        check(
            "FR-420",
            format!(
                "role {}: GitHub OIDC trust for repo:{}:*, AdministratorAccess",
                design::CICD_ROLE,
                design::GITHUB_REPOSITORY
            ),
            Basis::Live,
            |f| {
                let (role, _) = f.role("cicd")?;
                equal("the CI/CD role's name", role.name.as_str(), design::CICD_ROLE)?;
                let oidc = f.output(Kind::IamOidcProvider, "github", "arn")?;
                let trust = role.assume_role_policy.to_string();
                let repo = format!("repo:{}:", design::GITHUB_REPOSITORY);
                ensure(trust.contains(&oidc) && trust.contains(&repo), || {
                    format!("role {} does not trust GitHub OIDC for {}", role.name, design::GITHUB_REPOSITORY)
                })?;
                administrator(&role.name, &role.managed_policy_arns)
            },
        ),
        check(
            "FR-420",
            format!("role {}: MFA required, AdministratorAccess, 1 h sessions", design::BREAK_GLASS_ROLE),
            Basis::Live,
            |f| {
                let (role, _) = f.role("break-glass")?;
                equal("the break-glass role's name", role.name.as_str(), design::BREAK_GLASS_ROLE)?;
                ensure(role.assume_role_policy.to_string().contains("aws:MultiFactorAuthPresent"), || {
                    format!("role {} does not require MFA", role.name)
                })?;
                administrator(&role.name, &role.managed_policy_arns)?;
                equal("the maximum session (s)", role.max_session_duration, design::BREAK_GLASS_SESSION_SECONDS)
            },
        ),
        check(
            "FR-420",
            format!(
                "policy {}: GetSecretValue + DescribeSecret on bank-*/*, Decrypt with the 3 classification keys",
                design::SECRETS_READ_POLICY
            ),
            Basis::Live,
            |f| {
                let (p, _) = f.managed_policy("secrets-read")?;
                equal("the policy name", p.name.as_str(), design::SECRETS_READ_POLICY)?;
                let doc = p.policy.to_string();
                for fragment in ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", ":secret:bank-*/*"] {
                    ensure(doc.contains(fragment), || format!("policy {} does not grant {fragment}", p.name))?;
                }
                for class in design::KEYS {
                    let arn = key_arn(f, class)?;
                    ensure(doc.contains(&arn), || format!("policy {} does not decrypt with the {class} key", p.name))?;
                }
                Ok(())
            },
        ),
    ]
}

fn administrator(role: &str, attached: &[String]) -> Result<(), String> {
    ensure(attached.iter().any(|a| a == design::ADMINISTRATOR_ACCESS), || {
        format!("role {role} lacks AdministratorAccess")
    })
}

fn trail_and_observability(stage: &StageSpec) -> Vec<Check<'static>> {
    let bucket = staged(&design::BUCKET_NAME.replace("{purpose}", design::TRAIL_BUCKET), stage);
    let log_group = staged(design::TRAIL_LOG_GROUP, stage);
    let (group, topic, rule) =
        (staged(design::LOG_GROUP, stage), staged(design::ALERTS_TOPIC, stage), staged(design::SAMPLING_RULE, stage));
    let (rate, reservoir) = (design::SAMPLING_FIXED_RATE, design::SAMPLING_RESERVOIR);
    vec![
        check(
            "FR-420",
            format!("trail {}: logs into {bucket} and CloudWatch Logs {log_group}", design::TRAIL_NAME),
            Basis::Live,
            move |f| {
                let (t, _) = f.trail(design::TRAIL_NAME)?;
                equal("the trail bucket", t.s3_bucket_name.as_str(), bucket.as_str())?;
                let (g, live) = f.log_group("cloudtrail")?;
                equal("the trail's log group", g.name.as_str(), log_group.as_str())?;
                let arn = live.outputs.get("arn").map_or("", |a| a.trim_end_matches(":*"));
                equal("the trail's log group ARN", t.cloud_watch_logs_log_group_arn.trim_end_matches(":*"), arn)
            },
        ),
        check("FR-420", format!("log group {group}"), Basis::Live, move |f| {
            equal("the shared log group", f.log_group("bank-platform")?.0.name.as_str(), group.as_str())
        }),
        check("FR-420", format!("alerts topic {topic}"), Basis::Live, move |f| {
            equal("the alerts topic", f.topic("alerts")?.0.name.as_str(), topic.as_str())
        }),
        check(
            "FR-420",
            format!("X-Ray sampling rule {rule}: {}% fixed, reservoir {reservoir}", rate * 100.0),
            Basis::Live,
            move |f| {
                let (r, _) = f.sampling_rule("default")?;
                equal("the sampling rule", r.name.as_str(), rule.as_str())?;
                equal("the fixed rate and reservoir", (r.fixed_rate, r.reservoir_size), (rate, reservoir))
            },
        ),
    ]
}
