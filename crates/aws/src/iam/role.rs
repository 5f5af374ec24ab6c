//! `iam_role`: a role with its trust policy, managed-policy attachments and inline policies.
//! Roles are read account-wide in two paginated calls (ListRoles and
//! GetAccountAuthorizationDetails): declared ones by name, others by their ownership tags.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::Client;
use aws_sdk_iam::types::RoleDetail;
use bankinfra_model::props::iam::Role;
use bankinfra_model::{Address, FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource};
use futures_util::future::try_join_all;

use super::{EXISTS, NOT_FOUND, document, from_sdk, sdk_tags};
use crate::error::{OrProviderError, absent_if, has_code};

/// The declared and owned roles among `roles` (ListRoles: description, session length) with
/// their `details` (GetAccountAuthorizationDetails: trust policy, attachments, inline policies,
/// tags): two account-wide calls instead of five per role.
pub(crate) fn read(
    roles: Vec<aws_sdk_iam::types::Role>,
    mut details: BTreeMap<String, RoleDetail>,
    desired: &[Resource],
    ownership: &Ownership,
) -> Vec<LiveResource> {
    let declared = crate::declared(desired, |p| match p {
        Props::IamRole(p) => Some(&p.name),
        _ => None,
    });
    let live = roles.into_iter().filter_map(|role| {
        let name = role.role_name().to_string();
        let detail = details.remove(&name)?;
        let tags = from_sdk(detail.tags());
        let address = crate::name_addressed(&name, &declared, &tags, ownership, Kind::IamRole)?;
        let inline = detail
            .role_policy_list()
            .iter()
            .filter_map(|p| Some((p.policy_name()?.to_string(), document(p.policy_document()?))))
            .collect();
        let trust = detail.assume_role_policy_document().or(role.assume_role_policy_document());
        Some(LiveResource {
            address,
            outputs: outputs(&name, role.arn(), role.role_id()),
            physical_id: name.clone(),
            props: Props::IamRole(Role {
                name,
                description: role.description().unwrap_or_default().to_string(),
                assume_role_policy: trust.map(document).unwrap_or_default(),
                max_session_duration: role.max_session_duration().unwrap_or(3600).max(0) as u32,
                managed_policy_arns: detail
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn())
                    .map(str::to_string)
                    .collect(),
                inline_policies: inline,
                tags,
            }),
        })
    });
    live.collect()
}

/// Every role outside AWS's service-role paths.
pub(crate) async fn list_roles(client: &Client) -> Result<Vec<aws_sdk_iam::types::Role>, ProviderError> {
    let mut roles = Vec::new();
    let mut marker = None;
    loop {
        let page = client.list_roles().max_items(1000).set_marker(marker).send().await.op("iam:ListRoles")?;
        roles.extend(page.roles().iter().filter(|r| !r.path().starts_with("/aws-service-role/")).cloned());
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok(roles);
        }
    }
}

/// The whole role, or `None` when it does not exist. Its address is filled in by the caller.
async fn read_role(client: &Client, name: &str) -> Result<Option<LiveResource>, ProviderError> {
    let Some(got) = absent_if(client.get_role().role_name(name).send().await.op("iam:GetRole"), NOT_FOUND)? else {
        return Ok(None);
    };
    let Some(role) = got.role() else { return Ok(None) };
    let (attached, inline_names, tags) =
        tokio::try_join!(attached_policies(client, name), inline_policy_names(client, name), async {
            client.list_role_tags().role_name(name).send().await.op("iam:ListRoleTags")
        },)?;
    let inline = try_join_all(inline_names.into_iter().map(|policy| async move {
        let out = client.get_role_policy().role_name(name).policy_name(&policy).send().await.op("iam:GetRolePolicy")?;
        Ok::<_, ProviderError>((policy, document(out.policy_document())))
    }))
    .await?;
    let arn = role.arn().to_string();
    Ok(Some(LiveResource {
        address: Address::new(Kind::IamRole, name),
        outputs: outputs(name, &arn, role.role_id()),
        physical_id: name.to_string(),
        props: Props::IamRole(Role {
            name: name.to_string(),
            description: role.description().unwrap_or_default().to_string(),
            assume_role_policy: role.assume_role_policy_document().map(document).unwrap_or_default(),
            max_session_duration: role.max_session_duration().unwrap_or(3600).max(0) as u32,
            managed_policy_arns: attached,
            inline_policies: inline.into_iter().collect(),
            tags: from_sdk(tags.tags()),
        }),
    }))
}

