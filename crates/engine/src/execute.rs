//! The executor: runs a plan's actions, each as soon as its own dependencies have finished,
//! under one bounded semaphore. A failure skips everything that depends on it; the report names
//! the root causes.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bankinfra_model::{
    Address, DeleteOptions, ErrorClass, FieldChange, Kind, LiveResource, Outputs, Ownership, Provider, ProviderError,
    Resource, TAG_STACK, TAG_STAGE, diff,
};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::Semaphore;

use crate::graph::output_at;
use crate::retry::{RetryPolicy, Wait};
use crate::{Action, Plan, ResourceChange, ResourceGraph};

/// How to execute.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Most provider operations in flight at once.
    pub parallelism: usize,
    pub delete: DeleteOptions,
    /// Take over existing, untagged resources planned as `adopt`.
    pub adopt: bool,
    /// Bounds of retries and readiness waits.
    pub retry: RetryPolicy,
}

/// What happened to one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done {
        action: Action,
        elapsed: Duration,
    },
    Failed {
        action: Action,
        error: String,
    },
    /// Not attempted because `because` (a dependency, possibly indirect) failed.
    Skipped {
        action: Action,
        because: Address,
    },
}

/// Progress, reported while the plan runs: for each resource one `Started`, then any number of
/// `Retrying` and `AwaitingReadiness`, then one `Finished` (a resource skipped or never run
/// gets only its `Finished`).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started {
        address: Address,
        action: Action,
    },
    /// A step failed in a way the retry policy backs off from (throttled, transient,
    /// unreachable): after `pause`, attempt number `attempt` of at most `attempts` follows
    /// (after looking up whether the failed call took effect).
    Retrying {
        address: Address,
        attempt: u32,
        attempts: u32,
        class: ErrorClass,
        /// The failure, with the service's code and message.
        reason: String,
        pause: Duration,
    },
    /// A call failed because something it depends on is not visible yet (eventual
    /// consistency): it is made again after `pause`; it has been waiting for `waited`.
    AwaitingReadiness {
        address: Address,
        reason: String,
        pause: Duration,
        waited: Duration,
    },
    Finished {
        address: Address,
        outcome: Outcome,
    },
}

impl Event {
    /// The resource this event is about.
    pub fn address(&self) -> &Address {
        match self {
            Event::Started { address, .. }
            | Event::Retrying { address, .. }
            | Event::AwaitingReadiness { address, .. }
            | Event::Finished { address, .. } => address,
        }
    }

    /// The event reporting a pause the retry policy takes while working on `address`.
    fn of_wait(address: &Address, wait: Wait) -> Event {
        match wait {
            Wait::Backoff { attempt, attempts, pause, error } => Event::Retrying {
                address: address.clone(),
                attempt,
                attempts,
                class: error.class,
                reason: error.to_string(),
                pause,
            },
            Wait::Readiness { pause, waited, error } => {
                Event::AwaitingReadiness { address: address.clone(), reason: error.to_string(), pause, waited }
            }
        }
    }
}

/// The result of an apply or destroy.
#[derive(Debug, Clone, Default)]
pub struct ApplyReport {
    pub outcomes: Vec<(Address, Outcome)>,
    /// Outputs of every resource that exists afterwards.
    pub outputs: HashMap<Address, Outputs>,
}

impl ApplyReport {
    /// The failures that caused every other failure or skip.
    pub fn root_causes(&self) -> Vec<(&Address, &str)> {
        self.outcomes
            .iter()
            .filter_map(|(a, o)| match o {
                Outcome::Failed { error, .. } => Some((a, error.as_str())),
                _ => None,
            })
            .collect()
    }

    pub fn skipped(&self) -> usize {
        self.outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Skipped { .. })).count()
    }

    pub fn succeeded(&self) -> bool {
        self.outcomes.iter().all(|(_, o)| matches!(o, Outcome::Done { .. }))
    }
}

/// Runs plans through a provider.
pub struct Executor {
    provider: Arc<dyn Provider>,
    options: ApplyOptions,
    /// Whose resources these are: a failed step looks its resource up by these tags.
    ownership: Ownership,
}

