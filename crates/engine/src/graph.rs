//! The dependency DAG of desired resources. An edge `a → b` means `b` refers to an output of
//! `a`, so `a` is created before `b` and deleted after it.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;

use bankinfra_model::props::strings::Strings;
use bankinfra_model::template::Unresolved;
use bankinfra_model::{Address, Outputs, Props, Resource, template};
use petgraph::Direction;
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::{Action, EngineError};

/// Desired resources and the references between them, checked for cycles.
#[derive(Debug, Clone)]
pub struct ResourceGraph {
    /// Node `i` is the `i`-th resource given to [`ResourceGraph::build`].
    graph: DiGraph<Address, ()>,
    index: HashMap<Address, NodeIndex>,
    /// The resources in dependency order, so that a provider reads them without a copy.
    resources: Vec<Resource>,
    /// For each resource (by place in `resources`), its string properties holding references,
    /// parsed once, each reference bound to the place of the resource it names.
    templates: Vec<Vec<Template>>,
    /// Each node's place in `resources` (and `order`), by node index.
    position: Vec<usize>,
    /// The node at each place: `position` inverted.
    node_at: Vec<NodeIndex>,
    order: Vec<Address>,
}

/// A string property with references: which of the resource's strings it is (in [`Strings`]
/// order) and its pieces, as byte ranges of that string.
#[derive(Debug, Clone)]
struct Template {
    ordinal: usize,
    pieces: Vec<Piece>,
}

/// Literal text, or the output named by a range of the string, of the resource at a place in
/// dependency order.
#[derive(Debug, Clone)]
enum Piece {
    Text(Range<usize>),
    Output { at: usize, output: Range<usize> },
}

impl ResourceGraph {
    /// Builds the graph. Fails on duplicate addresses, references to undeclared resources and
    /// cycles, before any provider call is made.
    pub fn build(resources: Vec<Resource>) -> Result<Self, EngineError> {
        let mut graph = DiGraph::with_capacity(resources.len(), resources.len() * 2);
        let mut index = HashMap::with_capacity(resources.len());
        for r in &resources {
            if index.contains_key(&r.address) {
                return Err(EngineError::DuplicateAddress(r.address.clone()));
            }
            index.insert(r.address.clone(), graph.add_node(r.address.clone()));
        }
        // Edges are added in address order: the topological order depends on it, and so stays
        // the same whatever order the resources come in. Templates name node indices until the
        // order is known.
        let mut by_address: Vec<usize> = (0..resources.len()).collect();
        by_address.sort_unstable_by(|&a, &b| resources[a].address.cmp(&resources[b].address));
        let mut templates: Vec<Vec<Template>> = vec![Vec::new(); resources.len()];
        let mut from: Vec<NodeIndex> = Vec::new();
        for i in by_address {
            let r = &resources[i];
            let to = NodeIndex::new(i);
            from.clear();
            let mut ordinal = 0;
            r.props.each_str(&mut |s: &str| {
                ordinal += 1;
                if !s.contains("${") {
                    return Ok(());
                }
                let parsed = template::pieces(s).map_err(|e| EngineError::InvalidReference {
                    address: r.address.clone(),
                    message: e.to_string(),
                })?;
                let mut pieces = Vec::with_capacity(parsed.len());
                for piece in parsed {
                    let (reference, output) = match piece {
                        template::Piece::Text(text) => {
                            pieces.push(Piece::Text(text));
                            continue;
                        }
                        template::Piece::Reference { reference, output } => (reference, output),
                    };
                    let node = *index.get(&reference.address).ok_or_else(|| EngineError::UnknownReference {
                        from: r.address.clone(),
                        to: reference.address.clone(),
                    })?;
                    if node == to {
                        return Err(EngineError::Cycle(r.address.clone()));
                    }
                    from.push(node);
                    pieces.push(Piece::Output { at: node.index(), output });
                }
                templates[i].push(Template { ordinal: ordinal - 1, pieces });
                Ok(())
            })?;
            // One edge per referenced resource, however many of its outputs are used; in address
            // order, like the resources themselves.
            from.sort_unstable_by(|a, b| graph[*a].cmp(&graph[*b]));
            from.dedup();
            for &node in &from {
                graph.add_edge(node, to, ());
            }
        }
        let sorted = toposort(&graph, None).map_err(|cycle| EngineError::Cycle(graph[cycle.node_id()].clone()))?;
        let mut position = vec![0; sorted.len()];
        for (place, node) in sorted.iter().enumerate() {
            position[node.index()] = place;
        }
        let mut slots: Vec<Option<(Resource, Vec<Template>)>> =
            resources.into_iter().zip(templates).map(Some).collect();
        let mut ordered = Vec::with_capacity(sorted.len());
        let mut ordered_templates = Vec::with_capacity(sorted.len());
        for node in &sorted {
            let (resource, mut templates) = slots[node.index()].take().expect("toposort lists each node once");
            for piece in templates.iter_mut().flat_map(|t| t.pieces.iter_mut()) {
                if let Piece::Output { at, .. } = piece {
                    *at = position[*at];
                }
            }
            ordered.push(resource);
            ordered_templates.push(templates);
        }
        let order = ordered.iter().map(|r| r.address.clone()).collect();
        Ok(ResourceGraph {
            graph,
            index,
            resources: ordered,
            templates: ordered_templates,
            position,
            node_at: sorted,
            order,
        })
    }

