//! `cognito_user_pool`: a user pool with TOTP MFA, a password policy, custom attributes and
//! deletion protection. ID-addressed: pool names are not unique, so pools are found by their
//! ownership tags (ListUserPools + DescribeUserPool).

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, DeletionProtectionType, PasswordPolicyType, SchemaAttributeType, SoftwareTokenMfaConfigType,
    StringAttributeConstraintsType, UserPoolMfaType, UserPoolPolicyType, UserPoolType, UsernameAttributeType,
    VerifiedAttributeType,
};
use bankinfra_model::props::cognito::{CustomAttribute, PasswordPolicy, UserPool};
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource};
use futures_util::future::try_join_all;

use super::{FreshPools, NOT_FOUND};
use crate::error::{OrProviderError, absent_if};

const CUSTOM: &str = "custom:";

pub(crate) async fn read(
    client: &Client,
    _desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let ids = list(client).await?;
    let reads = ids.into_iter().map(|id| async move {
        let Some(pool) = describe(client, &id).await? else { return Ok(None) };
        let tags: bankinfra_model::Tags =
            pool.user_pool_tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
        if !ownership.owns(&tags) {
            return Ok(None);
        }
        let Some(address) = Ownership::address_in(&tags).filter(|a| a.kind() == Kind::CognitoUserPool) else {
            return Ok(None);
        };
        let mfa =
            client.get_user_pool_mfa_config().user_pool_id(&id).send().await.op("cognito-idp:GetUserPoolMfaConfig")?;
        let totp = mfa.software_token_mfa_configuration().is_some_and(|c| c.enabled());
        Ok::<_, ProviderError>(Some(LiveResource { address, ..live_from(&id, &pool, totp, tags) }))
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

async fn list(client: &Client) -> Result<Vec<String>, ProviderError> {
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_user_pools()
            .max_results(60)
            .set_next_token(token)
            .send()
            .await
            .op("cognito-idp:ListUserPools")?;
        ids.extend(page.user_pools().iter().filter_map(|p| p.id()).map(str::to_string));
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.user_pools().is_empty() {
            return Ok(ids);
        }
    }
}

async fn describe(client: &Client, id: &str) -> Result<Option<UserPoolType>, ProviderError> {
    let out = absent_if(
        client.describe_user_pool().user_pool_id(id).send().await.op("cognito-idp:DescribeUserPool"),
        NOT_FOUND,
    )?;
    Ok(out.and_then(|o| o.user_pool().cloned()))
}

fn live_from(id: &str, pool: &UserPoolType, totp: bool, tags: bankinfra_model::Tags) -> LiveResource {
    let policy = pool.policies().and_then(|p| p.password_policy());
    let custom_attributes = pool
        .schema_attributes()
        .iter()
        .filter_map(|a| {
            let name = a.name()?.strip_prefix(CUSTOM)?;
            let limits = a.string_attribute_constraints();
            let bound = |v: Option<&str>| v.and_then(|s| s.parse().ok()).unwrap_or(0);
            Some(CustomAttribute {
                name: name.to_string(),
                mutable: a.mutable().unwrap_or(true),
                min_length: bound(limits.and_then(|l| l.min_length())),
                max_length: bound(limits.and_then(|l| l.max_length())),
            })
        })
        .collect();
    LiveResource {
        address: bankinfra_model::Address::new(Kind::CognitoUserPool, id),
        outputs: outputs(id, pool.arn().unwrap_or_default()),
        physical_id: id.to_string(),
        props: Props::CognitoUserPool(UserPool {
            name: pool.name().unwrap_or_default().to_string(),
            mfa_configuration: pool.mfa_configuration().map_or("OFF", |m| m.as_str()).to_string(),
            software_token_mfa: totp,
            password_policy: PasswordPolicy {
                minimum_length: policy.and_then(|p| p.minimum_length()).unwrap_or(0).max(0) as u32,
                require_uppercase: policy.is_some_and(|p| p.require_uppercase()),
                require_lowercase: policy.is_some_and(|p| p.require_lowercase()),
                require_numbers: policy.is_some_and(|p| p.require_numbers()),
                require_symbols: policy.is_some_and(|p| p.require_symbols()),
                temporary_password_validity_days: policy
                    .map_or(0, |p| p.temporary_password_validity_days().max(0) as u32),
            },
            custom_attributes,
            username_attributes: pool.username_attributes().iter().map(|u| u.as_str().to_string()).collect(),
            auto_verified_attributes: pool.auto_verified_attributes().iter().map(|v| v.as_str().to_string()).collect(),
            // A pool whose protection was never set is unprotected.
            deletion_protection: pool.deletion_protection().map_or("INACTIVE", |d| d.as_str()).to_string(),
            tags,
        }),
    }
}

fn outputs(id: &str, arn: &str) -> Outputs {
    Outputs::from([("id".to_string(), id.to_string()), ("arn".to_string(), arn.to_string())])
}

fn pool_props(resource: &Resource) -> Result<&UserPool, ProviderError> {
    match &resource.props {
        Props::CognitoUserPool(p) => Ok(p),
        other => Err(ProviderError::permanent("cognito-idp", format!("{} is not a user pool", other.kind()))),
    }
}

fn policies(p: &UserPool) -> UserPoolPolicyType {
    let pw = &p.password_policy;
    UserPoolPolicyType::builder()
        .password_policy(
            PasswordPolicyType::builder()
                .minimum_length(pw.minimum_length as i32)
                .require_uppercase(pw.require_uppercase)
                .require_lowercase(pw.require_lowercase)
                .require_numbers(pw.require_numbers)
                .require_symbols(pw.require_symbols)
                .temporary_password_validity_days(pw.temporary_password_validity_days as i32)
                .build(),
        )
        .build()
}

fn tags(p: &UserPool) -> HashMap<String, String> {
    p.tags.clone().into_iter().collect()
}

/// Turns TOTP on or off and sets the pool's MFA mode (TOTP must be enabled before MFA can be ON).
async fn set_mfa(client: &Client, id: &str, p: &UserPool) -> Result<(), ProviderError> {
    client
        .set_user_pool_mfa_config()
        .user_pool_id(id)
        .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(p.software_token_mfa).build())
        .mfa_configuration(UserPoolMfaType::from(p.mfa_configuration.as_str()))
        .send()
        .await
        .op("cognito-idp:SetUserPoolMfaConfig")?;
    Ok(())
}

/// Creates the pool tagged, with MFA off (Cognito needs an MFA method first), then turns TOTP
/// MFA on. A crash in between leaves a tagged pool that the next plan updates.
pub(crate) async fn create(client: &Client, resource: &Resource, fresh: &FreshPools) -> Result<Outputs, ProviderError> {
    let p = pool_props(resource)?;
    let schema = p
        .custom_attributes
        .iter()
        .map(|a| {
            SchemaAttributeType::builder()
                .name(&a.name)
                .attribute_data_type(AttributeDataType::String)
                .mutable(a.mutable)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .min_length(a.min_length.to_string())
                        .max_length(a.max_length.to_string())
                        .build(),
                )
                .build()
        })
        .collect();
    let out = client
        .create_user_pool()
        .pool_name(&p.name)
        .policies(policies(p))
        .mfa_configuration(UserPoolMfaType::Off)
        .set_schema(Some(schema))
        .set_username_attributes(Some(
            p.username_attributes.iter().map(|u| UsernameAttributeType::from(u.as_str())).collect(),
        ))
        .set_auto_verified_attributes(Some(
            p.auto_verified_attributes.iter().map(|v| VerifiedAttributeType::from(v.as_str())).collect(),
        ))
        .deletion_protection(DeletionProtectionType::from(p.deletion_protection.as_str()))
        .set_user_pool_tags(Some(tags(p)))
        .customize()
        .config_override(crate::sent_once!(aws_sdk_cognitoidentityprovider))
        .send()
        .await
        .op("cognito-idp:CreateUserPool")?;
    let pool = out
        .user_pool()
        .ok_or_else(|| ProviderError::permanent("cognito-idp:CreateUserPool", "no pool in the response"))?;
    let id = pool.id().unwrap_or_default().to_string();
    fresh.add(&id);
    set_mfa(client, &id, p).await?;
    Ok(outputs(&id, pool.arn().unwrap_or_default()))
}