/// Which part of a change a node performs. A replace is two nodes, so that its delete runs in
/// delete order (after the deletes of its dependents) and its create in create order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Whole,
    RemoveForReplace,
    CreateForReplace,
}

/// One unit of the execution graph: a step of a plan's change, or a barrier (no provider work,
/// done as soon as everything before it is; barriers keep the graph linear in the plan's size).
struct Node {
    /// Index into the plan's changes; `None` for a barrier.
    change: Option<usize>,
    step: Step,
    waiting_on: usize,
    /// Nodes that need this one to succeed: skipped when it fails.
    hard: Vec<usize>,
    /// Nodes that only run after this one, whatever its outcome.
    soft: Vec<usize>,
    /// The most steps on any path from this node to the end of the run, itself included: of
    /// the steps ready at once, those heading the longest chains start first.
    chain: usize,
}

impl Node {
    fn new(change: Option<usize>, step: Step) -> Node {
        Node { change, step, waiting_on: 0, hard: Vec::new(), soft: Vec::new(), chain: 0 }
    }

    fn barrier() -> Node {
        Node::new(None, Step::Whole)
    }

    fn is_barrier(&self) -> bool {
        self.change.is_none()
    }

    fn removes(&self, changes: &[ResourceChange]) -> bool {
        self.step == Step::RemoveForReplace || self.change.is_some_and(|c| changes[c].action == Action::Delete)
    }

    fn creates_or_updates(&self, changes: &[ResourceChange]) -> bool {
        self.change.is_some() && !self.removes(changes)
    }
}

/// Nodes free to run: barriers at once; steps longest chain first, then in plan order.
#[derive(Default)]
struct Ready {
    barriers: Vec<usize>,
    steps: BinaryHeap<(usize, Reverse<usize>)>,
}

impl Ready {
    fn push(&mut self, nodes: &[Node], i: usize) {
        if nodes[i].is_barrier() {
            self.barriers.push(i);
        } else {
            self.steps.push((nodes[i].chain, Reverse(i)));
        }
    }

    fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        self.barriers.retain(|&i| keep(i));
        self.steps.retain(|&(_, Reverse(i))| keep(i));
    }
}

impl Executor {
    pub fn new(provider: Arc<dyn Provider>, options: ApplyOptions, ownership: Ownership) -> Self {
        Executor { provider, options, ownership }
    }

    /// Executes every non-no-op change of `plan`, each as soon as what it waits for has finished:
    /// creates and updates after their dependencies; deletes after the deletes of their
    /// dependents and after every create and update; a replace deletes in delete order, then
    /// creates in create order.
    pub async fn apply(&self, plan: &Plan, on_event: &(dyn Fn(&Event) + Sync)) -> ApplyReport {
        let mut report = ApplyReport { outcomes: Vec::with_capacity(plan.changes.len()), outputs: HashMap::new() };
        let places = places(plan);
        let nodes = schedule(plan, &places);
        let known = self.run(plan, &places, nodes, &mut report, on_event).await;
        report.outputs = known.into_map(&plan.graph);
        report
    }