    /// The places of the resources the one at place `at` refers to directly, in no particular
    /// order.
    pub fn dependency_places(&self, at: usize) -> impl Iterator<Item = usize> {
        self.graph.neighbors_directed(self.node_at[at], Direction::Incoming).map(|n| self.position[n.index()])
    }

    /// The place of `address` in dependency order (its index in [`ResourceGraph::resources`]).
    pub fn place_of(&self, address: &Address) -> Option<usize> {
        self.index.get(address).map(|n| self.position[n.index()])
    }

    /// The properties of the resource at place `at` with every reference substituted, from the
    /// templates parsed when the graph was built: `value(place, output)` gives an output of the
    /// resource at that place; where it gives none, `on_missing` is substituted, or resolution
    /// fails. Borrowed when the resource refers to nothing.
    pub fn resolve<'v>(
        &self,
        at: usize,
        value: impl Fn(usize, &str) -> Option<&'v str>,
        on_missing: Option<&str>,
    ) -> Result<Cow<'_, Props>, Unresolved> {
        let templates = &self.templates[at];
        if templates.is_empty() {
            return Ok(Cow::Borrowed(&self.resources[at].props));
        }
        let mut props = self.resources[at].props.clone();
        let mut next = templates.iter().peekable();
        let mut ordinal = 0;
        props.each_string_mut(&mut |s: &mut String| {
            ordinal += 1;
            let Some(template) = next.next_if(|t| t.ordinal == ordinal - 1) else { return Ok(()) };
            let mut resolved = String::with_capacity(s.len());
            for piece in &template.pieces {
                match piece {
                    Piece::Text(text) => resolved.push_str(&s[text.clone()]),
                    Piece::Output { at, output } => {
                        let output = &s[output.clone()];
                        template::push_value(&mut resolved, value(*at, output), on_missing, || {
                            format!("${{{}.{output}}}", self.order[*at])
                        })?
                    }
                }
            }
            *s = resolved;
            Ok(())
        })?;
        Ok(Cow::Owned(props))
    }

    /// Addresses in dependency order (dependencies first).
    pub fn order(&self) -> &[Address] {
        &self.order
    }

    pub fn resource(&self, address: &Address) -> Option<&Resource> {
        self.index.get(address).map(|n| &self.resources[self.position[n.index()]])
    }

    /// The declared resources, in dependency order.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    pub fn contains(&self, address: &Address) -> bool {
        self.index.contains_key(address)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The resources `address` refers to directly.
    pub fn dependencies(&self, address: &Address) -> Vec<&Address> {
        self.neighbors(address, Direction::Incoming)
    }

    /// The resources that refer to `address` directly.
    pub fn dependents(&self, address: &Address) -> Vec<&Address> {
        self.neighbors(address, Direction::Outgoing)
    }

    /// [`ResourceGraph::dependents`] in no particular order, without a copy.
    pub fn dependents_unordered(&self, address: &Address) -> impl Iterator<Item = &Address> {
        self.neighbors_unordered(address, Direction::Outgoing)
    }

    fn neighbors(&self, address: &Address, dir: Direction) -> Vec<&Address> {
        let mut out: Vec<&Address> = self.neighbors_unordered(address, dir).collect();
        out.sort();
        out
    }

    fn neighbors_unordered(&self, address: &Address, dir: Direction) -> impl Iterator<Item = &Address> {
        let node = self.index.get(address).copied();
        node.into_iter().flat_map(move |n| self.graph.neighbors_directed(n, dir)).map(|m| &self.graph[m])
    }

    /// The longest chain of dependent resources, dependencies first, where each resource
    /// counts `weight(address)` (e.g. 1, or its expected duration): nothing in the stack can
    /// finish sooner than this chain, however wide the executor runs.
    pub fn critical_path(&self, weight: impl Fn(&Address) -> f64) -> Vec<Address> {
        // Longest path ending at each node, in dependency order (a topological order).
        let mut best: HashMap<&Address, (f64, Option<&Address>)> = HashMap::new();
        for address in &self.order {
            let own = weight(address);
            let via = self
                .dependencies(address)
                .into_iter()
                .filter_map(|d| best.get(d).map(|(length, _)| (*length, d)))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let entry = match via {
                Some((length, from)) => (length + own, Some(from)),
                None => (own, None),
            };
            best.insert(address, entry);
        }
        // Ties go to the chain that ends first in dependency order: the same graph always draws
        // the same path.
        let Some(mut at) = self.order.iter().rev().max_by(|a, b| best[a].0.total_cmp(&best[b].0)) else {
            return Vec::new();
        };
        let mut path = vec![at.clone()];
        while let Some(Some(previous)) = best.get(at).map(|(_, p)| *p) {
            path.push(previous.clone());
            at = previous;
        }
        path.reverse();
        path
    }

    /// Graphviz DOT: one node per resource, filled with its planned action's colour, grouped
    /// by service; edges point from a dependency to what needs it, coloured by the dependency's
    /// service; `highlight` (e.g. the critical path) is drawn bold in red; a legend explains
    /// the colours.
    pub fn to_dot(&self, actions: &HashMap<Address, Action>, highlight: &[Address]) -> String {
        let mut out = String::from(
            "digraph bankinfra {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n  edge [arrowsize=0.6];\n",
        );
        let on_path: HashSet<&Address> = highlight.iter().collect();
        let mut services: Vec<&str> = self.order.iter().map(|a| a.kind().service()).collect();
        services.sort_unstable();
        services.dedup();
        for service in &services {
            let _ = writeln!(
                out,
                "  subgraph \"cluster_{service}\" {{\n    label=\"{service}\"; style=dashed; color=\"#adb5bd\";"
            );
            for address in self.order.iter().filter(|a| a.kind().service() == *service) {
                let action = actions.get(address).copied().unwrap_or(Action::NoOp);
                let bold = if on_path.contains(address) { ", penwidth=3, color=\"#e03131\"" } else { "" };
                let _ = writeln!(
                    out,
                    "    \"{address}\" [fillcolor=\"{}\", tooltip=\"{}\"{bold}];",
                    action.colour(),
                    action.as_str()
                );
            }
            out.push_str("  }\n");
        }
        let consecutive: HashSet<(&Address, &Address)> = highlight.windows(2).map(|w| (&w[0], &w[1])).collect();
        for edge in self.graph.edge_references() {
            let (from, to) = (&self.graph[edge.source()], &self.graph[edge.target()]);
            let style = if consecutive.contains(&(from, to)) {
                "color=\"#e03131\", penwidth=3".to_string()
            } else {
                format!("color=\"{}\"", service_colour(from.kind().service()))
            };
            let _ = writeln!(out, "  \"{from}\" -> \"{to}\" [{style}];");
        }
        out.push_str("  subgraph cluster_legend {\n    label=\"planned action\"; style=solid; color=\"#adb5bd\";\n");
        for action in [Action::Create, Action::Update, Action::Replace, Action::Delete, Action::Adopt, Action::NoOp] {
            let _ = writeln!(
                out,
                "    \"legend: {0}\" [label=\"{0}\", fillcolor=\"{1}\"];",
                action.as_str(),
                action.colour()
            );
        }
        out.push_str("  }\n}\n");
        out
    }
}

