//! `kms_key`: a symmetric CMK, its alias, rotation and key policy. Found by ownership tags
//! (ListKeys + ListResourceTags of the keys without an alias or with one in a declared alias's
//! namespace), so a crash between CreateKey and CreateAlias is recovered.
//! Keys pending deletion count as gone; creating one that a destroy scheduled for deletion
//! restores it (CancelKeyDeletion) instead of making a second key.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyState, KeyUsageType, Tag};
use bankinfra_model::props::kms::Key;
use bankinfra_model::{
    Address, DeleteOptions, FieldChange, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, TAG_ADDRESS,
    TAG_STACK, TAG_STAGE, Tags,
};

use crate::error::{OrProviderError, absent_if, has_code};

const NOT_FOUND: &[&str] = &["NotFoundException"];

/// This stack's keys that the last read found scheduled for deletion, by address: a create of
/// one of them restores it without listing the account's keys again (the stage lock keeps any
/// other run from scheduling one meanwhile). Unknown until a read.
#[derive(Debug, Default)]
pub(crate) struct PendingDeletion(Mutex<Option<HashMap<Address, Vec<Scheduled>>>>);

/// A key scheduled for deletion.
#[derive(Debug, Clone)]
struct Scheduled {
    id: String,
    arn: String,
    key_spec: String,
    key_usage: String,
}

impl Scheduled {
    /// Whether restoring this key gives `p`'s spec and usage (fixed at creation): restoring one
    /// of another would leave a key that must be replaced.
    fn fits(&self, p: &Key) -> bool {
        self.key_spec == p.key_spec && self.key_usage == p.key_usage
    }
}

impl PendingDeletion {
    fn record(&self, found: HashMap<Address, Vec<Scheduled>>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(found);
    }

    /// `None` when no read has looked; otherwise a key scheduled for deletion at `address` that
    /// fits `p`, if any (taken: a restored key is no longer pending).
    fn take(&self, address: &Address, p: &Key) -> Option<Option<Scheduled>> {
        let mut found = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let keys = found.as_mut()?.get_mut(address);
        Some(keys.and_then(|keys| keys.iter().position(|k| k.fits(p)).map(|at| keys.remove(at))))
    }
}

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
    pending: &PendingDeletion,
) -> Result<Vec<LiveResource>, ProviderError> {
    let (key_ids, aliases) = tokio::try_join!(list_keys(client), list_aliases(client))?;
    // AWS-managed keys (alias/aws/*) are never ours and may refuse ListResourceTags.
    let managed: Vec<&String> =
        aliases.iter().filter(|(name, _)| name.starts_with("alias/aws/")).map(|(_, id)| id).collect();
    // Only keys that can be ours are asked for their tags: keys with no alias (a create that
    // stopped before its CreateAlias), and keys with an alias in the namespace of a declared
    // alias (`alias/bank/` for `alias/bank/pii`: where an alias no longer declared was). The
    // account's other keys, each with its own alias, are never read one by one.
    let namespaces: Vec<String> = desired
        .iter()
        .filter_map(|r| match &r.props {
            Props::KmsKey(k) => Some(alias_namespace(&k.alias).to_string()),
            _ => None,
        })
        .collect();
    let candidates: Vec<String> = key_ids
        .into_iter()
        .filter(|id| !managed.contains(&id))
        .filter(|id| {
            let mut named = aliases.iter().filter(|(_, target)| target == id).peekable();
            named.peek().is_none() || named.any(|(name, _)| namespaces.iter().any(|n| name.starts_with(n.as_str())))
        })
        .collect();
    let tagged = crate::bounded(
        crate::READS_IN_FLIGHT_KMS,
        candidates.into_iter().map(|id| async move {
            let tags = absent_if(tags_of(client, &id).await, &["AccessDeniedException", "NotFoundException"])?;
            Ok::<_, ProviderError>(tags.filter(|t| ownership.owns(t)).map(|t| (id, t)))
        }),
    )
    .await?;
    let reads = tagged.into_iter().flatten().filter_map(|(id, tags)| {
        let address = Ownership::address_in(&tags)?;
        let wanted_alias = desired.iter().find_map(|r| match &r.props {
            Props::KmsKey(k) if r.address == address => Some(k.alias.clone()),
            _ => None,
        });
        let alias = aliases
            .iter()
            .filter(|(_, target)| **target == id)
            .map(|(name, _)| name.clone())
            .min_by_key(|name| Some(name) != wanted_alias.as_ref())
            .unwrap_or_default();
        Some(async move {
            let meta = client.describe_key().key_id(&id).send().await.op("kms:DescribeKey")?;
            let Some(meta) = meta.key_metadata() else { return Ok(None) };
            if matches!(meta.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)) {
                return Ok(Some(Found::Scheduled(address, scheduled(&id, meta))));
            }
            let (rotation, policy) = tokio::try_join!(
                async {
                    // Keys that cannot rotate (asymmetric, HMAC) answer UnsupportedOperation: not rotating.
                    absent_if(
                        client.get_key_rotation_status().key_id(&id).send().await.op("kms:GetKeyRotationStatus"),
                        &["UnsupportedOperationException"],
                    )
                },
                async {
                    client.get_key_policy().key_id(&id).policy_name("default").send().await.op("kms:GetKeyPolicy")
                },
            )?;
            let policy = policy.policy().and_then(|p| serde_json::from_str(p).ok()).unwrap_or(serde_json::Value::Null);
            let arn = meta.arn().unwrap_or_default().to_string();
            Ok::<_, ProviderError>(Some(Found::Live(Box::new(LiveResource {
                address,
                outputs: outputs(&id, &arn),
                physical_id: id.clone(),
                props: Props::KmsKey(Key {
                    alias,
                    description: meta.description().unwrap_or_default().to_string(),
                    key_usage: meta.key_usage().map(|u| u.as_str().to_string()).unwrap_or_default(),
                    key_spec: meta.key_spec().map(|s| s.as_str().to_string()).unwrap_or_default(),
                    enabled: meta.enabled(),
                    rotation_period_days: rotation
                        .filter(|r| r.key_rotation_enabled())
                        .map(|r| r.rotation_period_in_days().unwrap_or(0).max(0) as u32),
                    policy,
                    tags,
                }),
            }))))
        })
    });
    let mut live = Vec::new();
    let mut scheduled: HashMap<Address, Vec<Scheduled>> = HashMap::new();
    for found in crate::bounded(crate::READS_IN_FLIGHT_KMS, reads).await?.into_iter().flatten() {
        match found {
            Found::Live(l) => live.push(*l),
            Found::Scheduled(address, key) => scheduled.entry(address).or_default().push(key),
        }
    }
    pending.record(scheduled);
    Ok(live)
}

