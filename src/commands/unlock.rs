use crate::cli::UnlockArgs;
use crate::commands::confirm;
use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::lock;
use crate::output::outln;

pub async fn run(args: UnlockArgs) -> Result<i32, Failure> {
    let ctx = Context::load(&args.common).await?;
    let name = lock::parameter(&ctx);
    let Some(held) = ctx.provider.lock_read(&name).await.exit(exit::FAILED)? else {
        outln!("{} is not locked.", ctx.target());
        return Ok(exit::OK);
    };
    outln!("{} is locked by {}.", ctx.target(), lock::describe(&held));
    confirm("Remove this lock? Only do so if that run is no longer running.", args.auto_approve)?;
    ctx.provider.lock_delete(&name).await.exit(exit::FAILED)?;
    outln!("Lock removed.");
    Ok(exit::OK)
}
