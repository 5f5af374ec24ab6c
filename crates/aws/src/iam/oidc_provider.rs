//! `iam_oidc_provider`: an OpenID Connect identity provider. Its identity is its issuer URL;
//! ListOpenIDConnectProviders + GetOpenIDConnectProvider read every provider with its tags.

use std::collections::BTreeSet;

use aws_sdk_iam::Client;
use bankinfra_model::props::iam::OidcProvider;
use bankinfra_model::{FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource};
use futures_util::future::try_join_all;

use super::{EXISTS, NOT_FOUND, from_sdk, sdk_tags};
use crate::error::{OrProviderError, absent_if, has_code};

/// The issuer without its scheme, as IAM reports it and as it appears in the provider's ARN.
fn host(url: &str) -> &str {
    url.trim_start_matches("https://").trim_end_matches('/')
}

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::IamOidcProvider(p) => Some(host(&p.url)),
        _ => None,
    });
    let list = client.list_open_id_connect_providers().send().await.op("iam:ListOpenIDConnectProviders")?;
    let arns: Vec<String> =
        list.open_id_connect_provider_list().iter().filter_map(|p| p.arn()).map(str::to_string).collect();
    let reads = arns.into_iter().map(|arn| {
        let declared = &declared;
        async move {
            let Some(p) = absent_if(
                client
                    .get_open_id_connect_provider()
                    .open_id_connect_provider_arn(&arn)
                    .send()
                    .await
                    .op("iam:GetOpenIDConnectProvider"),
                NOT_FOUND,
            )?
            else {
                return Ok(None);
            };
            let url = host(p.url().unwrap_or_default()).to_string();
            let tags = from_sdk(p.tags());
            let Some(address) = crate::name_addressed(&url, declared, &tags, ownership, Kind::IamOidcProvider) else {
                return Ok(None);
            };
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: outputs(&arn),
                physical_id: arn.clone(),
                props: Props::IamOidcProvider(OidcProvider {
                    url: format!("https://{url}"),
                    client_ids: p.client_id_list().to_vec(),
                    thumbprints: p.thumbprint_list().iter().map(|t| t.to_lowercase()).collect(),
                    tags,
                }),
            }))
        }
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

fn outputs(arn: &str) -> Outputs {
    Outputs::from([("arn".to_string(), arn.to_string())])
}

fn provider_props(resource: &Resource) -> Result<&OidcProvider, ProviderError> {
    match &resource.props {
        Props::IamOidcProvider(p) => Ok(p),
        other => Err(ProviderError::permanent("iam", format!("{} is not an OIDC provider", other.kind()))),
    }
}

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let p = provider_props(resource)?;
    let created = client
        .create_open_id_connect_provider()
        .url(&p.url)
        .set_client_id_list(Some(p.client_ids.clone()))
        .set_thumbprint_list(Some(p.thumbprints.clone()))
        .set_tags(Some(sdk_tags(&p.tags)?))
        .send()
        .await
        .op("iam:CreateOpenIDConnectProvider");
    let arn = match created {
        Ok(out) => out.open_id_connect_provider_arn().unwrap_or_default().to_string(),
        // A re-run after a crash: converge the provider that is already there.
        Err(e) if has_code(&e, EXISTS) => {
            let list = client.list_open_id_connect_providers().send().await.op("iam:ListOpenIDConnectProviders")?;
            let suffix = format!(":oidc-provider/{}", host(&p.url));
            let arn = list
                .open_id_connect_provider_list()
                .iter()
                .filter_map(|e| e.arn())
                .find(|a| a.ends_with(&suffix))
                .ok_or_else(|| ProviderError::permanent("iam:ListOpenIDConnectProviders", "provider vanished"))?
                .to_string();
            let live = LiveResource {
                address: resource.address.clone(),
                outputs: outputs(&arn),
                physical_id: arn.clone(),
                props: Props::IamOidcProvider(OidcProvider {
                    client_ids: Vec::new(),
                    thumbprints: Vec::new(),
                    tags: Default::default(),
                    ..p.clone()
                }),
            };
            let all = ["client_ids", "thumbprints", "tags"]
                .map(|f| FieldChange { path: f.to_string(), before: None, after: None })
                .to_vec();
            update(client, &live, resource, &all).await?;
            arn
        }
        Err(e) => return Err(e),
    };
    Ok(outputs(&arn))
}

pub(crate) async fn update(
    client: &Client,
    live: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let p = provider_props(desired)?;
    let Props::IamOidcProvider(l) = &live.props else {
        return Err(ProviderError::permanent("iam", "live state is not an OIDC provider"));
    };
    let arn = &live.physical_id;
    let fields = crate::changed_fields(changes);
    if fields.contains("thumbprints") {
        client
            .update_open_id_connect_provider_thumbprint()
            .open_id_connect_provider_arn(arn)
            .set_thumbprint_list(Some(p.thumbprints.clone()))
            .send()
            .await
            .op("iam:UpdateOpenIDConnectProviderThumbprint")?;
    }
    if fields.contains("client_ids") {
        let (have, want): (BTreeSet<&String>, BTreeSet<&String>) =
            (l.client_ids.iter().collect(), p.client_ids.iter().collect());
        for id in want.difference(&have) {
            client
                .add_client_id_to_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .client_id(*id)
                .send()
                .await
                .op("iam:AddClientIDToOpenIDConnectProvider")?;
        }
        for id in have.difference(&want) {
            client
                .remove_client_id_from_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .client_id(*id)
                .send()
                .await
                .op("iam:RemoveClientIDFromOpenIDConnectProvider")?;
        }
    }
    if fields.contains("tags") {
        crate::retag(
            &l.tags,
            &p.tags,
            async |keys| {
                client
                    .untag_open_id_connect_provider()
                    .open_id_connect_provider_arn(arn)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .op("iam:UntagOpenIDConnectProvider")
                    .map(drop)
            },
            async |tags| {
                client
                    .tag_open_id_connect_provider()
                    .open_id_connect_provider_arn(arn)
                    .set_tags(Some(sdk_tags(&tags)?))
                    .send()
                    .await
                    .op("iam:TagOpenIDConnectProvider")
                    .map(drop)
            },
        )
        .await?;
    }
    Ok(live.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(
        client
            .delete_open_id_connect_provider()
            .open_id_connect_provider_arn(&live.physical_id)
            .send()
            .await
            .op("iam:DeleteOpenIDConnectProvider"),
        NOT_FOUND,
    )?;
    Ok(())
}