/// An alias's namespace: everything up to its last `/` (`alias/bank/` of `alias/bank/pii`), or the
/// alias itself when it has no path below `alias/`.
fn alias_namespace(alias: &str) -> &str {
    match alias.rfind('/') {
        Some(at) if at > "alias".len() => &alias[..=at],
        _ => alias,
    }
}

/// One of this stack's keys, as a read finds it.
enum Found {
    Live(Box<LiveResource>),
    /// Scheduled for deletion, at an address.
    Scheduled(Address, Scheduled),
}

fn scheduled(id: &str, meta: &KeyMetadata) -> Scheduled {
    Scheduled {
        id: id.to_string(),
        arn: meta.arn().unwrap_or_default().to_string(),
        key_spec: meta.key_spec().map(|s| s.as_str().to_string()).unwrap_or_default(),
        key_usage: meta.key_usage().map(|u| u.as_str().to_string()).unwrap_or_default(),
    }
}

fn outputs(id: &str, arn: &str) -> Outputs {
    Outputs::from([("id".to_string(), id.to_string()), ("arn".to_string(), arn.to_string())])
}

async fn list_keys(client: &Client) -> Result<Vec<String>, ProviderError> {
    let mut ids = Vec::new();
    let mut marker = None;
    loop {
        let out = client.list_keys().set_marker(marker).send().await.op("kms:ListKeys")?;
        ids.extend(out.keys().iter().filter_map(|k| k.key_id().map(str::to_string)));
        marker = out.next_marker().map(str::to_string);
        if !out.truncated() || marker.is_none() {
            return Ok(ids);
        }
    }
}

/// Alias name → target key ID, for every alias that targets a key.
async fn list_aliases(client: &Client) -> Result<Vec<(String, String)>, ProviderError> {
    let mut aliases = Vec::new();
    let mut marker = None;
    loop {
        let out = client.list_aliases().set_marker(marker).send().await.op("kms:ListAliases")?;
        aliases.extend(
            out.aliases().iter().filter_map(|a| Some((a.alias_name()?.to_string(), a.target_key_id()?.to_string()))),
        );
        marker = out.next_marker().map(str::to_string);
        if !out.truncated() || marker.is_none() {
            return Ok(aliases);
        }
    }
}

async fn tags_of(client: &Client, id: &str) -> Result<Tags, ProviderError> {
    let mut tags = Tags::new();
    let mut marker = None;
    loop {
        let out = client.list_resource_tags().key_id(id).set_marker(marker).send().await.op("kms:ListResourceTags")?;
        tags.extend(out.tags().iter().map(|t| (t.tag_key().to_string(), t.tag_value().to_string())));
        marker = out.next_marker().map(str::to_string);
        if !out.truncated() || marker.is_none() {
            return Ok(tags);
        }
    }
}

