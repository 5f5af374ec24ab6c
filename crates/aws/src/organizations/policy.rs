//! `service_control_policy`: an SCP, attached to the organization root. Name-addressed among the
//! organization's SCPs; the SCP policy type is enabled on the root first when it is not.

use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus, Root, Tag, TargetType};
use bankinfra_model::props::organizations::ServiceControlPolicy;
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, Tags};
use futures_util::future::try_join_all;

use crate::error::{OrProviderError, absent_if, has_code};

const NOT_FOUND: &[&str] = &["PolicyNotFoundException"];

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::ServiceControlPolicy(p) => Some(&p.name),
        _ => None,
    });
    let policies = list(client).await?;
    let reads = policies.into_iter().map(|(id, name)| {
        let declared = &declared;
        async move {
            let Some(tags) = absent_if(tags_of(client, &id).await, NOT_FOUND)? else { return Ok(None) };
            let Some(address) = crate::name_addressed(&name, declared, &tags, ownership, Kind::ServiceControlPolicy)
            else {
                return Ok(None);
            };
            let described = client.describe_policy().policy_id(&id).send().await.op("organizations:DescribePolicy")?;
            let Some(policy) = described.policy() else { return Ok(None) };
            let summary = policy.policy_summary();
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: outputs(&id, summary.and_then(|s| s.arn()).unwrap_or_default()),
                physical_id: id.clone(),
                props: Props::ServiceControlPolicy(ServiceControlPolicy {
                    name,
                    description: summary.and_then(|s| s.description()).unwrap_or_default().to_string(),
                    policy: policy.content().and_then(crate::parse_policy).unwrap_or_default(),
                    attach_to_root: false,
                    tags,
                }),
            }))
        }
    });
    let mut found: Vec<LiveResource> = try_join_all(reads).await?.into_iter().flatten().collect();
    // Which are attached to the root: one listing of the root's SCPs, not one per policy.
    if !found.is_empty() {
        let root = root(client).await?;
        let on_root = attached_to(client, root.id().unwrap_or_default()).await?;
        for live in &mut found {
            if let Props::ServiceControlPolicy(p) = &mut live.props {
                p.attach_to_root = on_root.iter().any(|(id, _)| *id == live.physical_id);
            }
        }
    }
    Ok(found)
}

/// (id, name) of every SCP attached to `target` (a root, OU or account).
async fn attached_to(client: &Client, target: &str) -> Result<Vec<(String, String)>, ProviderError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_policies_for_target()
            .target_id(target)
            .filter(PolicyType::ServiceControlPolicy)
            .set_next_token(token)
            .send()
            .await
            .op("organizations:ListPoliciesForTarget")?;
        out.extend(page.policies().iter().filter_map(|p| Some((p.id()?.to_string(), p.name()?.to_string()))));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// The organization's root, with the policy types enabled on it.
async fn root(client: &Client) -> Result<Root, ProviderError> {
    let roots = client.list_roots().send().await.op("organizations:ListRoots")?;
    roots
        .roots()
        .first()
        .filter(|r| r.id().is_some())
        .cloned()
        .ok_or_else(|| ProviderError::permanent("organizations:ListRoots", "the organization has no root"))
}

