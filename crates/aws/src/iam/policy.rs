//! `iam_policy`: a customer-managed policy. Found by name among the account's local policies;
//! a document change becomes a new default version (the oldest spare version makes room).

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{ManagedPolicyDetail, PolicyScopeType};
use bankinfra_model::props::iam::ManagedPolicy;
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource};
use futures_util::future::try_join_all;

use super::{EXISTS, NOT_FOUND, document, from_sdk, sdk_tags};
use crate::error::{OrProviderError, absent_if, has_code};

/// IAM keeps at most five versions of a managed policy.
const MAX_VERSIONS: usize = 5;

/// The declared and owned policies among `local` (GetAccountAuthorizationDetails: name, ARN,
/// description, every version's document), with their tags (ListPolicyTags, one call each: the
/// details carry none).
pub(crate) async fn read(
    client: &Client,
    local: Vec<ManagedPolicyDetail>,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::IamPolicy(p) => Some(&p.name),
        _ => None,
    });
    let reads = local.into_iter().map(|detail| {
        let declared = &declared;
        async move {
            let (Some(name), Some(arn)) = (detail.policy_name(), detail.arn()) else { return Ok(None) };
            let Some(tags) = absent_if(tags_of(client, arn).await, NOT_FOUND)? else { return Ok(None) };
            let Some(address) = crate::name_addressed(name, declared, &tags, ownership, Kind::IamPolicy) else {
                return Ok(None);
            };
            let default = detail.policy_version_list().iter().find(|v| v.is_default_version());
            let doc = default.and_then(|v| v.document()).map(document).unwrap_or_default();
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: crate::name_arn_outputs(name, arn),
                physical_id: arn.to_string(),
                props: Props::IamPolicy(ManagedPolicy {
                    name: name.to_string(),
                    description: detail.description().unwrap_or_default().to_string(),
                    policy: doc,
                    tags,
                }),
            }))
        }
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

async fn tags_of(client: &Client, arn: &str) -> Result<bankinfra_model::Tags, ProviderError> {
    let mut tags = bankinfra_model::Tags::new();
    let mut marker = None;
    loop {
        let page =
            client.list_policy_tags().policy_arn(arn).set_marker(marker).send().await.op("iam:ListPolicyTags")?;
        tags.extend(from_sdk(page.tags()));
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok(tags);
        }
    }
}

/// Name → ARN of every customer-managed policy.
async fn list_local(client: &Client) -> Result<Vec<(String, String)>, ProviderError> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = client
            .list_policies()
            .scope(PolicyScopeType::Local)
            .max_items(1000)
            .set_marker(marker)
            .send()
            .await
            .op("iam:ListPolicies")?;
        out.extend(page.policies().iter().filter_map(|p| Some((p.policy_name()?.to_string(), p.arn()?.to_string()))));
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok(out);
        }
    }
}

fn policy_props(resource: &Resource) -> Result<&ManagedPolicy, ProviderError> {
    match &resource.props {
        Props::IamPolicy(p) => Ok(p),
        other => Err(ProviderError::permanent("iam", format!("{} is not an IAM managed policy", other.kind()))),
    }
}

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let p = policy_props(resource)?;
    let created = client
        .create_policy()
        .policy_name(&p.name)
        .policy_document(p.policy.to_string())
        .description(&p.description)
        .set_tags(Some(sdk_tags(&p.tags)?))
        .send()
        .await
        .op("iam:CreatePolicy");
    let arn = match created {
        Ok(out) => out.policy().and_then(|p| p.arn()).unwrap_or_default().to_string(),
        // A re-run after a crash: converge the policy that is already there.
        Err(e) if has_code(&e, EXISTS) => {
            let arn = list_local(client)
                .await?
                .into_iter()
                .find(|(name, _)| *name == p.name)
                .map(|(_, arn)| arn)
                .ok_or_else(|| ProviderError::permanent("iam:ListPolicies", format!("policy {} vanished", p.name)))?;
            new_default_version(client, &arn, &p.policy).await?;
            client.tag_policy().policy_arn(&arn).set_tags(Some(sdk_tags(&p.tags)?)).send().await.op("iam:TagPolicy")?;
            arn
        }
        Err(e) => return Err(e),
    };
    Ok(crate::name_arn_outputs(&p.name, &arn))
}