fn to_sdk(tags: &Tags) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(|e| ProviderError::permanent("kms:Tag", e.to_string()))
        })
        .collect()
}

fn key_props(resource: &Resource) -> Result<&Key, ProviderError> {
    match &resource.props {
        Props::KmsKey(k) => Ok(k),
        other => Err(ProviderError::permanent("kms", format!("{} is not a KMS key", other.kind()))),
    }
}

pub(crate) async fn create(
    client: &Client,
    resource: &Resource,
    pending: &PendingDeletion,
) -> Result<Outputs, ProviderError> {
    let p = key_props(resource)?;
    let scheduled = match pending.take(&resource.address, p) {
        Some(known) => known,
        None => scheduled_for_deletion(client, p).await?,
    };
    if let Some(key) = scheduled {
        return restore(client, p, key.id, key.arn).await;
    }
    let out = client
        .create_key()
        .description(&p.description)
        .key_usage(KeyUsageType::from(p.key_usage.as_str()))
        .key_spec(KeySpec::from(p.key_spec.as_str()))
        .policy(p.policy.to_string())
        .set_tags(Some(to_sdk(&p.tags)?))
        .customize()
        .config_override(crate::sent_once!(aws_sdk_kms))
        .send()
        .await
        .op("kms:CreateKey")?;
    let meta =
        out.key_metadata().ok_or_else(|| ProviderError::permanent("kms:CreateKey", "response has no key metadata"))?;
    let (id, arn) = (meta.key_id().to_string(), meta.arn().unwrap_or_default().to_string());
    crate::after_create(|| rotate_and_name(client, p, id.clone(), arn.clone())).await
}

/// This stack's key for the same address that a destroy scheduled for deletion and that fits
/// `p`, if any: the pending window exists so that such a key can come back. (Asked only when no
/// read has looked: see [`PendingDeletion`].)
async fn scheduled_for_deletion(client: &Client, p: &Key) -> Result<Option<Scheduled>, ProviderError> {
    let identity = [TAG_STACK, TAG_STAGE, TAG_ADDRESS];
    if identity.iter().any(|k| !p.tags.contains_key(*k)) {
        return Ok(None);
    }
    for id in list_keys(client).await? {
        let described = absent_if(client.describe_key().key_id(&id).send().await.op("kms:DescribeKey"), NOT_FOUND)?;
        let Some(meta) = described.as_ref().and_then(|d| d.key_metadata()) else { continue };
        let key = scheduled(&id, meta);
        if meta.key_state() != Some(&KeyState::PendingDeletion) || !key.fits(p) {
            continue;
        }
        let tags = tags_of(client, &id).await?;
        if identity.iter().all(|k| tags.get(*k) == p.tags.get(*k)) {
            return Ok(Some(key));
        }
    }
    Ok(None)
}

/// Brings a key back from its pending deletion and makes it `p` again: enabled (or not),
/// policy, description, rotation and alias. Its ciphertexts stay readable.
async fn restore(client: &Client, p: &Key, id: String, arn: String) -> Result<Outputs, ProviderError> {
    client.cancel_key_deletion().key_id(&id).send().await.op("kms:CancelKeyDeletion")?;
    // A cancelled deletion leaves the key disabled.
    if p.enabled {
        client.enable_key().key_id(&id).send().await.op("kms:EnableKey")?;
    }
    put_policy(client, &id, p).await?;
    client
        .update_key_description()
        .key_id(&id)
        .description(&p.description)
        .send()
        .await
        .op("kms:UpdateKeyDescription")?;
    rotate_and_name(client, p, id, arn).await
}

