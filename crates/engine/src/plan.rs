//! The planner: compares desired resources with live state and decides one action per resource.
//! It only reads; nothing here can change the cloud.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use bankinfra_model::template::UNKNOWN;
use bankinfra_model::{
    Address, FieldChange, Kind, LiveResource, Outputs, Ownership, Props, Provider, Resource, TAG_STACK, TAG_STAGE, diff,
};
use serde::Serialize;

use crate::graph::output_at;
use crate::retry::RetryPolicy;
use crate::{EngineError, ResourceGraph};

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    /// Delete, then create again: an attribute changed that AWS cannot change in place.
    Replace,
    Delete,
    /// Exists under its name without this stack's ownership tags: needs `--adopt`.
    Adopt,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Adopt => "adopt",
        }
    }

    /// Diff symbol, as Terraform prints it.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Adopt => "<=",
        }
    }

    /// Fill colour in graph pictures.
    pub fn colour(self) -> &'static str {
        match self {
            Action::NoOp => "#eeeeee",
            Action::Create => "#b7e4c7",
            Action::Update => "#ffe8a3",
            Action::Replace => "#ffc078",
            Action::Delete => "#ffa8a8",
            Action::Adopt => "#a5d8ff",
        }
    }
}

/// The decision for one resource.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceChange {
    pub address: Address,
    pub action: Action,
    /// The attributes that differ, before → after (updates, replaces and adoptions). What a
    /// create or delete shows, every attribute, is [`Plan::attributes`].
    pub changes: Vec<FieldChange>,
    /// The attributes that force a replacement.
    pub replace_because: Vec<String>,
    /// Live state, when the resource exists.
    #[serde(skip)]
    pub live: Option<LiveResource>,
    /// For a resource that exists and is declared: the declared properties with references
    /// resolved as far as planning knows them (the rest read [`UNKNOWN`]), as compared. A create
    /// needs no comparison: what it will set is [`Plan::planned`], worked out when shown.
    #[serde(skip)]
    pub planned: Option<Props>,
}

/// Counts per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub adopt: usize,
    pub no_op: usize,
}

impl Summary {
    pub fn has_changes(&self) -> bool {
        self.create + self.update + self.replace + self.delete + self.adopt > 0
    }
}

/// Every resource's decision, in execution order (dependencies first; deletes last, dependents
/// before their dependencies).
#[derive(Debug, Clone)]
pub struct Plan {
    pub changes: Vec<ResourceChange>,
    pub graph: Arc<ResourceGraph>,
    /// What a destroy leaves in place because it belongs to the organization, not the stage.
    pub kept: Vec<Address>,
    /// What references read as the plan was made, by place in the graph (outputs of what exists;
    /// of what is created or replaced, those known before it exists): built when first needed.
    seen: OnceLock<Vec<Option<Outputs>>>,
}

impl Plan {
    pub fn new(changes: Vec<ResourceChange>, graph: Arc<ResourceGraph>) -> Plan {
        Plan { changes, graph, kept: Vec::new(), seen: OnceLock::new() }
    }

    /// What a declared change sets: its declared properties with references resolved as far as
    /// the plan knows them (the rest read [`UNKNOWN`]). `None` for a delete.
    pub fn planned<'a>(&'a self, change: &'a ResourceChange) -> Option<Cow<'a, Props>> {
        if let Some(planned) = &change.planned {
            return Some(Cow::Borrowed(planned));
        }
        let at = self.graph.place_of(&change.address).filter(|_| change.action == Action::Create)?;
        let seen = self.seen();
        self.graph.resolve(at, |place, output| output_at(seen, place, output), Some(UNKNOWN)).ok()
    }

    /// Attribute-level before → after, as a plan shows it: a create's every attribute (before
    /// absent), a delete's every attribute (after absent), otherwise [`ResourceChange::changes`].
    pub fn attributes<'a>(&'a self, change: &'a ResourceChange) -> Cow<'a, [FieldChange]> {
        let all = |props: &Props, created: bool| -> Vec<FieldChange> {
            let field = |(path, value)| match created {
                true => FieldChange { path, before: None, after: Some(value) },
                false => FieldChange { path, before: Some(value), after: None },
            };
            props.fields().into_iter().map(field).collect()
        };
        match (change.action, &change.live) {
            (Action::Create, _) => match self.planned(change) {
                Some(planned) => Cow::Owned(all(&planned, true)),
                None => Cow::Borrowed(&change.changes),
            },
            (Action::Delete, Some(live)) => Cow::Owned(all(&live.props, false)),
            _ => Cow::Borrowed(&change.changes),
        }
    }