/// Output `output` of the resource at `place`, from outputs kept by place in dependency order.
pub(crate) fn output_at<'a>(by_place: &'a [Option<Outputs>], place: usize, output: &str) -> Option<&'a str> {
    by_place[place].as_ref()?.get(output).map(String::as_str)
}

/// A stable colour per service, for edges.
fn service_colour(service: &str) -> &'static str {
    const PALETTE: [&str; 8] = ["#1c7ed6", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#c2255c", "#5c940d", "#495057"];
    let index = service.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize)) % PALETTE.len();
    PALETTE[index]
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankinfra_model::props::ssm::Parameter;
    use bankinfra_model::{Kind, Props};

    pub(crate) fn param(name: &str, value: &str) -> Resource {
        Resource::new(
            Address::new(Kind::SsmParameter, name),
            Props::SsmParameter(Parameter {
                name: name.into(),
                value: value.into(),
                parameter_type: "String".into(),
                description: String::new(),
                tags: Default::default(),
            }),
        )
    }

    #[test]
    fn edges_come_from_references_and_order_puts_dependencies_first() {
        let g = ResourceGraph::build(vec![
            param("c", "${ssm_parameter.b.name}"),
            param("b", "${ssm_parameter.a.name}"),
            param("a", "x"),
        ])
        .unwrap();
        let order: Vec<String> = g.order().iter().map(|a| a.name().to_string()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(g.dependents(&"ssm_parameter.a".parse().unwrap()).len(), 1);
        assert!(g.to_dot(&HashMap::new(), &[]).contains("\"ssm_parameter.a\" -> \"ssm_parameter.b\""));
    }

    #[test]
    fn the_critical_path_is_the_longest_weighted_chain() {
        let g = ResourceGraph::build(vec![
            param("a", "x"),
            param("b", "${ssm_parameter.a.name}"),
            param("c", "${ssm_parameter.b.name}"),
            param("d", "${ssm_parameter.a.name}"),
            param("e", "y"),
        ])
        .unwrap();
        let names = |path: Vec<Address>| path.iter().map(|a| a.name().to_string()).collect::<Vec<_>>();
        assert_eq!(names(g.critical_path(|_| 1.0)), ["a", "b", "c"]);
        let heavy_d = |a: &Address| if a.name() == "d" { 5.0 } else { 1.0 };
        assert_eq!(names(g.critical_path(heavy_d)), ["a", "d"]);
        let dot = g.to_dot(&HashMap::new(), &g.critical_path(|_| 1.0));
        assert!(dot.contains("\"ssm_parameter.a\" -> \"ssm_parameter.b\" [color=\"#e03131\", penwidth=3]"), "{dot}");
        assert!(dot.contains("\"ssm_parameter.e\" [fillcolor"), "{dot}");
    }

    #[test]
    fn cycles_duplicates_and_dangling_references_are_rejected() {
        let cycle =
            ResourceGraph::build(vec![param("a", "${ssm_parameter.b.name}"), param("b", "${ssm_parameter.a.name}")]);
        assert!(matches!(cycle, Err(EngineError::Cycle(_))));
        let dup = ResourceGraph::build(vec![param("a", "x"), param("a", "y")]);
        assert!(matches!(dup, Err(EngineError::DuplicateAddress(_))));
        let dangling = ResourceGraph::build(vec![param("a", "${vpc.main.id}")]);
        assert!(matches!(dangling, Err(EngineError::UnknownReference { .. })));
    }
}