async fn attached_policies(client: &Client, role: &str) -> Result<Vec<String>, ProviderError> {
    let mut arns = Vec::new();
    let mut marker = None;
    loop {
        let page = client
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
            .op("iam:ListAttachedRolePolicies")?;
        arns.extend(page.attached_policies().iter().filter_map(|p| p.policy_arn()).map(str::to_string));
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok(arns);
        }
    }
}

async fn inline_policy_names(client: &Client, role: &str) -> Result<Vec<String>, ProviderError> {
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let page =
            client.list_role_policies().role_name(role).set_marker(marker).send().await.op("iam:ListRolePolicies")?;
        names.extend(page.policy_names().iter().cloned());
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok(names);
        }
    }
}

fn outputs(name: &str, arn: &str, id: &str) -> Outputs {
    Outputs::from([
        ("name".to_string(), name.to_string()),
        ("arn".to_string(), arn.to_string()),
        ("id".to_string(), id.to_string()),
    ])
}

fn role_props(resource: &Resource) -> Result<&Role, ProviderError> {
    match &resource.props {
        Props::IamRole(r) => Ok(r),
        other => Err(ProviderError::permanent("iam", format!("{} is not an IAM role", other.kind()))),
    }
}

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let r = role_props(resource)?;
    let created = client
        .create_role()
        .role_name(&r.name)
        .assume_role_policy_document(r.assume_role_policy.to_string())
        .description(&r.description)
        .max_session_duration(r.max_session_duration as i32)
        .set_tags(Some(sdk_tags(&r.tags)?))
        .send()
        .await
        .op("iam:CreateRole");
    match created {
        Ok(out) => {
            let role =
                out.role().ok_or_else(|| ProviderError::permanent("iam:CreateRole", "no role in the response"))?;
            let (arn, id) = (role.arn().to_string(), role.role_id().to_string());
            let empty = Role { managed_policy_arns: Vec::new(), inline_policies: BTreeMap::new(), ..r.clone() };
            converge_policies(client, &empty, r).await?;
            Ok(outputs(&r.name, &arn, &id))
        }
        // A re-run after a crash: converge the role that is already there.
        Err(e) if has_code(&e, EXISTS) => {
            let live = read_role(client, &r.name)
                .await?
                .ok_or_else(|| ProviderError::permanent("iam:GetRole", format!("role {} vanished", r.name)))?;
            let changes = bankinfra_model::diff(&live.props, &resource.props);
            update(client, &live, resource, &changes).await
        }
        Err(e) => Err(e),
    }
}