    async fn run(
        &self,
        plan: &Plan,
        places: &[Option<usize>],
        mut nodes: Vec<Node>,
        report: &mut ApplyReport,
        on_event: &(dyn Fn(&Event) + Sync),
    ) -> Known {
        let changes = &plan.changes;
        let mut known = Known::new(plan, places);
        let semaphore = Semaphore::new(self.options.parallelism.max(1));
        let mut ready = Ready::default();
        for i in (0..nodes.len()).filter(|&i| nodes[i].waiting_on == 0) {
            ready.push(&nodes, i);
        }
        let mut settled = vec![false; nodes.len()];
        let mut skipped: Vec<(usize, Address)> = Vec::new();
        let mut first_start: Vec<Option<Instant>> = vec![None; changes.len()];
        // Steps in flight, polled here: provider calls are I/O, and the SDK's connections run on
        // the runtime's workers; a step borrows its change from the plan instead of a copy.
        let mut running = FuturesUnordered::new();
        loop {
            // Barriers have no work: done as soon as they are free.
            while let Some(b) = ready.barriers.pop() {
                settled[b] = true;
                let dependents: Vec<usize> = nodes[b].hard.iter().chain(&nodes[b].soft).copied().collect();
                release(&mut nodes, &dependents, &settled, &mut ready);
            }
            while let Some(&(_, Reverse(i))) = ready.steps.peek() {
                let Ok(permit) = semaphore.try_acquire() else { break };
                ready.steps.pop();
                let c = nodes[i].change.expect("only steps are queued");
                let change = &changes[c];
                if first_start[c].is_none() {
                    first_start[c] = Some(Instant::now());
                    on_event(&Event::Started { address: change.address.clone(), action: change.action });
                }
                let step = self.step(plan, change, places[c], nodes[i].step, &known, on_event);
                running.push(async move {
                    let result = step.await;
                    drop(permit);
                    (i, result)
                });
            }
            let Some((i, result)) = running.next().await else { break };
            settled[i] = true;
            let c = nodes[i].change.expect("only steps run");
            let change = &changes[c];
            let (address, action, step) = (&change.address, change.action, nodes[i].step);
            let outcome = match result {
                Ok(outputs) => {
                    known.set(address, places[c], outputs);
                    // A finished node's edges are not needed again.
                    let (hard, soft) = (std::mem::take(&mut nodes[i].hard), std::mem::take(&mut nodes[i].soft));
                    release(&mut nodes, &hard, &settled, &mut ready);
                    release(&mut nodes, &soft, &settled, &mut ready);
                    let elapsed = first_start[c].map_or(Duration::ZERO, |t| t.elapsed());
                    (step != Step::RemoveForReplace).then_some(Outcome::Done { action, elapsed })
                }
                Err(error) => {
                    // The resource may be half-changed: only its own read on the next plan knows.
                    for blocked in block(&mut nodes, i, &mut settled, &mut ready) {
                        skipped.push((blocked, address.clone()));
                    }
                    Some(Outcome::Failed { action, error })
                }
            };
            if let Some(outcome) = outcome {
                on_event(&Event::Finished { address: address.clone(), outcome: outcome.clone() });
                report.outcomes.push((address.clone(), outcome));
            }
        }
        let mut reported: HashSet<Address> = report.outcomes.iter().map(|(a, _)| a.clone()).collect();
        skipped.sort_by_key(|(i, _)| *i);
        for (i, because) in skipped {
            let Some(c) = nodes[i].change else { continue };
            let change = &changes[c];
            if reported.insert(change.address.clone()) {
                let outcome = Outcome::Skipped { action: change.action, because };
                on_event(&Event::Finished { address: change.address.clone(), outcome: outcome.clone() });
                report.outcomes.push((change.address.clone(), outcome));
            }
        }
        // Anything still unsettled waits on a cycle: never report it as done.
        for (i, node) in nodes.iter().enumerate() {
            let Some(c) = node.change else { continue };
            let change = &changes[c];
            if !settled[i] && reported.insert(change.address.clone()) {
                let outcome = Outcome::Failed {
                    action: change.action,
                    error: "internal error: not run, its ordering constraints form a cycle".into(),
                };
                on_event(&Event::Finished { address: change.address.clone(), outcome: outcome.clone() });
                report.outcomes.push((change.address.clone(), outcome));
            }
        }
        known
    }

