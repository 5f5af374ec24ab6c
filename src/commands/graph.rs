use bankinfra_engine::Planner;

use crate::cli::Common;
use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::output::out;

pub async fn run(common: Common) -> Result<i32, Failure> {
    let ctx = Context::load(&common).await?;
    let plan =
        Planner::new(ctx.provider.as_ref(), ctx.ownership.clone()).plan(ctx.graph.clone()).await.exit(exit::FAILED)?;
    out!("{}", ctx.graph.to_dot(&plan.actions()));
    Ok(exit::OK)
}
