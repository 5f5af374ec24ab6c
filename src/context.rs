//! Everything a command needs: validated specs, the desired graph, and a provider connected to
//! the stage's account (identity checked before anything else happens).

use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use bankinfra_aws::{AwsProvider, CallerIdentity, Connection};
use bankinfra_engine::ResourceGraph;
use bankinfra_model::{DeleteOptions, ErrorClass, Ownership, ProviderError, Purge};
use bankinfra_spec::Specs;

use crate::cli::Common;
use crate::exit::{self, ExitCode, Failure};

/// Names the AWS profile of the organization's management account.
pub const ORG_PROFILE_VAR: &str = "BANK_ORG_PROFILE";

pub struct Context {
    pub specs: Specs,
    pub graph: Arc<ResourceGraph>,
    pub ownership: Ownership,
    pub provider: Arc<AwsProvider>,
    pub identity: CallerIdentity,
}

impl Context {
    /// Loads and validates specs (no AWS call on failure), then connects and checks that the
    /// credentials belong to the stage's account.
    pub async fn load(common: &Common) -> Result<Self, Failure> {
        let specs = bankinfra_spec::load(&common.specs, &common.stage).exit(exit::BAD_INPUT)?;
        let organization_profile = std::env::var(ORG_PROFILE_VAR).ok().filter(|p| !p.is_empty());
        let mut resources = bankinfra_stack::desired_resources(&specs);
        if organization_profile.is_none() {
            let before = resources.len();
            resources.retain(|r| r.address.kind().service() != "organizations");
            if resources.len() != before {
                eprintln!(
                    "notice: {ORG_PROFILE_VAR} is not set, so the organization-level resources (the tag-enforcement SCP) are skipped; everything else deploys. Set it to the management account's profile to include them."
                );
            }
        }
        let graph = ResourceGraph::build(resources)
            .context("the stack's resource definitions are inconsistent")
            .exit(exit::BAD_INPUT)?
            .into();
        let ownership = bankinfra_stack::ownership(&specs);
        refuse_region_mismatch(&specs, &common.specs.join("stages").join(format!("{}.toml", common.stage))).await?;
        let connection = Connection {
            region: specs.stage.region.clone(),
            endpoint: specs.stage.endpoint.clone(),
            emulator_credentials: specs.stage.emulator_credentials,
            organization_profile,
        };
        let provider = AwsProvider::connect(&connection).await;
        let identity =
            provider.caller_identity().await.map_err(|e| connection_failure(e, &specs, provider.endpoint()))?;
        if identity.account != specs.stage.account_id {
            return Err(Failure::new(
                exit::REFUSED,
                anyhow!(
                    "the credentials belong to account {} ({}), but stage `{}` is account {}; refusing to touch the wrong account",
                    identity.account,
                    identity.arn,
                    specs.stage.name,
                    specs.stage.account_id
                ),
            ));
        }
        Ok(Context { specs, graph, ownership, provider: Arc::new(provider), identity })
    }

    pub fn delete_options(&self) -> DeleteOptions {
        DeleteOptions {
            purge: if self.specs.stage.switches.purge_data_on_destroy { Purge::Everything } else { Purge::Nothing },
            kms_deletion_window_days: self.specs.stage.switches.kms_deletion_window_days,
        }
    }

    /// One line naming where this run acts.
    pub fn target(&self) -> String {
        format!(
            "stage {} (account {}, {}, via {})",
            self.specs.stage.name,
            self.identity.account,
            self.specs.stage.region,
            self.provider.endpoint()
        )
    }
}

/// Refuses when the caller's environment names a region other than the stage's: the operator
/// may believe they are acting somewhere else.
async fn refuse_region_mismatch(specs: &Specs, stage_file: &std::path::Path) -> Result<(), Failure> {
    match bankinfra_aws::ambient_region().await {
        Some((region, source)) if region != specs.stage.region => Err(Failure::new(
            exit::REFUSED,
            anyhow!(
                "stage `{}` deploys to region {} (set in {}), but {source} says {region}; refusing in case you meant another stage. Unset it, or set it to {}",
                specs.stage.name,
                specs.stage.region,
                stage_file.display(),
                specs.stage.region
            ),
        )),
        _ => Ok(()),
    }
}

fn connection_failure(e: ProviderError, specs: &Specs, endpoint: &str) -> Failure {
    let hint = match e.class {
        ErrorClass::Unreachable | ErrorClass::Transient => format!(
            "cannot reach AWS at {endpoint} for stage `{}`; for stage local start the emulator (scripts/emulator.sh start) or set AWS_ENDPOINT_URL",
            specs.stage.name
        ),
        ErrorClass::Credentials if e.code.is_none() => format!(
            "no AWS credentials for stage `{}` (account {}); set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, OIDC) and try again",
            specs.stage.name, specs.stage.account_id
        ),
        _ => format!(
            "AWS refused the credentials for stage `{}` at {endpoint}; set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, OIDC) for account {}",
            specs.stage.name, specs.stage.account_id
        ),
    };
    Failure::new(exit::UNREACHABLE, anyhow!(e).context(hint))
}