/// The last steps of making key `id` the declared `p`: its rotation, then its state (disabled
/// after rotation is set, which needs an enabled key); and, meanwhile, its alias.
async fn rotate_and_name(client: &Client, p: &Key, id: String, arn: String) -> Result<Outputs, ProviderError> {
    let rotate_then_state = async {
        set_rotation(client, &id, p).await?;
        if !p.enabled {
            client.disable_key().key_id(&id).send().await.op("kms:DisableKey")?;
        }
        Ok(())
    };
    tokio::try_join!(rotate_then_state, point_alias(client, &p.alias, &id, &p.tags))?;
    Ok(outputs(&id, &arn))
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let (Props::KmsKey(l), d) = (&live.props, key_props(desired)?) else {
        return Err(ProviderError::permanent("kms", format!("{} is not a KMS key", live.address)));
    };
    let id = &live.physical_id;
    let fields = crate::changed_fields(changes);
    if fields.contains("enabled") {
        if d.enabled {
            client.enable_key().key_id(id).send().await.op("kms:EnableKey")?;
        } else {
            client.disable_key().key_id(id).send().await.op("kms:DisableKey")?;
        }
    }
    if fields.contains("description") {
        client
            .update_key_description()
            .key_id(id)
            .description(&d.description)
            .send()
            .await
            .op("kms:UpdateKeyDescription")?;
    }
    if fields.contains("policy") {
        put_policy(client, id, d).await?;
    }
    if fields.contains("rotation_period_days") {
        set_rotation(client, id, d).await?;
    }
    if fields.contains("tags") {
        let stale: Vec<String> = l.tags.keys().filter(|k| !d.tags.contains_key(*k)).cloned().collect();
        if !stale.is_empty() {
            client.untag_resource().key_id(id).set_tag_keys(Some(stale)).send().await.op("kms:UntagResource")?;
        }
        let changed: Tags =
            d.tags.iter().filter(|(k, v)| l.tags.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if !changed.is_empty() {
            client.tag_resource().key_id(id).set_tags(Some(to_sdk(&changed)?)).send().await.op("kms:TagResource")?;
        }
    }
    if fields.contains("alias") {
        if !l.alias.is_empty() && l.alias != d.alias {
            absent_if(client.delete_alias().alias_name(&l.alias).send().await.op("kms:DeleteAlias"), NOT_FOUND)?;
        }
        point_alias(client, &d.alias, id, &d.tags).await?;
    }
    Ok(live.outputs.clone())
}

async fn put_policy(client: &Client, id: &str, p: &Key) -> Result<(), ProviderError> {
    let put = client.put_key_policy().key_id(id).policy_name("default").policy(p.policy.to_string());
    put.send().await.op("kms:PutKeyPolicy")?;
    Ok(())
}

async fn set_rotation(client: &Client, id: &str, p: &Key) -> Result<(), ProviderError> {
    if let Some(days) = p.rotation_period_days {
        client
            .enable_key_rotation()
            .key_id(id)
            .rotation_period_in_days(days as i32)
            .send()
            .await
            .op("kms:EnableKeyRotation")?;
    } else {
        client.disable_key_rotation().key_id(id).send().await.op("kms:DisableKeyRotation")?;
    }
    Ok(())
}

/// Points `alias` at key `id`: creates it, or re-targets it when it names one of our keys that
/// is being replaced or was scheduled for deletion.
async fn point_alias(client: &Client, alias: &str, id: &str, owner: &Tags) -> Result<(), ProviderError> {
    match client.create_alias().alias_name(alias).target_key_id(id).send().await.op("kms:CreateAlias") {
        Ok(_) => Ok(()),
        Err(e) if has_code(&e, &["AlreadyExistsException"]) => {
            let aliases = list_aliases(client).await?;
            let target = aliases.iter().find(|(name, _)| name == alias).map(|(_, t)| t.clone()).unwrap_or_default();
            if target == id {
                return Ok(());
            }
            let target_state = client.describe_key().key_id(&target).send().await.op("kms:DescribeKey")?;
            let retired = matches!(
                target_state.key_metadata().and_then(|m| m.key_state()),
                Some(KeyState::PendingDeletion | KeyState::Disabled)
            );
            let same_owner =
                |t: &Tags| [TAG_STACK, TAG_STAGE].iter().all(|k| t.get(*k).is_some() && t.get(*k) == owner.get(*k));
            let ours = tags_of(client, &target).await.map(|t| same_owner(&t)).unwrap_or(false);
            if !(retired || ours) {
                return Err(ProviderError {
                    message: format!("alias {alias} already points at key {target}, which this stack does not own"),
                    ..e
                });
            }
            client.update_alias().alias_name(alias).target_key_id(id).send().await.op("kms:UpdateAlias")?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn delete(client: &Client, live: &LiveResource, options: &DeleteOptions) -> Result<(), ProviderError> {
    if let Props::KmsKey(k) = &live.props
        && !k.alias.is_empty()
    {
        absent_if(client.delete_alias().alias_name(&k.alias).send().await.op("kms:DeleteAlias"), NOT_FOUND)?;
    }
    let scheduled = client
        .schedule_key_deletion()
        .key_id(&live.physical_id)
        .pending_window_in_days(options.kms_deletion_window_days as i32)
        .send()
        .await
        .op("kms:ScheduleKeyDeletion");
    absent_if(scheduled, &["NotFoundException", "KMSInvalidStateException"])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::alias_namespace;

    #[test]
    fn an_alias_namespace_is_its_path_up_to_the_last_slash() {
        assert_eq!(alias_namespace("alias/bank/pii"), "alias/bank/");
        assert_eq!(alias_namespace("alias/bank/cards/pan"), "alias/bank/cards/");
        assert_eq!(alias_namespace("alias/pii"), "alias/pii");
    }
}