    /// The provider work for one step of a change. References are resolved now, against the
    /// outputs known when the step starts (its dependencies have finished).
    fn step<'a>(
        &'a self,
        plan: &'a Plan,
        change: &'a ResourceChange,
        place: Option<usize>,
        step: Step,
        known: &Known,
        on_event: &'a (dyn Fn(&Event) + Sync),
    ) -> impl std::future::Future<Output = Result<Option<Outputs>, String>> + 'a {
        let action = change.action;
        let resolved: Result<Option<Cow<'a, Resource>>, String> = match step {
            Step::RemoveForReplace => Ok(None),
            Step::Whole | Step::CreateForReplace => plan
                .desired(change)
                .zip(place)
                .map(|(d, at)| match plan.graph.resolve(at, |p, o| known.output(p, o), None) {
                    Ok(Cow::Borrowed(_)) => Ok(Cow::Borrowed(d)),
                    Ok(Cow::Owned(props)) => Ok(Cow::Owned(Resource::new(d.address.clone(), props))),
                    Err(e) => Err(e.to_string()),
                })
                .transpose(),
        };
        async move {
            let desired = resolved?;
            let observe = |wait: Wait| on_event(&Event::of_wait(&change.address, wait));
            let runner = StepRunner {
                provider: self.provider.as_ref(),
                options: &self.options,
                ownership: &self.ownership,
                observe: &observe,
            };
            let need = |what: &str| format!("internal error: {} change without {what}", action.as_str());
            let live = change.live.as_ref();
            let result = match (action, step) {
                (Action::Create, _) | (Action::Replace, Step::CreateForReplace) => {
                    let d = desired.ok_or_else(|| need("desired state"))?;
                    runner.create(&d).await.map(Some)
                }
                (Action::Delete, _) | (Action::Replace, Step::RemoveForReplace) => {
                    let l = live.ok_or_else(|| need("live state"))?;
                    runner.delete(l).await.map(|()| None)
                }
                (Action::Update | Action::Adopt, _) => {
                    if action == Action::Adopt && !self.options.adopt {
                        return Err("exists without this stack's ownership tags; re-run with --adopt to bring it under management".into());
                    }
                    let d = desired.ok_or_else(|| need("desired state"))?;
                    let l = live.ok_or_else(|| need("live state"))?;
                    runner.update(l, &d, &change.changes).await.map(Some)
                }
                (Action::Replace, Step::Whole) => return Err(need("a delete and a create step")),
                (Action::NoOp, _) => Ok(live.map(|l| l.outputs.clone())),
            };
            result.map_err(|e| e.to_string())
        }
    }
}

/// The outputs of what exists, as the run goes: declared resources by place in dependency order
/// (what references read, without hashing), others by address.
struct Known {
    by_place: Vec<Option<Outputs>>,
    others: HashMap<Address, Outputs>,
}

impl Known {
    /// What exists before the run: the live state of every change (`places` are the changes'
    /// places in the graph).
    fn new(plan: &Plan, places: &[Option<usize>]) -> Known {
        let mut known = Known { by_place: vec![None; plan.graph.len()], others: HashMap::new() };
        for (change, &place) in plan.changes.iter().zip(places) {
            if let Some(live) = &change.live {
                known.set(&change.address, place, Some(live.outputs.clone()));
            }
        }
        known
    }

    /// Records the outputs of `address` (at `place` when declared); `None` once it is gone.
    fn set(&mut self, address: &Address, place: Option<usize>, outputs: Option<Outputs>) {
        match (place, outputs) {
            (Some(at), outputs) => self.by_place[at] = outputs,
            (None, Some(outputs)) => {
                self.others.insert(address.clone(), outputs);
            }
            (None, None) => {
                self.others.remove(address);
            }
        }
    }

    /// An output of the declared resource at `place`.
    fn output(&self, place: usize, output: &str) -> Option<&str> {
        output_at(&self.by_place, place, output)
    }

    fn into_map(self, graph: &ResourceGraph) -> HashMap<Address, Outputs> {
        let mut map = self.others;
        map.reserve(self.by_place.len());
        for (address, outputs) in graph.order().iter().zip(self.by_place) {
            if let Some(outputs) = outputs {
                map.insert(address.clone(), outputs);
            }
        }
        map
    }
}

/// One step's provider calls under the engine's retry policy (see [`crate::retry`]): a step
/// that fails in a way that may have taken effect looks its resource up before trying again.
struct StepRunner<'a> {
    provider: &'a dyn Provider,
    options: &'a ApplyOptions,
    ownership: &'a Ownership,
    /// Told of every backoff and readiness wait before it is taken.
    observe: &'a (dyn Fn(Wait) + Sync),
}

