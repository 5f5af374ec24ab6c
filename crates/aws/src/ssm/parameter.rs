//! `ssm_parameter`: a String parameter. Name-addressed: declared ones are read by name (ten per
//! GetParameters call), orphans are found with a tag filter on DescribeParameters.

use std::collections::BTreeMap;

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType, ResourceTypeForTagging, Tag};
use bankinfra_model::props::ssm::Parameter;
use bankinfra_model::{
    FieldChange, Kind, LiveResource, Outputs, Ownership, Props, ProviderError, Resource, TAG_STACK, TAG_STAGE, Tags,
};

use crate::error::{OrProviderError, absent_if, has_code};

/// Most names GetParameters accepts per call.
const GET_BATCH: usize = 10;

/// The parameters of `names` that exist, in batches of [`GET_BATCH`] at once.
async fn get(client: &Client, names: &[String]) -> Result<Vec<aws_sdk_ssm::types::Parameter>, ProviderError> {
    let batches = crate::bounded(
        crate::READS_IN_FLIGHT_SSM,
        names.chunks(GET_BATCH).map(<[String]>::to_vec).collect::<Vec<_>>().into_iter().map(|chunk| async move {
            client.get_parameters().set_names(Some(chunk)).send().await.op("ssm:GetParameters")
        }),
    )
    .await?;
    Ok(batches.iter().flat_map(|b| b.parameters().to_vec()).collect())
}

pub(crate) async fn read(
    client: &Client,
    desired: &[Resource],
    ownership: &Ownership,
) -> Result<Vec<LiveResource>, ProviderError> {
    let declared = crate::declared(desired, |p| match p {
        Props::SsmParameter(p) => Some(&p.name),
        _ => None,
    });
    // The declared parameters are fetched while the owned ones are listed; then the owned ones
    // no longer declared.
    let declared_names: Vec<String> = declared.keys().cloned().collect();
    let (owned, mut found) = tokio::try_join!(
        describe(client, vec![tag_filter(TAG_STACK, &ownership.stack), tag_filter(TAG_STAGE, &ownership.stage)]),
        get(client, &declared_names),
    )?;
    let undeclared: Vec<String> = owned.keys().filter(|n| !declared.contains_key(*n)).cloned().collect();
    found.extend(get(client, &undeclared).await?);
    // Descriptions of declared parameters that the tag filter did not return.
    let missing: Vec<String> =
        found.iter().filter_map(|p| p.name()).filter(|n| !owned.contains_key(*n)).map(str::to_string).collect();
    let mut descriptions = owned;
    for chunk in missing.chunks(50) {
        let filter =
            ParameterStringFilter::builder().key("Name").option("Equals").set_values(Some(chunk.to_vec())).build();
        descriptions.extend(
            describe(
                client,
                vec![filter.map_err(|e| ProviderError::permanent("ssm:DescribeParameters", e.to_string()))?],
            )
            .await?,
        );
    }
    let reads = found.into_iter().filter_map(|p| {
        let name = p.name()?.to_string();
        let description = descriptions.get(&name).cloned().unwrap_or_default();
        let declared = &declared;
        Some(async move {
            // Deleted since it was fetched (ListTagsForResource answers InvalidResourceId for a
            // parameter that does not exist,
            // <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListTagsForResource.html>): gone.
            let Some(tags) = absent_if(tags_of(client, &name).await, &["InvalidResourceId"])? else { return Ok(None) };
            let Some(address) = crate::name_addressed(&name, declared, &tags, ownership, Kind::SsmParameter) else {
                return Ok(None);
            };
            Ok::<_, ProviderError>(Some(LiveResource {
                address,
                outputs: crate::name_arn_outputs(&name, p.arn().unwrap_or_default()),
                physical_id: name.clone(),
                props: Props::SsmParameter(Parameter {
                    name,
                    value: p.value().unwrap_or_default().to_string(),
                    parameter_type: p.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                    description,
                    tags,
                }),
            }))
        })
    });
    Ok(crate::bounded(crate::READS_IN_FLIGHT_SSM, reads).await?.into_iter().flatten().collect())
}

fn tag_filter(key: &str, value: &str) -> ParameterStringFilter {
    ParameterStringFilter::builder().key(format!("tag:{key}")).values(value).build().expect("key is set")
}