    /// The `seen` field, made from the changes the first time it is needed.
    fn seen(&self) -> &[Option<Outputs>] {
        self.seen.get_or_init(|| {
            let by_address: HashMap<&Address, &ResourceChange> = self.changes.iter().map(|c| (&c.address, c)).collect();
            let mut seen: Vec<Option<Outputs>> = vec![None; self.graph.len()];
            for (at, address) in self.graph.order().iter().enumerate() {
                let Some(change) = by_address.get(address) else { continue };
                seen[at] = match change.action {
                    Action::Create | Action::Replace => {
                        let planned = change.planned.as_ref().map(Cow::Borrowed);
                        Some(predicted_outputs(&self.graph, at, planned, |place, output| {
                            output_at(&seen, place, output)
                        }))
                    }
                    _ => change.live.as_ref().map(|l| l.outputs.clone()),
                };
            }
            seen
        })
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::NoOp => s.no_op += 1,
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
                Action::Adopt => s.adopt += 1,
            }
        }
        s
    }

    pub fn actions(&self) -> HashMap<Address, Action> {
        self.changes.iter().map(|c| (c.address.clone(), c.action)).collect()
    }

    /// The declared resource `change` converges on, `${...}` references unresolved; `None` for
    /// a delete.
    pub fn desired(&self, change: &ResourceChange) -> Option<&Resource> {
        (change.action != Action::Delete).then(|| self.graph.resource(&change.address)).flatten()
    }

    pub fn change(&self, address: &Address) -> Option<&ResourceChange> {
        self.changes.iter().find(|c| &c.address == address)
    }

    /// Keeps only the changes of `targets` and of what they need: their transitive dependencies
    /// when converging, their transitive dependents when destroying (those must go first).
    /// Everything else is left as it is. An address that is neither declared nor in the plan is
    /// returned as an error.
    pub fn restrict_to(&mut self, targets: &[Address], scope: TargetScope) -> Result<(), Vec<Address>> {
        let unknown: Vec<Address> =
            targets.iter().filter(|t| !self.graph.contains(t) && self.change(t).is_none()).cloned().collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let mut keep: HashSet<Address> = HashSet::new();
        let mut pending: Vec<Address> = targets.to_vec();
        while let Some(address) = pending.pop() {
            if !keep.insert(address.clone()) {
                continue;
            }
            let next = match scope {
                TargetScope::WithDependencies => self.graph.dependencies(&address),
                TargetScope::WithDependents => self.graph.dependents(&address),
            };
            pending.extend(next.into_iter().cloned());
        }
        self.changes.retain(|c| keep.contains(&c.address));
        Ok(())
    }
}

/// What `--target` brings along with each targeted resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetScope {
    /// Plan and apply: what the target refers to, directly or not.
    WithDependencies,
    /// Destroy: what refers to the target, directly or not.
    WithDependents,
}

/// Computes plans against a provider.
pub struct Planner<'a> {
    provider: &'a dyn Provider,
    ownership: Ownership,
}

impl<'a> Planner<'a> {
    pub fn new(provider: &'a dyn Provider, ownership: Ownership) -> Self {
        Planner { provider, ownership }
    }