impl StepRunner<'_> {
    async fn create(&self, desired: &Resource) -> Result<Outputs, ProviderError> {
        let create = || self.provider.create(desired);
        // Recovery is rare: boxed, so that every step's future does not carry its state.
        let recover = || Box::pin(self.bring_existing_to(desired));
        self.options.retry.with_recovery_observed(create, recover, self.observe).await
    }

    async fn update(
        &self,
        live: &LiveResource,
        desired: &Resource,
        changes: &[FieldChange],
    ) -> Result<Outputs, ProviderError> {
        let update = || self.provider.update(live, desired, changes);
        let recover = || Box::pin(self.bring_existing_to(desired));
        self.options.retry.with_recovery_observed(update, recover, self.observe).await
    }

    async fn delete(&self, live: &LiveResource) -> Result<(), ProviderError> {
        let delete = || self.provider.delete(live, &self.options.delete);
        let gone = || {
            Box::pin(async {
                let found = self.find(&Resource::new(live.address.clone(), live.props.clone())).await?;
                Ok(found.filter(|f| f.physical_id == live.physical_id).is_none().then_some(()))
            })
        };
        self.options.retry.with_recovery_observed(delete, gone, self.observe).await
    }

    /// The live resource at `resource`'s address, looked up as the planner does (by name or by
    /// ownership tags). Never mutates.
    async fn find(&self, resource: &Resource) -> Result<Option<LiveResource>, ProviderError> {
        let kind = [resource.address.kind()];
        let read = || self.provider.read(&kind, std::slice::from_ref(resource), self.ownership);
        let live = self.options.retry.retried_observed(read, self.observe).await?;
        Ok(live.into_iter().find(|l| l.address == resource.address))
    }

    /// After a failure that may have taken effect: `None` if `desired` does not exist yet;
    /// otherwise the outputs of the existing resource, updated where it differs from `desired`.
    /// Refuses a taggable resource without this stack's and stage's tags: this run did not make
    /// it.
    async fn bring_existing_to(&self, desired: &Resource) -> Result<Option<Outputs>, ProviderError> {
        let Some(live) = self.find(desired).await? else { return Ok(None) };
        let operation = format!("look up {}", desired.address);
        let kind = desired.address.kind();
        let tags = live.props.tags();
        let (stack, stage) = (tags.get(TAG_STACK), tags.get(TAG_STAGE));
        if kind.taggable() && (stack != Some(&self.ownership.stack) || stage != Some(&self.ownership.stage)) {
            return Err(ProviderError::permanent(
                operation,
                format!("{} exists but is not this stack's and stage's, so this run did not make it", live.physical_id),
            ));
        }
        let changes = diff(&live.props, &desired.props);
        if changes.is_empty() {
            return Ok(Some(live.outputs));
        }
        let forced: Vec<&str> = changes
            .iter()
            .map(|c| c.path.split('.').next().unwrap_or_default())
            .filter(|top| kind.replace_on().contains(top))
            .collect();
        if !forced.is_empty() {
            return Err(ProviderError::permanent(
                operation,
                format!(
                    "{} exists but differs in {}, which needs a replace; plan again",
                    live.physical_id,
                    forced.join(", ")
                ),
            ));
        }
        let update = || self.provider.update(&live, desired, &changes);
        Ok(Some(self.options.retry.until_ready_observed(update, self.observe).await?))
    }
}

/// Each change's place in the plan's graph (`None` for what is not declared).
fn places(plan: &Plan) -> Vec<Option<usize>> {
    plan.changes.iter().map(|c| plan.graph.place_of(&c.address)).collect()
}

/// Counts one predecessor of each of `dependents` as finished; queues those now free to run.
fn release(nodes: &mut [Node], dependents: &[usize], settled: &[bool], ready: &mut Ready) {
    for &d in dependents {
        nodes[d].waiting_on -= 1;
        if nodes[d].waiting_on == 0 && !settled[d] {
            ready.push(nodes, d);
        }
    }
}

/// Settles every node that needs `failed` (transitively, through hard edges) as skipped, and
/// releases the soft dependents of all of them. Returns the skipped nodes (barriers included).
fn block(nodes: &mut [Node], failed: usize, settled: &mut [bool], ready: &mut Ready) -> Vec<usize> {
    let mut skipped = Vec::new();
    let mut finished = vec![failed];
    while let Some(f) = finished.pop() {
        for h in nodes[f].hard.clone() {
            if !settled[h] {
                settled[h] = true;
                skipped.push(h);
                finished.push(h);
            }
        }
        let soft = nodes[f].soft.clone();
        release(nodes, &soft, settled, ready);
    }
    ready.retain(|r| !settled[r]);
    skipped
}

