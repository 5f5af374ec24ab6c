use std::io::Write as _;
use std::process::{Command, Stdio};

use anyhow::anyhow;

use crate::cli::{GraphArgs, GraphFormat};
use crate::commands::planning;
use crate::context::Context;
use crate::exit::{self, Failure};
use crate::output::{out, outln};

pub async fn run(args: GraphArgs) -> Result<i32, Failure> {
    let ctx = Context::load(&args.common).await?;
    let plan = planning::converge(&ctx, &[]).await?.whole;
    let path = if args.critical_path { ctx.graph.critical_path(|_| 1.0) } else { Vec::new() };
    let dot = ctx.graph.to_dot(&plan.actions(), &path);
    match args.format {
        GraphFormat::Dot => out!("{dot}"),
        GraphFormat::Svg => outln!("{}", render_svg(&dot)?),
    }
    if args.critical_path {
        let chain: Vec<String> = path.iter().map(ToString::to_string).collect();
        eprintln!("critical path ({} resources): {}", chain.len(), chain.join(" → "));
    }
    Ok(exit::OK)
}

/// SVG from DOT through Graphviz's `dot`.
fn render_svg(dot: &str) -> Result<String, Failure> {
    let missing = |e: std::io::Error| {
        Failure::new(
            exit::FAILED,
            anyhow!(
                "cannot run Graphviz's `dot` ({e}); install Graphviz (apt install graphviz, brew install graphviz), or use --format dot and render it elsewhere"
            ),
        )
    };
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(missing)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(dot.as_bytes()).map_err(missing)?;
    }
    let output = child.wait_with_output().map_err(missing)?;
    if !output.status.success() {
        return Err(Failure::new(
            exit::FAILED,
            anyhow!("Graphviz's `dot` failed: {}", String::from_utf8_lossy(&output.stderr).trim()),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::PathBuf;

    use bankinfra_engine::{Action, ResourceGraph};

    use crate::snapshots::assert_snapshot;

    /// The real stack on stage local, every resource planned as a create, with the critical
    /// path: the picture `graph --critical-path` draws on a cold stage.
    #[test]
    fn dot_of_the_stack_matches_its_snapshot() {
        let specs = bankinfra_spec::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs"), "local").unwrap();
        let graph = ResourceGraph::build(bankinfra_stack::desired_resources(&specs)).unwrap();
        let actions: HashMap<_, _> = graph.order().iter().map(|a| (a.clone(), Action::Create)).collect();
        let path = graph.critical_path(|_| 1.0);
        assert!(path.len() >= 4, "a chain of dependent resources: {path:?}");
        assert_snapshot("graph.dot", &graph.to_dot(&actions, &path));
    }
}