    /// Plans converging live state on `graph`: create, update or replace what is declared, and
    /// delete what this stack and stage own but no longer declare.
    pub async fn plan(&self, graph: impl Into<Arc<ResourceGraph>>) -> Result<Plan, EngineError> {
        let graph = graph.into();
        let mut live = self.read(&graph).await?;
        let mut changes = Vec::with_capacity(graph.len());
        // What references read, by place in dependency order: a live resource's outputs; for
        // one being created or replaced, only those known before it exists (its name, ...).
        let current: Vec<Option<&LiveResource>> = graph.order().iter().map(|a| live.get(a)).collect();
        let mut predicted: Vec<Option<Outputs>> = vec![None; graph.len()];
        for (at, desired) in graph.resources().iter().enumerate() {
            let address = &desired.address;
            let value = |place: usize, output: &str| -> Option<&str> {
                match (&predicted[place], current[place]) {
                    (Some(outputs), _) => outputs.get(output),
                    (None, live) => live?.outputs.get(output),
                }
                .map(String::as_str)
            };
            let change = match current[at] {
                // Nothing to compare: what a create sets is resolved when shown (Plan::planned).
                None => ResourceChange {
                    address: address.clone(),
                    action: Action::Create,
                    changes: Vec::new(),
                    replace_because: Vec::new(),
                    live: None,
                    planned: None,
                },
                Some(live) => {
                    // With a fallback, resolution cannot fail on a missing value.
                    let planned = graph.resolve(at, value, Some(UNKNOWN)).map_err(|e| {
                        EngineError::InvalidReference { address: address.clone(), message: e.to_string() }
                    })?;
                    decide(address, planned.into_owned(), live, &self.ownership)?
                }
            };
            if matches!(change.action, Action::Create | Action::Replace) {
                let planned = change.planned.as_ref().map(Cow::Borrowed);
                predicted[at] = Some(predicted_outputs(&graph, at, planned, value));
            }
            changes.push(change);
        }
        drop(current);
        // Each change takes its live state over from the read: nothing is copied.
        for change in &mut changes {
            change.live = live.remove(&change.address);
        }
        let mut orphans: Vec<LiveResource> =
            live.into_values().filter(|l| self.ownership.owns(l.props.tags())).collect();
        orphans.sort_by(|a, b| delete_order(&a.address, &b.address).then_with(|| a.address.cmp(&b.address)));
        changes.extend(orphans.into_iter().map(delete_change));
        Ok(Plan::new(changes, graph))
    }

    /// Plans deleting everything this stack and stage own (declared or not). The organization's
    /// resources ([`Kind::organization_scoped`]) are kept, listed in [`Plan::kept`]: they govern
    /// every stage, and only [`Planner::plan_destroy_organization`] removes them.
    pub async fn plan_destroy(&self, graph: impl Into<Arc<ResourceGraph>>) -> Result<Plan, EngineError> {
        let graph = graph.into();
        let live = self.read(&graph).await?;
        let (shared, live): (Vec<LiveResource>, Vec<LiveResource>) =
            live.into_values().partition(|l| l.address.kind().organization_scoped());
        let mut kept: Vec<Address> = shared.into_iter().map(|l| l.address).collect();
        kept.sort();
        let mut doomed: Vec<LiveResource> = live
            .into_iter()
            // Ours by tags; or declared and untaggable (an archive); or an ID-addressed resource
            // found inside what we own (e.g. a subnet of our VPC that lost a tag). A name-addressed
            // resource without our tags is left alone.
            .filter(|l| {
                let kind = l.address.kind();
                self.ownership.owns(l.props.tags())
                    || (graph.contains(&l.address) && !kind.taggable())
                    || (graph.contains(&l.address) && !kind.name_addressed() && !l.props.tags().contains_key(TAG_STACK))
            })
            .collect();
        let position: HashMap<&Address, usize> = graph.order().iter().enumerate().map(|(i, a)| (a, i)).collect();
        doomed.sort_by(|a, b| {
            delete_order(&a.address, &b.address)
                .then_with(|| {
                    let pa = position.get(&a.address).copied().unwrap_or(usize::MAX);
                    let pb = position.get(&b.address).copied().unwrap_or(usize::MAX);
                    pb.cmp(&pa)
                })
                .then_with(|| a.address.cmp(&b.address))
        });
        let changes = doomed.into_iter().map(delete_change).collect();
        let mut plan = Plan::new(changes, graph);
        plan.kept = kept;
        Ok(plan)
    }

    /// Plans deleting this stack's resources of the organization (its own explicit operation:
    /// a stage's `destroy` never touches them).
    pub async fn plan_destroy_organization(&self, graph: impl Into<Arc<ResourceGraph>>) -> Result<Plan, EngineError> {
        let graph = graph.into();
        let live = self.read(&graph).await?;
        let mut doomed: Vec<LiveResource> = live
            .into_values()
            .filter(|l| l.address.kind().organization_scoped() && self.ownership.owns(l.props.tags()))
            .collect();
        doomed.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(Plan::new(doomed.into_iter().map(delete_change).collect(), graph))
    }