/// Builds the execution graph of a plan's changes. Its size is linear in the plan's: the kind
/// order of removals and "deletes after every create and update" go through barriers rather
/// than an edge per pair.
fn schedule(plan: &Plan, places: &[Option<usize>]) -> Vec<Node> {
    let changes = &plan.changes;
    let mut nodes: Vec<Node> = Vec::new();
    for (c, change) in changes.iter().enumerate().filter(|(_, c)| c.action != Action::NoOp) {
        if change.action == Action::Replace {
            nodes.push(Node::new(Some(c), Step::RemoveForReplace));
            nodes.push(Node::new(Some(c), Step::CreateForReplace));
        } else {
            nodes.push(Node::new(Some(c), Step::Whole));
        }
    }
    let steps = nodes.len();
    let address = |n: &Node| &changes[n.change.expect("a step")].address;
    let mut edges = Edges::default();
    // Creates and updates: after the creates, updates and replaces of what they refer to.
    let builders: Vec<usize> = (0..steps).filter(|&i| nodes[i].creates_or_updates(changes)).collect();
    let place = |i: usize| places[nodes[i].change.expect("a step")];
    // By place in the graph (builders are declared): the builder there, if any.
    let mut builder_at: Vec<Option<usize>> = vec![None; plan.graph.len()];
    for &i in &builders {
        if let Some(at) = place(i) {
            builder_at[at] = Some(i);
        }
    }
    for &i in &builders {
        // Each graph edge joins two places once, and each place has one builder: these
        // constraints are new, and no later one joins two builders.
        let dependencies = place(i).into_iter().flat_map(|at| plan.graph.dependency_places(at));
        for d in dependencies.filter_map(|at| builder_at[at]) {
            edges.add_new(d, i, true);
        }
        if nodes[i].step == Step::CreateForReplace {
            edges.add_new(i - 1, i, true);
        }
    }
    // Removals: a resource goes after everything being removed that depends on it. Declared
    // references first; the fixed kind order only where it contradicts none of them.
    let removals: Vec<usize> = (0..steps).filter(|&i| nodes[i].removes(changes)).collect();
    let removal_of: HashMap<&Address, usize> = removals.iter().map(|&x| (address(&nodes[x]), x)).collect();
    // Declared: `y` refers to `x`, so `y` goes first.
    let mut declared: HashMap<usize, Vec<usize>> = HashMap::new();
    for &x in &removals {
        for dependent in plan.graph.dependents_unordered(address(&nodes[x])) {
            if let Some(&y) = removal_of.get(dependent)
                && edges.add(y, x, true)
            {
                declared.entry(y).or_default().push(x);
            }
        }
    }
    let kind = |i: usize| address(&nodes[i]).kind();
    let position = removal_order(&removals, &declared, kind);
    // The kind order, kept only where it agrees with `position` (a topological order of the
    // declared references that follows the kind order wherever they allow): every removal edge
    // then points forward in `position`, so none closes a cycle. A removal of kind `J` waits for
    // the removals of each kind `K` that depends on `J` placed before it, through a chain of
    // barriers over kind `K`'s removals: one barrier when nothing contradicts the kind order.
    let mut by_kind: BTreeMap<Kind, Vec<usize>> = BTreeMap::new();
    let mut ordered = removals.clone();
    ordered.sort_by_key(|x| position[x]);
    for &x in &ordered {
        by_kind.entry(kind(x)).or_default().push(x);
    }
    let mut extra: Vec<Node> = Vec::new();
    for (&k, before) in &by_kind {
        let targets: Vec<usize> = k.depends_on().iter().filter_map(|j| by_kind.get(j)).flatten().copied().collect();
        if targets.is_empty() {
            continue;
        }
        let positions: Vec<usize> = before.iter().map(|y| position[y]).collect();
        // For each target, how many of `before` precede it.
        let cut = |x: usize| positions.partition_point(|&p| p < position[&x]);
        let mut cuts: Vec<usize> = targets.iter().map(|&x| cut(x)).filter(|&c| c > 0).collect();
        cuts.sort_unstable();
        cuts.dedup();
        // One barrier per distinct cut: waits for `before[..cut]` (through the previous one).
        let mut barrier_at: HashMap<usize, usize> = HashMap::new();
        let mut previous: Option<(usize, usize)> = None;
        for &c in &cuts {
            let b = steps + extra.len();
            extra.push(Node::barrier());
            let from = previous.map_or(0, |(_, pc)| pc);
            for &y in &before[from..c] {
                edges.add(y, b, true);
            }
            if let Some((pb, _)) = previous {
                edges.add(pb, b, true);
            }
            barrier_at.insert(c, b);
            previous = Some((b, c));
        }
        for &x in &targets {
            if let Some(&b) = barrier_at.get(&cut(x)) {
                edges.add(b, x, true);
            }
        }
    }
    nodes.extend(extra);
    // Plain deletes go last, after every create and update, unless something being replaced
    // needs them gone first (they depend on it, directly or through other removals).
    let early =
        edges.closure(nodes.len(), removals.iter().copied().filter(|&x| nodes[x].step == Step::RemoveForReplace));
    let late: Vec<usize> = removals.iter().copied().filter(|x| !early.contains(x)).collect();
    if !builders.is_empty() && !late.is_empty() {
        let b = nodes.len();
        nodes.push(Node::barrier());
        for &builder in &builders {
            edges.add(builder, b, false);
        }
        for &x in &late {
            edges.add(b, x, false);
        }
    }
    for (from, to, hard) in edges.list {
        if hard {
            nodes[from].hard.push(to);
        } else {
            nodes[from].soft.push(to);
        }
        nodes[to].waiting_on += 1;
    }
    longest_chains(&mut nodes);
    nodes
}