/// Attaches, detaches, puts and deletes policies to turn `live` into `desired`.
async fn converge_policies(client: &Client, live: &Role, desired: &Role) -> Result<(), ProviderError> {
    let name = &desired.name;
    let (have, want): (BTreeSet<&String>, BTreeSet<&String>) =
        (live.managed_policy_arns.iter().collect(), desired.managed_policy_arns.iter().collect());
    // Each call touches one policy: they go out together.
    let attach = try_join_all(want.difference(&have).map(|arn| async move {
        client.attach_role_policy().role_name(name).policy_arn(*arn).send().await.op("iam:AttachRolePolicy")
    }));
    let detach = try_join_all(have.difference(&want).map(|arn| async move {
        absent_if(
            client.detach_role_policy().role_name(name).policy_arn(*arn).send().await.op("iam:DetachRolePolicy"),
            NOT_FOUND,
        )
    }));
    let changed = desired.inline_policies.iter().filter(|(policy, doc)| {
        !live.inline_policies.get(*policy).is_some_and(|l| bankinfra_model::policy::equivalent(l, doc))
    });
    let put = try_join_all(changed.map(|(policy, doc)| async move {
        client
            .put_role_policy()
            .role_name(name)
            .policy_name(policy)
            .policy_document(doc.to_string())
            .send()
            .await
            .op("iam:PutRolePolicy")
    }));
    let removed = live.inline_policies.keys().filter(|p| !desired.inline_policies.contains_key(*p));
    let delete = try_join_all(removed.map(|policy| async move {
        absent_if(
            client.delete_role_policy().role_name(name).policy_name(policy).send().await.op("iam:DeleteRolePolicy"),
            NOT_FOUND,
        )
    }));
    tokio::try_join!(attach, detach, put, delete)?;
    Ok(())
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let r = role_props(desired)?;
    let Props::IamRole(l) = &live.props else {
        return Err(ProviderError::permanent("iam", "live state is not a role"));
    };
    let fields = crate::changed_fields(changes);
    if fields.contains("assume_role_policy") {
        client
            .update_assume_role_policy()
            .role_name(&r.name)
            .policy_document(r.assume_role_policy.to_string())
            .send()
            .await
            .op("iam:UpdateAssumeRolePolicy")?;
    }
    if fields.contains("description") || fields.contains("max_session_duration") {
        client
            .update_role()
            .role_name(&r.name)
            .description(&r.description)
            .max_session_duration(r.max_session_duration as i32)
            .send()
            .await
            .op("iam:UpdateRole")?;
    }
    if fields.contains("managed_policy_arns") || fields.contains("inline_policies") {
        converge_policies(client, l, r).await?;
    }
    if fields.contains("tags") {
        crate::retag(
            &l.tags,
            &r.tags,
            async |keys| {
                client
                    .untag_role()
                    .role_name(&r.name)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .op("iam:UntagRole")
                    .map(drop)
            },
            async |tags| {
                client
                    .tag_role()
                    .role_name(&r.name)
                    .set_tags(Some(sdk_tags(&tags)?))
                    .send()
                    .await
                    .op("iam:TagRole")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

/// Detaches and deletes every policy of the role (read live, not from the plan), takes it out of
/// any instance profile, then deletes it.
pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    // The plan's read is recent: detach what it saw without reading the role again. If something
    // was attached since, DeleteRole refuses (DeleteConflict): read it afresh and try once more.
    if let Props::IamRole(seen) = &live.props
        && strip_and_delete(client, seen).await.is_ok()
    {
        return Ok(());
    }
    let Some(current) = read_role(client, &live.physical_id).await? else { return Ok(()) };
    let Props::IamRole(current) = &current.props else { return Ok(()) };
    strip_and_delete(client, current).await
}

/// Detaches `role`'s policies, deletes its inline ones, takes it out of instance profiles and
/// deletes it (already gone is fine).
async fn strip_and_delete(client: &Client, role: &Role) -> Result<(), ProviderError> {
    let name = &role.name;
    let bare = Role { managed_policy_arns: Vec::new(), inline_policies: BTreeMap::new(), ..role.clone() };
    converge_policies(client, role, &bare).await?;
    let profiles =
        client.list_instance_profiles_for_role().role_name(name).send().await.op("iam:ListInstanceProfilesForRole");
    let Some(profiles) = absent_if(profiles, NOT_FOUND)? else { return Ok(()) };
    for profile in profiles.instance_profiles() {
        client
            .remove_role_from_instance_profile()
            .instance_profile_name(profile.instance_profile_name())
            .role_name(name)
            .send()
            .await
            .op("iam:RemoveRoleFromInstanceProfile")?;
    }
    absent_if(client.delete_role().role_name(name).send().await.op("iam:DeleteRole"), NOT_FOUND)?;
    Ok(())
}
