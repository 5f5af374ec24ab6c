//! Building the shared SDK configuration for a stage.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::{Credentials, SharedHttpClient};
use aws_smithy_http_client::tls;

/// Where and how to reach AWS for one stage.
#[derive(Debug, Clone)]
pub struct Connection {
    pub region: String,
    /// Endpoint override from the stage file; `AWS_ENDPOINT_URL` wins over it.
    pub endpoint: Option<String>,
    /// Use fixed emulator credentials when the environment provides none.
    pub emulator_credentials: bool,
    /// Profile of the organization's management account (`BANK_ORG_PROFILE`), for the SCP.
    pub organization_profile: Option<String>,
}

impl Connection {
    /// The endpoint in force: `AWS_ENDPOINT_URL`, else the stage's.
    pub fn effective_endpoint(&self) -> Option<String> {
        std::env::var("AWS_ENDPOINT_URL").ok().filter(|s| !s.is_empty()).or_else(|| self.endpoint.clone())
    }

    /// Custom endpoints address buckets by path, not by virtual host.
    pub(crate) fn path_style(&self) -> bool {
        self.effective_endpoint().is_some()
    }
}

/// The secret key of the emulator's fixed credentials (stage local, no credentials in the
/// environment).
pub const EMULATOR_SECRET_KEY: &str = "bankinfra-local-secret-key";

/// The HTTPS client of every SDK client and credential provider: hyper with rustls on ring,
/// trusting the platform's roots (`SSL_CERT_FILE` and `SSL_CERT_DIR` included).
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

/// The shared settings: region, bounded adaptive retries and timeouts, the endpoint override.
fn defaults(connection: &Connection) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .region(Region::new(connection.region.clone()))
        // Adaptive: exponential backoff with jitter, plus a client-side rate limiter that slows
        // every call of a client down once its service throttles (the engine's retry policy,
        // crates/engine/src/retry.rs, then decides about what still fails).
        .retry_config(RetryConfig::adaptive().with_max_attempts(5).with_max_backoff(Duration::from_secs(5)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(url) = connection.effective_endpoint() {
        loader = loader.endpoint_url(url);
    }
    loader
}

pub(crate) async fn load(connection: &Connection) -> (SdkConfig, String) {
    let mut loader = defaults(connection);
    let endpoint = connection.effective_endpoint();
    let env_has_credentials =
        std::env::var_os("AWS_ACCESS_KEY_ID").is_some() || std::env::var_os("AWS_PROFILE").is_some();
    if connection.emulator_credentials && !env_has_credentials {
        loader = loader.credentials_provider(Credentials::new(
            "bankinfra-local",
            // Fixed and public (the emulator accepts any), but distinct from the key ID: the
            // secrets test proves this value never shows, as a real secret key must not.
            EMULATOR_SECRET_KEY,
            None,
            None,
            "bankinfra-emulator",
        ));
    }
    (loader.load().await, endpoint.unwrap_or_else(|| format!("AWS {}", connection.region)))
}

/// The configuration for the organization's management account: its named profile (which may
/// assume a role), with the stage's region and endpoint. The profile's credentials are used,
/// never the environment's: in CI the environment holds the member account's session (which a
/// profile with `credential_source = Environment` assumes the management account's role with),
/// and the default chain would take it first and ignore the profile.
pub(crate) async fn load_organization(connection: &Connection) -> Option<SdkConfig> {
    let profile = connection.organization_profile.as_ref()?;
    let provider_config = aws_config::provider_config::ProviderConfig::without_region()
        .with_http_client(https_client())
        .with_region(Some(Region::new(connection.region.clone())));
    let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder()
        .profile_name(profile)
        .configure(&provider_config)
        .build();
    Some(defaults(connection).profile_name(profile).credentials_provider(credentials).load().await)
}

/// The region the caller's environment names, if any, and where it says so: `AWS_REGION`,
/// `AWS_DEFAULT_REGION`, or the `region` of the profile `AWS_PROFILE` selects. Makes no call.
pub async fn ambient_region() -> Option<(String, String)> {
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(region) = std::env::var(var).ok().filter(|r| !r.is_empty()) {
            return Some((region, var.to_string()));
        }
    }
    let profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty())?;
    let from_profile = aws_config::profile::ProfileFileRegionProvider::builder().profile_name(&profile).build();
    let region = aws_config::meta::region::ProvideRegion::region(&from_profile).await?;
    Some((region.to_string(), format!("the region of AWS_PROFILE `{profile}`")))
}