/// The position of each removal in one order of them all: after what refers to it (declared
/// references), and otherwise dependent kinds first, as far as the references allow. A removal
/// leading to removals of a later kind goes as early as that kind.
fn removal_order(
    removals: &[usize],
    declared: &HashMap<usize, Vec<usize>>,
    kind: impl Fn(usize) -> Kind,
) -> HashMap<usize, usize> {
    let next = |x: usize| declared.get(&x).map_or(&[][..], Vec::as_slice);
    let mut waiting: HashMap<usize, usize> = removals.iter().map(|&x| (x, 0)).collect();
    for &y in removals {
        for &x in next(y) {
            *waiting.get_mut(&x).expect("a removal") += 1;
        }
    }
    // Any topological order of the declared references (they form a DAG: the graph's edges).
    let mut topo: Vec<usize> = removals.iter().copied().filter(|x| waiting[x] == 0).collect();
    let mut count = waiting.clone();
    let mut at = 0;
    while at < topo.len() {
        let y = topo[at];
        at += 1;
        for &x in next(y) {
            let c = count.get_mut(&x).expect("a removal");
            *c -= 1;
            if *c == 0 {
                topo.push(x);
            }
        }
    }
    // The latest kind each removal leads to (itself included).
    let mut lead: HashMap<usize, Kind> = HashMap::new();
    for &y in topo.iter().rev() {
        let k = next(y).iter().filter_map(|x| lead.get(x)).copied().fold(kind(y), Kind::max);
        lead.insert(y, k);
    }
    let mut heap: BinaryHeap<(Kind, Kind, Reverse<usize>)> =
        removals.iter().copied().filter(|x| waiting[x] == 0).map(|x| (lead[&x], kind(x), Reverse(x))).collect();
    let mut position = HashMap::with_capacity(removals.len());
    while let Some((_, _, Reverse(y))) = heap.pop() {
        position.insert(y, position.len());
        for &x in next(y) {
            let w = waiting.get_mut(&x).expect("a removal");
            *w -= 1;
            if *w == 0 {
                heap.push((lead[&x], kind(x), Reverse(x)));
            }
        }
    }
    position
}

