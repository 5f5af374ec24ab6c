//! The dependency DAG of desired resources. An edge `a → b` means `b` refers to an output of
//! `a`, so `a` is created before `b` and deleted after it.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use bankinfra_model::{Address, Resource};
use petgraph::Direction;
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::{Action, EngineError};

/// Desired resources and the references between them, checked for cycles.
#[derive(Debug, Clone)]
pub struct ResourceGraph {
    graph: DiGraph<Address, ()>,
    index: HashMap<Address, NodeIndex>,
    resources: BTreeMap<Address, Resource>,
    order: Vec<Address>,
}

impl ResourceGraph {
    /// Builds the graph. Fails on duplicate addresses, references to undeclared resources and
    /// cycles, before any provider call is made.
    pub fn build(resources: Vec<Resource>) -> Result<Self, EngineError> {
        let mut graph = DiGraph::new();
        let mut index = HashMap::new();
        let mut by_address = BTreeMap::new();
        for r in resources {
            if index.contains_key(&r.address) {
                return Err(EngineError::DuplicateAddress(r.address));
            }
            index.insert(r.address.clone(), graph.add_node(r.address.clone()));
            by_address.insert(r.address.clone(), r);
        }
        for r in by_address.values() {
            let refs = r
                .props
                .references()
                .map_err(|e| EngineError::InvalidReference { address: r.address.clone(), message: e.to_string() })?;
            let to = index[&r.address];
            for reference in refs {
                let from = *index.get(&reference.address).ok_or_else(|| EngineError::UnknownReference {
                    from: r.address.clone(),
                    to: reference.address.clone(),
                })?;
                if from == to {
                    return Err(EngineError::Cycle(r.address.clone()));
                }
                graph.update_edge(from, to, ());
            }
        }
        let order = toposort(&graph, None)
            .map_err(|cycle| EngineError::Cycle(graph[cycle.node_id()].clone()))?
            .into_iter()
            .map(|n| graph[n].clone())
            .collect();
        Ok(ResourceGraph { graph, index, resources: by_address, order })
    }

    /// Addresses in dependency order (dependencies first).
    pub fn order(&self) -> &[Address] {
        &self.order
    }

    pub fn resource(&self, address: &Address) -> Option<&Resource> {
        self.resources.get(address)
    }

    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.order.iter().map(|a| &self.resources[a])
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

    fn neighbors(&self, address: &Address, dir: Direction) -> Vec<&Address> {
        let Some(&n) = self.index.get(address) else { return Vec::new() };
        let mut out: Vec<&Address> = self.graph.neighbors_directed(n, dir).map(|m| &self.graph[m]).collect();
        out.sort();
        out
    }

    /// Graphviz DOT: one node per resource, coloured by its planned action when given.
    pub fn to_dot(&self, actions: &HashMap<Address, Action>) -> String {
        let mut out = String::from(
            "digraph bankinfra {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n",
        );
        for address in &self.order {
            let action = actions.get(address).copied().unwrap_or(Action::NoOp);
            let _ =
                writeln!(out, "  \"{address}\" [fillcolor=\"{}\", tooltip=\"{}\"];", action.colour(), action.as_str());
        }
        for edge in self.graph.edge_references() {
            let _ = writeln!(out, "  \"{}\" -> \"{}\";", self.graph[edge.source()], self.graph[edge.target()]);
        }
        out.push_str("}\n");
        out
    }
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
        assert!(g.to_dot(&HashMap::new()).contains("\"ssm_parameter.a\" -> \"ssm_parameter.b\""));
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
