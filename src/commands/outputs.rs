use crate::cli::OutputsArgs;
use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::output::outln;

pub async fn run(args: OutputsArgs) -> Result<i32, Failure> {
    let ctx = Context::load(&args.common).await?;
    let path = format!("/bank/{}/", ctx.specs.stage.name);
    let values = ctx.provider.parameters_under(&path).await.exit(exit::FAILED)?;
    if args.json {
        let map: serde_json::Map<String, serde_json::Value> =
            values.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
        outln!("{}", serde_json::to_string_pretty(&map).unwrap_or_default());
    } else if values.is_empty() {
        outln!("No outputs under {path}: the stack is not applied on this stage.");
    } else {
        let width = values.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (name, value) in values {
            outln!("{name:width$}  {value}");
        }
    }
    Ok(exit::OK)
}