/// Sets each node's `chain`: the most steps (barriers count none) on any path from it to the
/// end. Nodes on a cycle (never expected) keep 0.
fn longest_chains(nodes: &mut [Node]) {
    let mut waiting: Vec<usize> = nodes.iter().map(|n| n.waiting_on).collect();
    let mut order: Vec<usize> = (0..nodes.len()).filter(|&i| waiting[i] == 0).collect();
    let mut at = 0;
    while at < order.len() {
        let n = order[at];
        at += 1;
        for &d in nodes[n].hard.iter().chain(&nodes[n].soft) {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                order.push(d);
            }
        }
    }
    for &n in order.iter().rev() {
        let after = nodes[n].hard.iter().chain(&nodes[n].soft).map(|&d| nodes[d].chain).max().unwrap_or(0);
        nodes[n].chain = after + usize::from(!nodes[n].is_barrier());
    }
}

/// Ordering constraints `from` → `to` (`to` waits for `from`), each once.
#[derive(Default)]
struct Edges {
    list: Vec<(usize, usize, bool)>,
    seen: HashSet<(usize, usize)>,
}

impl Edges {
    /// Adds a constraint known not to be there yet, without the check.
    fn add_new(&mut self, from: usize, to: usize, hard: bool) {
        self.list.push((from, to, hard));
    }

    /// Adds the constraint; false if it was there already.
    fn add(&mut self, from: usize, to: usize, hard: bool) -> bool {
        if !self.seen.insert((from, to)) {
            return false;
        }
        self.list.push((from, to, hard));
        true
    }

    /// `roots` and every node they wait for, directly or indirectly, among `nodes` nodes.
    fn closure(&self, nodes: usize, roots: impl Iterator<Item = usize>) -> HashSet<usize> {
        let mut stack: Vec<usize> = roots.collect();
        if stack.is_empty() {
            return HashSet::new();
        }
        let mut before: Vec<Vec<usize>> = vec![Vec::new(); nodes];
        for &(from, to, _) in &self.list {
            before[to].push(from);
        }
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if seen.insert(n) {
                stack.extend(before[n].iter().copied());
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResourceGraph;
    use bankinfra_model::props::ec2::Vpc;
    use bankinfra_model::props::ssm::Parameter;
    use bankinfra_model::{Outputs, Props};

    fn delete(address: Address, props: Props) -> ResourceChange {
        ResourceChange {
            address: address.clone(),
            action: Action::Delete,
            changes: Vec::new(),
            replace_because: Vec::new(),
            live: Some(LiveResource { address, physical_id: "id".into(), props, outputs: Outputs::new() }),
            planned: None,
        }
    }

    fn edges(nodes: &[Node]) -> usize {
        nodes.iter().map(|n| n.hard.len() + n.soft.len()).sum()
    }

    #[test]
    fn the_kind_order_of_many_removals_takes_edges_linear_in_their_number() {
        let (params, vpcs) = (2_000, 50);
        let mut changes = Vec::new();
        for v in 0..vpcs {
            let props = Props::Vpc(Vpc {
                cidr_block: format!("10.{v}.0.0/16"),
                enable_dns_support: true,
                enable_dns_hostnames: true,
                tags: Default::default(),
            });
            changes.push(delete(Address::new(Kind::Vpc, format!("v{v}")), props));
        }
        for p in 0..params {
            let props = Props::SsmParameter(Parameter {
                name: format!("p{p}"),
                value: "x".into(),
                parameter_type: "String".into(),
                description: String::new(),
                tags: Default::default(),
            });
            changes.push(delete(Address::new(Kind::SsmParameter, format!("p{p}")), props));
        }
        let plan = Plan::new(changes, ResourceGraph::build(Vec::new()).unwrap().into());
        let nodes = schedule(&plan, &places(&plan));
        // One barrier after the parameters, before the VPCs (not one edge per pair: 100,000).
        assert_eq!(nodes.len(), params + vpcs + 1);
        assert_eq!(edges(&nodes), params + vpcs);
        let barrier = &nodes[params + vpcs];
        assert_eq!((barrier.waiting_on, barrier.hard.len()), (params, vpcs));
        // Critical path first: the parameters head chains of two steps, the VPCs of one.
        assert!(nodes.iter().filter(|n| n.change.is_some_and(|c| c >= vpcs)).all(|n| n.chain == 2));
        assert!(nodes.iter().filter(|n| n.change.is_some_and(|c| c < vpcs)).all(|n| n.chain == 1));
    }
}