/// Name → description of every parameter matching `filters`.
async fn describe(
    client: &Client,
    filters: Vec<ParameterStringFilter>,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let mut out = BTreeMap::new();
    let mut token = None;
    loop {
        let page = client
            .describe_parameters()
            .set_parameter_filters(Some(filters.clone()))
            .max_results(50)
            .set_next_token(token)
            .send()
            .await
            .op("ssm:DescribeParameters")?;
        for p in page.parameters() {
            if let Some(name) = p.name() {
                out.insert(name.to_string(), p.description().unwrap_or_default().to_string());
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.parameters().is_empty() {
            return Ok(out);
        }
    }
}

async fn tags_of(client: &Client, name: &str) -> Result<Tags, ProviderError> {
    let out = client
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .op("ssm:ListTagsForResource")?;
    Ok(out.tag_list().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
}

/// Every parameter under `path` (recursive): name → value, sorted by name.
pub(crate) async fn values_under(client: &Client, path: &str) -> Result<Vec<(String, String)>, ProviderError> {
    let mut out = BTreeMap::new();
    let mut token = None;
    loop {
        let page = client
            .get_parameters_by_path()
            .path(path)
            .recursive(true)
            .set_next_token(token)
            .send()
            .await
            .op("ssm:GetParametersByPath")?;
        for p in page.parameters() {
            out.insert(p.name().unwrap_or_default().to_string(), p.value().unwrap_or_default().to_string());
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out.into_iter().collect());
        }
    }
}

fn param_props(resource: &Resource) -> Result<&Parameter, ProviderError> {
    match &resource.props {
        Props::SsmParameter(p) => Ok(p),
        other => Err(ProviderError::permanent("ssm", format!("{} is not an SSM parameter", other.kind()))),
    }
}

crate::sdk_tags!(Tag, "ssm:Tag");

pub(crate) async fn create(client: &Client, resource: &Resource) -> Result<Outputs, ProviderError> {
    let p = param_props(resource)?;
    let created = client
        .put_parameter()
        .name(&p.name)
        .value(&p.value)
        .r#type(ParameterType::from(p.parameter_type.as_str()))
        .description(&p.description)
        .set_tags(Some(sdk_tags(&p.tags)?))
        .send()
        .await
        .op("ssm:PutParameter");
    match created {
        Ok(_) => {}
        // A re-run after a crash: converge the existing parameter instead.
        Err(e) if has_code(&e, &["ParameterAlreadyExists"]) => {
            overwrite(client, p).await?;
            client
                .add_tags_to_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(&p.name)
                .set_tags(Some(sdk_tags(&p.tags)?))
                .send()
                .await
                .op("ssm:AddTagsToResource")?;
        }
        Err(e) => return Err(e),
    }
    Ok(outputs(p))
}

/// A parameter's outputs: its name.
fn outputs(p: &Parameter) -> Outputs {
    Outputs::from([("name".to_string(), p.name.clone())])
}

async fn overwrite(client: &Client, p: &Parameter) -> Result<(), ProviderError> {
    client
        .put_parameter()
        .name(&p.name)
        .value(&p.value)
        .r#type(ParameterType::from(p.parameter_type.as_str()))
        .description(&p.description)
        .overwrite(true)
        .send()
        .await
        .op("ssm:PutParameter")?;
    Ok(())
}

pub(crate) async fn update(
    client: &Client,
    live_res: &LiveResource,
    desired: &Resource,
    changes: &[FieldChange],
) -> Result<Outputs, ProviderError> {
    let p = param_props(desired)?;
    let fields = crate::changed_fields(changes);
    if ["value", "parameter_type", "description"].iter().any(|f| fields.contains(f)) {
        overwrite(client, p).await?;
    }
    if fields.contains("tags") {
        let live_tags = live_res.props.tags();
        let stale: Vec<String> = live_tags.keys().filter(|k| !p.tags.contains_key(*k)).cloned().collect();
        if !stale.is_empty() {
            client
                .remove_tags_from_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(&p.name)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .op("ssm:RemoveTagsFromResource")?;
        }
        let changed: Tags =
            p.tags.iter().filter(|(k, v)| live_tags.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if !changed.is_empty() {
            client
                .add_tags_to_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(&p.name)
                .set_tags(Some(sdk_tags(&changed)?))
                .send()
                .await
                .op("ssm:AddTagsToResource")?;
        }
    }
    Ok(live_res.outputs.clone())
}

pub(crate) async fn delete(client: &Client, live: &LiveResource) -> Result<(), ProviderError> {
    absent_if(
        client.delete_parameter().name(&live.physical_id).send().await.op("ssm:DeleteParameter"),
        &["ParameterNotFound"],
    )?;
    Ok(())
}
