//! The AWS provider: implements [`Provider`] with the AWS SDK for Rust.
//!
//! One module per AWS service and one file per resource kind, each holding that kind's whole
//! lifecycle (read, create, update, delete). No SDK type leaves this crate: every error becomes
//! a [`ProviderError`] carrying the service's error code and message.

mod config;
mod ec2;
mod error;
mod kms;
mod s3;
mod ssm;

use async_trait::async_trait;
use bankinfra_model::{DeleteOptions, FieldChange, Kind, LiveResource, Ownership, Provider, ProviderError, Resource};

pub use config::Connection;

/// The account and principal the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// Talks to one AWS account and region (or an emulator standing in for them).
#[derive(Clone)]
pub struct AwsProvider {
    ec2: aws_sdk_ec2::Client,
    kms: aws_sdk_kms::Client,
    s3: aws_sdk_s3::Client,
    ssm: aws_sdk_ssm::Client,
    sts: aws_sdk_sts::Client,
    /// Where requests go, for error messages.
    endpoint: String,
}

impl AwsProvider {
    /// Builds the clients. Makes no call; see [`AwsProvider::caller_identity`].
    pub async fn connect(connection: &Connection) -> Self {
        let (sdk, endpoint) = config::load(connection).await;
        let s3_config = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(connection.path_style()).build();
        AwsProvider {
            ec2: aws_sdk_ec2::Client::new(&sdk),
            kms: aws_sdk_kms::Client::new(&sdk),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            ssm: aws_sdk_ssm::Client::new(&sdk),
            sts: aws_sdk_sts::Client::new(&sdk),
            endpoint,
        }
    }

    /// Where requests go: the endpoint override, or "AWS" for the regional public endpoints.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Who the credentials belong to (`sts:GetCallerIdentity`). Proves the endpoint is reachable
    /// and the credentials are accepted, without changing anything.
    pub async fn caller_identity(&self) -> Result<CallerIdentity, ProviderError> {
        let out =
            self.sts.get_caller_identity().send().await.map_err(|e| error::from_sdk("sts:GetCallerIdentity", e))?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        })
    }

    /// Reads the values of SSM parameters under `path`, recursively: name → value.
    pub async fn parameters_under(&self, path: &str) -> Result<Vec<(String, String)>, ProviderError> {
        ssm::values_under(&self.ssm, path).await
    }
}

#[async_trait]
impl Provider for AwsProvider {
    async fn read(
        &self,
        kinds: &[Kind],
        desired: &[Resource],
        ownership: &Ownership,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let wants = |service: &str| kinds.iter().any(|k| k.service() == service);
        let (net, keys, buckets, params) = tokio::try_join!(
            async { if wants("ec2") { ec2::read(&self.ec2, desired, ownership).await } else { Ok(Vec::new()) } },
            async { if wants("kms") { kms::read(&self.kms, desired, ownership).await } else { Ok(Vec::new()) } },
            async { if wants("s3") { s3::read(&self.s3, desired, ownership).await } else { Ok(Vec::new()) } },
            async { if wants("ssm") { ssm::read(&self.ssm, desired, ownership).await } else { Ok(Vec::new()) } },
        )?;
        Ok([net, keys, buckets, params].into_iter().flatten().filter(|l| kinds.contains(&l.address.kind())).collect())
    }

    async fn create(&self, resource: &Resource) -> Result<LiveResource, ProviderError> {
        match resource.address.kind().service() {
            "ec2" => ec2::create(&self.ec2, resource).await,
            "kms" => kms::key::create(&self.kms, resource).await,
            "s3" => s3::bucket::create(&self.s3, resource).await,
            _ => ssm::parameter::create(&self.ssm, resource).await,
        }
    }

    async fn update(
        &self,
        live: &LiveResource,
        desired: &Resource,
        changes: &[FieldChange],
    ) -> Result<LiveResource, ProviderError> {
        match desired.address.kind().service() {
            "ec2" => ec2::update(&self.ec2, live, desired, changes).await,
            "kms" => kms::key::update(&self.kms, live, desired, changes).await,
            "s3" => s3::bucket::update(&self.s3, live, desired, changes).await,
            _ => ssm::parameter::update(&self.ssm, live, desired, changes).await,
        }
    }

    async fn delete(&self, live: &LiveResource, options: &DeleteOptions) -> Result<(), ProviderError> {
        match live.address.kind().service() {
            "ec2" => ec2::delete(&self.ec2, live).await,
            "kms" => kms::key::delete(&self.kms, live, options).await,
            "s3" => s3::bucket::delete(&self.s3, live, options).await,
            _ => ssm::parameter::delete(&self.ssm, live).await,
        }
    }
}

/// Top-level attributes named by a list of changes (`tags.x` → `tags`).
pub(crate) fn changed_fields(changes: &[FieldChange]) -> std::collections::BTreeSet<&str> {
    changes.iter().map(|c| c.path.split('.').next().unwrap_or_default()).collect()
}