/// Makes `doc` the default version, deleting the oldest non-default version when all five
/// slots are taken.
async fn new_default_version(client: &Client, arn: &str, doc: &serde_json::Value) -> Result<(), ProviderError> {
    let versions = client.list_policy_versions().policy_arn(arn).send().await.op("iam:ListPolicyVersions")?;
    let mut spare: Vec<_> = versions.versions().iter().filter(|v| !v.is_default_version()).collect();
    if versions.versions().len() >= MAX_VERSIONS {
        spare.sort_by_key(|v| v.create_date().map(|d| d.secs()));
        if let Some(oldest) = spare.first().and_then(|v| v.version_id()) {
            client
                .delete_policy_version()
                .policy_arn(arn)
                .version_id(oldest)
                .send()
                .await
                .op("iam:DeletePolicyVersion")?;
        }
    }
    client
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(doc.to_string())
        .set_as_default(true)
        .send()
        .await
        .op("iam:CreatePolicyVersion")?;
    Ok(())
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let p = policy_props(desired)?;
    let arn = &live.physical_id;
    let fields = crate::changed_fields(changes);
    if fields.contains("policy") {
        new_default_version(client, arn, &p.policy).await?;
    }
    if fields.contains("tags") {
        crate::retag(
            live.props.tags(),
            &p.tags,
            async |keys| {
                client
                    .untag_policy()
                    .policy_arn(arn)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .op("iam:UntagPolicy")
                    .map(drop)
            },
            async |tags| {
                client
                    .tag_policy()
                    .policy_arn(arn)
                    .set_tags(Some(sdk_tags(&tags)?))
                    .send()
                    .await
                    .op("iam:TagPolicy")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

/// Detaches the policy from every role, user and group, deletes its spare versions, then the
/// policy (IAM would otherwise leave the attached roles undeletable).
pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    let arn = &live.physical_id;
    let Some(entities) = absent_if(
        client.list_entities_for_policy().policy_arn(arn).send().await.op("iam:ListEntitiesForPolicy"),
        NOT_FOUND,
    )?
    else {
        return Ok(());
    };
    let detaches = entities
        .policy_roles()
        .iter()
        .filter_map(|r| r.role_name())
        .map(|role| async move {
            absent_if(
                client.detach_role_policy().role_name(role).policy_arn(arn).send().await.op("iam:DetachRolePolicy"),
                NOT_FOUND,
            )
            .map(drop)
        })
        .collect::<Vec<_>>();
    try_join_all(detaches).await?;
    for user in entities.policy_users().iter().filter_map(|u| u.user_name()) {
        absent_if(
            client.detach_user_policy().user_name(user).policy_arn(arn).send().await.op("iam:DetachUserPolicy"),
            NOT_FOUND,
        )?;
    }
    for group in entities.policy_groups().iter().filter_map(|g| g.group_name()) {
        absent_if(
            client.detach_group_policy().group_name(group).policy_arn(arn).send().await.op("iam:DetachGroupPolicy"),
            NOT_FOUND,
        )?;
    }
    let versions = client.list_policy_versions().policy_arn(arn).send().await.op("iam:ListPolicyVersions")?;
    for v in versions.versions().iter().filter(|v| !v.is_default_version()).filter_map(|v| v.version_id()) {
        absent_if(
            client.delete_policy_version().policy_arn(arn).version_id(v).send().await.op("iam:DeletePolicyVersion"),
            NOT_FOUND,
        )?;
    }
    absent_if(client.delete_policy().policy_arn(arn).send().await.op("iam:DeletePolicy"), NOT_FOUND)?;
    Ok(())
}