/// UpdateUserPool resets every field it is not given, so it always gets the whole desired pool
/// (its name too: a pool renamed out of band is renamed back).
pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let p = pool_props(desired)?;
    let id = &live.physical_id;
    let fields = crate::changed_fields(changes);
    if fields.contains("software_token_mfa") || fields.contains("mfa_configuration") {
        set_mfa(client, id, p).await?;
    }
    let pool_fields =
        ["name", "password_policy", "auto_verified_attributes", "deletion_protection", "tags", "mfa_configuration"];
    if pool_fields.iter().any(|f| fields.contains(f)) {
        client
            .update_user_pool()
            .user_pool_id(id)
            .pool_name(&p.name)
            .policies(policies(p))
            .mfa_configuration(UserPoolMfaType::from(p.mfa_configuration.as_str()))
            .set_auto_verified_attributes(Some(
                p.auto_verified_attributes.iter().map(|v| VerifiedAttributeType::from(v.as_str())).collect(),
            ))
            .deletion_protection(DeletionProtectionType::from(p.deletion_protection.as_str()))
            .set_user_pool_tags(Some(tags(p)))
            .send()
            .await
            .op("cognito-idp:UpdateUserPool")?;
    }
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(
        client.delete_user_pool().user_pool_id(&live.physical_id).send().await.op("cognito-idp:DeleteUserPool"),
        NOT_FOUND,
    )?;
    Ok(())
}

/// What deleting the pool would lose: its users, as Cognito estimates them (DescribeUserPool's
/// EstimatedNumberOfUsers). `None` when the pool is gone.
pub(crate) async fn data_at_risk(
    client: &Client,
    live: &LiveResource,
) -> Result<Option<bankinfra_model::DataAtRisk>, ProviderError> {
    let Some(pool) = describe(client, &live.physical_id).await? else { return Ok(None) };
    let users = pool.estimated_number_of_users().max(0) as u64;
    Ok(Some(bankinfra_model::DataAtRisk {
        facts: vec![("users".to_string(), format!("{users} (Cognito's estimate)"))],
        empty: users == 0,
    }))
}