/// (id, name) of every customer-managed SCP.
async fn list(client: &Client) -> Result<Vec<(String, String)>, ProviderError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_policies()
            .filter(PolicyType::ServiceControlPolicy)
            .set_next_token(token)
            .send()
            .await
            .op("organizations:ListPolicies")?;
        out.extend(
            page.policies()
                .iter()
                .filter(|p| !p.aws_managed())
                .filter_map(|p| Some((p.id()?.to_string(), p.name()?.to_string()))),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// (ID, kind) of every target the policy is attached to. An organization has one root, so
/// "attached to a root" is "attached to the root", without asking which it is.
async fn targets_of(client: &Client, id: &str) -> Result<Vec<(String, TargetType)>, ProviderError> {
    let out = client.list_targets_for_policy().policy_id(id).send().await.op("organizations:ListTargetsForPolicy")?;
    Ok(out.targets().iter().filter_map(|t| Some((t.target_id()?.to_string(), t.r#type()?.clone()))).collect())
}

async fn tags_of(client: &Client, id: &str) -> Result<Tags, ProviderError> {
    let out = client.list_tags_for_resource().resource_id(id).send().await.op("organizations:ListTagsForResource")?;
    Ok(out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
}

fn outputs(id: &str, arn: &str) -> Outputs {
    Outputs::from([("id".to_string(), id.to_string()), ("arn".to_string(), arn.to_string())])
}

fn scp_props(resource: &Resource) -> Result<&ServiceControlPolicy, ProviderError> {
    match &resource.props {
        Props::ServiceControlPolicy(p) => Ok(p),
        other => Err(ProviderError::permanent("organizations", format!("{} is not an SCP", other.kind()))),
    }
}

crate::sdk_tags!(Tag, "organizations:Tag");

/// Enables the SCP policy type on the root unless it already is (the one-time precondition).
async fn enable_scps(client: &Client, root: &Root) -> Result<(), ProviderError> {
    let enabled = root.policy_types().iter().any(|t| {
        t.r#type() == Some(&PolicyType::ServiceControlPolicy) && t.status() == Some(&PolicyTypeStatus::Enabled)
    });
    if !enabled {
        let result = client
            .enable_policy_type()
            .root_id(root.id().unwrap_or_default())
            .policy_type(PolicyType::ServiceControlPolicy)
            .send()
            .await
            .op("organizations:EnablePolicyType");
        match result {
            Ok(_) => {}
            Err(e) if has_code(&e, &["PolicyTypeAlreadyEnabledException"]) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn set_attachment(client: &Client, id: &str, root: &str, attached: bool) -> Result<(), ProviderError> {
    let result = if attached {
        client.attach_policy().policy_id(id).target_id(root).send().await.map(drop).op("organizations:AttachPolicy")
    } else {
        client.detach_policy().policy_id(id).target_id(root).send().await.map(drop).op("organizations:DetachPolicy")
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) if has_code(&e, &["DuplicatePolicyAttachmentException", "PolicyNotAttachedException"]) => Ok(()),
        Err(e) => Err(e),
    }
}

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let p = scp_props(resource)?;
    let root = root(client).await?;
    enable_scps(client, &root).await?;
    let created = client
        .create_policy()
        .name(&p.name)
        .description(&p.description)
        .content(p.policy.to_string())
        .r#type(PolicyType::ServiceControlPolicy)
        .set_tags(Some(sdk_tags(&p.tags)?))
        .send()
        .await
        .op("organizations:CreatePolicy");
    let (id, arn) = match created {
        Ok(out) => {
            let summary = out.policy().and_then(|p| p.policy_summary());
            (
                summary.and_then(|s| s.id()).unwrap_or_default().to_string(),
                summary.and_then(|s| s.arn()).unwrap_or_default().to_string(),
            )
        }
        // A re-run after a crash: converge the policy that is already there.
        Err(e) if has_code(&e, &["DuplicatePolicyException"]) => {
            let (id, _) = list(client)
                .await?
                .into_iter()
                .find(|(_, name)| *name == p.name)
                .ok_or_else(|| ProviderError::permanent("organizations:ListPolicies", "policy vanished"))?;
            let out = client
                .update_policy()
                .policy_id(&id)
                .description(&p.description)
                .content(p.policy.to_string())
                .send()
                .await
                .op("organizations:UpdatePolicy")?;
            client
                .tag_resource()
                .resource_id(&id)
                .set_tags(Some(sdk_tags(&p.tags)?))
                .send()
                .await
                .op("organizations:TagResource")?;
            let arn =
                out.policy().and_then(|p| p.policy_summary()).and_then(|s| s.arn()).unwrap_or_default().to_string();
            (id, arn)
        }
        Err(e) => return Err(e),
    };
    set_attachment(client, &id, root.id().unwrap_or_default(), p.attach_to_root).await?;
    Ok(outputs(&id, &arn))
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let p = scp_props(desired)?;
    let id = &live.physical_id;
    let fields = crate::changed_fields(changes);
    if ["name", "description", "policy"].iter().any(|f| fields.contains(f)) {
        client
            .update_policy()
            .policy_id(id)
            .name(&p.name)
            .description(&p.description)
            .content(p.policy.to_string())
            .send()
            .await
            .op("organizations:UpdatePolicy")?;
    }
    if fields.contains("attach_to_root") {
        let root = root(client).await?;
        if p.attach_to_root {
            enable_scps(client, &root).await?;
        }
        set_attachment(client, id, root.id().unwrap_or_default(), p.attach_to_root).await?;
    }
    if fields.contains("tags") {
        crate::retag(
            live.props.tags(),
            &p.tags,
            async |keys| {
                client
                    .untag_resource()
                    .resource_id(id)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .op("organizations:UntagResource")
                    .map(drop)
            },
            async |tags| {
                client
                    .tag_resource()
                    .resource_id(id)
                    .set_tags(Some(sdk_tags(&tags)?))
                    .send()
                    .await
                    .op("organizations:TagResource")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

/// Detaches the policy from every target (AWS refuses to delete an attached policy), then
/// deletes it.
pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    let id = &live.physical_id;
    let Some(targets) = absent_if(targets_of(client, id).await, NOT_FOUND)? else { return Ok(()) };
    for (target, _) in targets {
        set_attachment(client, id, &target, false).await?;
    }
    absent_if(client.delete_policy().policy_id(id).send().await.op("organizations:DeletePolicy"), NOT_FOUND)?;
    Ok(())
}

/// The service control policies in force for one account of the organization.
#[derive(Debug, Clone, PartialEq)]
pub struct ScpsInForce {
    /// The organization's management account, which SCPs never restrict.
    pub management_account: String,
    /// Whether the account is a member of the organization (SCPs govern only members).
    pub member: bool,
    /// Every SCP attached to the account, to an OU above it or to the root, once each.
    pub policies: Vec<InForceScp>,
    /// How many SCPs are attached to the root (at most five may be).
    pub root_attachments: usize,
}

/// One SCP in force.
#[derive(Debug, Clone, PartialEq)]
pub struct InForceScp {
    pub id: String,
    pub name: String,
    pub document: serde_json::Value,
}

/// The SCPs in force for `account`: attached to it, to each OU on its path, and to the root
/// (ListParents, ListPoliciesForTarget, and DescribePolicy for those whose document `known`
/// does not hold). An account outside the organization (ListParents answers
/// `ChildNotFoundException`, Organizations API reference, ListParents:
/// <https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html>) has none.
pub(crate) async fn in_force(
    client: &Client,
    account: &str,
    known: &[(String, serde_json::Value)],
) -> Result<ScpsInForce, ProviderError> {
    let organization = client.describe_organization().send().await.op("organizations:DescribeOrganization")?;
    let management_account =
        organization.organization().and_then(|o| o.master_account_id()).unwrap_or_default().to_string();
    // The account, then each parent up to the root (the last target).
    let mut targets = vec![account.to_string()];
    let mut child = account.to_string();
    let member = loop {
        let parents = client.list_parents().child_id(&child).send().await.op("organizations:ListParents");
        let Some(parents) = absent_if(parents, &["ChildNotFoundException"])? else { break false };
        let Some(parent) = parents.parents().first() else { break true };
        let Some(id) = parent.id() else { break true };
        targets.push(id.to_string());
        if parent.r#type() == Some(&aws_sdk_organizations::types::ParentType::Root) {
            break true;
        }
        child = id.to_string();
    };
    if !member {
        return Ok(ScpsInForce { management_account, member, policies: Vec::new(), root_attachments: 0 });
    }
    let mut policies: Vec<InForceScp> = Vec::new();
    let mut root_attachments = 0;
    for (i, target) in targets.iter().enumerate() {
        let attached = attached_to(client, target).await?;
        if i == targets.len() - 1 {
            root_attachments = attached.len();
        }
        for (id, name) in attached {
            if policies.iter().any(|p| p.id == id) {
                continue;
            }
            let document = match known.iter().find(|(k, _)| *k == id) {
                Some((_, document)) => document.clone(),
                None => {
                    let described =
                        client.describe_policy().policy_id(&id).send().await.op("organizations:DescribePolicy")?;
                    described.policy().and_then(|p| p.content()).and_then(crate::parse_policy).unwrap_or_default()
                }
            };
            policies.push(InForceScp { id, name, document });
        }
    }
    Ok(ScpsInForce { management_account, member, policies, root_attachments })
}
