//! The stage lock's storage: one SSM parameter, created atomically (PutParameter without
//! Overwrite fails when it exists), read, and deleted. What the value means is the caller's.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::ParameterType;
use bankinfra_model::ProviderError;

use crate::error::{OrProviderError, absent_if, has_code};

/// Creates the parameter unless it exists: `true` when this call created it.
pub(crate) async fn create(client: &Client, name: &str, value: &str) -> Result<bool, ProviderError> {
    let put = client
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(ParameterType::String)
        .description("bankinfra stage lock: held while an apply or destroy runs")
        .overwrite(false)
        .send()
        .await
        .op("ssm:PutParameter");
    match put {
        Ok(_) => Ok(true),
        Err(e) if has_code(&e, &["ParameterAlreadyExists"]) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The parameter's value, if it exists.
pub(crate) async fn read(client: &Client, name: &str) -> Result<Option<String>, ProviderError> {
    let got = absent_if(client.get_parameter().name(name).send().await.op("ssm:GetParameter"), &["ParameterNotFound"])?;
    Ok(got.and_then(|g| g.parameter().and_then(|p| p.value()).map(str::to_string)))
}

/// Deletes the parameter (already gone is fine).
pub(crate) async fn delete(client: &Client, name: &str) -> Result<(), ProviderError> {
    absent_if(client.delete_parameter().name(name).send().await.op("ssm:DeleteParameter"), &["ParameterNotFound"])?;
    Ok(())
}
