//! The graph substitutes references from templates it parsed once, reading outputs by place in
//! dependency order; `Props::resolve` parses each reference as it goes. Over the whole MOD-104
//! stack (every kind, every way it refers), both give the same properties.

use std::collections::BTreeMap;
use std::path::Path;

use bankinfra_engine::ResourceGraph;
use bankinfra_model::template::{Reference, UNKNOWN};
use bankinfra_model::{Address, Outputs};

#[test]
fn graph_resolution_agrees_with_props_resolve_over_the_real_stack() {
    let specs = bankinfra_spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"), "local")
        .expect("the repository's specs load");
    let graph = ResourceGraph::build(bankinfra_stack::desired_resources(&specs)).expect("a valid graph");
    // Every referenced output has a value, except ARNs (unknown, as before a create).
    let mut outputs: BTreeMap<Address, Outputs> = BTreeMap::new();
    for resource in graph.resources() {
        for r in resource.props.references().unwrap() {
            if r.output != "arn" {
                outputs.entry(r.address.clone()).or_default().insert(r.output.clone(), format!("<{r}>"));
            }
        }
    }
    let lookup = |r: &Reference| outputs.get(&r.address)?.get(&r.output).cloned();
    let by_place: Vec<Option<&Outputs>> = graph.order().iter().map(|a| outputs.get(a)).collect();
    let value = |at: usize, output: &str| by_place[at]?.get(output).map(String::as_str);
    let mut substituted = 0;
    for (at, resource) in graph.resources().iter().enumerate() {
        let expected = resource.props.resolve(&lookup, Some(UNKNOWN)).unwrap();
        let actual = graph.resolve(at, value, Some(UNKNOWN)).unwrap();
        assert_eq!(*actual, expected, "{}", resource.address);
        substituted += usize::from(expected != resource.props);
        // Without a fallback, both fail exactly where an ARN is referenced.
        let strict = graph.resolve(at, value, None);
        assert_eq!(strict.is_ok(), resource.props.resolve(&lookup, None).is_ok(), "{}", resource.address);
        if let Err(unresolved) = strict {
            assert!(unresolved.0.ends_with(".arn}"), "{unresolved}");
        }
    }
    assert!(substituted > 100, "only {substituted} resources had references substituted");
}