    /// Live state by address (in no particular order: callers sort what they list).
    ///
    /// One read per service, all at once, each retried on its own: a service that still
    /// throttles after its client's retries backs off and reads again without repeating the
    /// other services' reads.
    async fn read(&self, graph: &ResourceGraph) -> Result<HashMap<Address, LiveResource>, EngineError> {
        let mut services: Vec<&'static str> = Kind::ALL.iter().map(|k| k.service()).collect();
        services.sort_unstable();
        services.dedup();
        let reads = services.into_iter().map(|service| {
            let kinds: Vec<Kind> = Kind::ALL.iter().copied().filter(|k| k.service() == service).collect();
            async move {
                let read = || self.provider.read(&kinds, graph.resources(), &self.ownership);
                RetryPolicy::default().retried(read).await
            }
        });
        let live: Vec<LiveResource> =
            futures_util::future::try_join_all(reads).await.map_err(EngineError::Read)?.into_iter().flatten().collect();
        let mut by_address: HashMap<Address, LiveResource> = HashMap::with_capacity(live.len());
        let mut duplicates: BTreeMap<Address, Vec<String>> = BTreeMap::new();
        for l in live {
            if let Some(existing) = by_address.get(&l.address) {
                duplicates
                    .entry(l.address.clone())
                    .or_insert_with(|| vec![existing.physical_id.clone()])
                    .push(l.physical_id.clone());
            } else {
                by_address.insert(l.address.clone(), l);
            }
        }
        if let Some((address, ids)) = duplicates.into_iter().next() {
            return Err(EngineError::DuplicateLive { address, ids: ids.join(", ") });
        }
        Ok(by_address)
    }
}

/// Deletes run dependents first: a kind is deleted before the kinds it depends on.
fn delete_order(a: &Address, b: &Address) -> std::cmp::Ordering {
    b.kind().cmp(&a.kind())
}

/// The outputs of the resource at place `at` known before it exists (its name, ...): from
/// `planned` when planning resolved its properties; otherwise from its declared properties,
/// resolving references through `value` only where those outputs hold one.
fn predicted_outputs<'v>(
    graph: &ResourceGraph,
    at: usize,
    planned: Option<Cow<'_, Props>>,
    value: impl Fn(usize, &str) -> Option<&'v str>,
) -> Outputs {
    if let Some(planned) = planned {
        return planned.predicted_outputs();
    }
    let declared = graph.resources()[at].props.predicted_outputs();
    if declared.values().all(|v| !v.contains("${")) {
        return declared;
    }
    graph.resolve(at, value, Some(UNKNOWN)).map(|p| p.predicted_outputs()).unwrap_or_default()
}

/// The decision for a declared resource that exists, given its `planned` properties.
fn decide(
    address: &Address,
    planned: Props,
    live: &LiveResource,
    ownership: &Ownership,
) -> Result<ResourceChange, EngineError> {
    let tags = live.props.tags();
    let (stack, stage) = (tags.get(TAG_STACK), tags.get(TAG_STAGE));
    // The organization's resources belong to no stage: a stage tag (left by an earlier version)
    // is not another stage's claim, and the update rewrites the tags.
    let stage = stage.filter(|_| !address.kind().organization_scoped());
    if stack.is_some_and(|s| s != &ownership.stack) || stage.is_some_and(|s| s != &ownership.stage) {
        return Err(EngineError::ForeignOwner {
            address: address.clone(),
            stack: stack.cloned().unwrap_or_default(),
            stage: stage.cloned().unwrap_or_default(),
        });
    }
    let changes = diff(&live.props, &planned);
    let replace_because: Vec<String> = changes
        .iter()
        .map(|c| c.path.split('.').next().unwrap_or_default().to_string())
        .filter(|top| address.kind().replace_on().contains(&top.as_str()))
        .collect();
    let kind = address.kind();
    let action = if kind.name_addressed() && kind.taggable() && stack.is_none() {
        Action::Adopt
    } else if changes.is_empty() {
        Action::NoOp
    } else if !replace_because.is_empty() {
        Action::Replace
    } else {
        Action::Update
    };
    // The live state is moved in once every decision is made (references read it until then).
    Ok(ResourceChange {
        address: address.clone(),
        action,
        changes,
        replace_because,
        live: None,
        planned: Some(planned),
    })
}

fn delete_change(live: LiveResource) -> ResourceChange {
    ResourceChange {
        address: live.address.clone(),
        action: Action::Delete,
        changes: Vec::new(),
        replace_because: Vec::new(),
        live: Some(live),
        planned: None,
    }
}
