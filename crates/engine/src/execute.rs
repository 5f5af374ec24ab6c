//! The executor: runs a plan's actions, each as soon as its own dependencies have finished,
//! under one bounded semaphore. A failure skips everything that depends on it; the report names
//! the root causes.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bankinfra_model::template::Reference;
use bankinfra_model::{
    Address, DeleteOptions, ErrorClass, FieldChange, LiveResource, Outputs, Ownership, Provider, ProviderError,
    Resource, TAG_STACK, TAG_STAGE, diff,
};
use tokio::sync::Semaphore;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::retry::{RetryPolicy, Wait};
use crate::{Action, Plan, ResourceChange};

/// How to execute.
#[derive(Debug, Clone, Copy)]
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

struct Node {
    change: ResourceChange,
    step: Step,
    waiting_on: usize,
    /// Nodes that need this one to succeed: skipped when it fails.
    hard: Vec<usize>,
    /// Nodes that only run after this one, whatever its outcome.
    soft: Vec<usize>,
}

impl Node {
    fn new(change: &ResourceChange, step: Step) -> Node {
        Node { change: change.clone(), step, waiting_on: 0, hard: Vec::new(), soft: Vec::new() }
    }

    fn removes(&self) -> bool {
        self.step == Step::RemoveForReplace || self.change.action == Action::Delete
    }

    fn creates_or_updates(&self) -> bool {
        !self.removes()
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
        let mut report = ApplyReport::default();
        for change in &plan.changes {
            if let Some(live) = &change.live {
                report.outputs.insert(change.address.clone(), live.outputs.clone());
            }
        }
        let nodes = schedule(plan);
        self.run(nodes, &mut report, on_event).await;
        report
    }

    async fn run(&self, mut nodes: Vec<Node>, report: &mut ApplyReport, on_event: &(dyn Fn(&Event) + Sync)) {
        let semaphore = Arc::new(Semaphore::new(self.options.parallelism.max(1)));
        // Jobs run in spawned tasks and `on_event` is borrowed: they send their events (retries,
        // readiness waits) here, and this loop hands them on, in order, before the job's end.
        let (events, mut received) = mpsc::unbounded_channel::<Event>();
        let mut ready: VecDeque<usize> = (0..nodes.len()).filter(|&i| nodes[i].waiting_on == 0).collect();
        let mut settled = vec![false; nodes.len()];
        let mut skipped: Vec<(usize, Address)> = Vec::new();
        let mut first_start: HashMap<Address, Instant> = HashMap::new();
        let mut running = JoinSet::new();
        loop {
            while let Some(&i) = ready.front() {
                let Ok(permit) = semaphore.clone().try_acquire_owned() else { break };
                ready.pop_front();
                let change = &nodes[i].change;
                if !first_start.contains_key(&change.address) {
                    first_start.insert(change.address.clone(), Instant::now());
                    on_event(&Event::Started { address: change.address.clone(), action: change.action });
                }
                let job = self.job(change, nodes[i].step, &report.outputs, events.clone());
                running.spawn(async move {
                    let result = job.await;
                    drop(permit);
                    (i, result)
                });
            }
            let joined = loop {
                tokio::select! {
                    biased;
                    Some(event) = received.recv() => on_event(&event),
                    joined = running.join_next() => break joined,
                }
            };
            // A finished job's last events were sent before it returned: report them first.
            while let Ok(event) = received.try_recv() {
                on_event(&event);
            }
            let Some(joined) = joined else { break };
            let (i, result) = match joined {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic.into_panic()),
            };
            settled[i] = true;
            let (address, action, step) = (nodes[i].change.address.clone(), nodes[i].change.action, nodes[i].step);
            let outcome = match result {
                Ok(live) => {
                    match live {
                        Some(l) => report.outputs.insert(address.clone(), l.outputs),
                        None => report.outputs.remove(&address),
                    };
                    let dependents: Vec<usize> = nodes[i].hard.iter().chain(&nodes[i].soft).copied().collect();
                    release(&mut nodes, &dependents, &settled, &mut ready);
                    let elapsed = first_start.get(&address).map_or(Duration::ZERO, Instant::elapsed);
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
                report.outcomes.push((address, outcome));
            }
        }
        let mut reported: HashSet<Address> = report.outcomes.iter().map(|(a, _)| a.clone()).collect();
        skipped.sort_by_key(|(i, _)| *i);
        for (i, because) in skipped {
            let change = &nodes[i].change;
            if reported.insert(change.address.clone()) {
                let outcome = Outcome::Skipped { action: change.action, because };
                on_event(&Event::Finished { address: change.address.clone(), outcome: outcome.clone() });
                report.outcomes.push((change.address.clone(), outcome));
            }
        }
        // Anything still unsettled waits on a cycle: never report it as done.
        for (i, node) in nodes.iter().enumerate() {
            if !settled[i] && reported.insert(node.change.address.clone()) {
                let outcome = Outcome::Failed {
                    action: node.change.action,
                    error: "internal error: not run, its ordering constraints form a cycle".into(),
                };
                on_event(&Event::Finished { address: node.change.address.clone(), outcome: outcome.clone() });
                report.outcomes.push((node.change.address.clone(), outcome));
            }
        }
    }

    /// The provider work for one step of a change; resolves references against the outputs
    /// known now.
    fn job(
        &self,
        change: &ResourceChange,
        step: Step,
        outputs: &HashMap<Address, Outputs>,
        events: mpsc::UnboundedSender<Event>,
    ) -> impl std::future::Future<Output = Result<Option<LiveResource>, String>> + Send + 'static {
        let provider = self.provider.clone();
        let address = change.address.clone();
        let options = self.options;
        let ownership = self.ownership.clone();
        let action = change.action;
        let live = change.live.clone();
        let changes = change.changes.clone();
        let resolved: Result<Option<Resource>, String> = match step {
            Step::RemoveForReplace => Ok(None),
            Step::Whole | Step::CreateForReplace => change
                .desired
                .as_ref()
                .map(|d| {
                    let lookup = |r: &Reference| outputs.get(&r.address)?.get(&r.output).cloned();
                    d.props
                        .resolve(&lookup, None)
                        .map(|props| Resource::new(d.address.clone(), props))
                        .map_err(|e| e.to_string())
                })
                .transpose(),
        };
        async move {
            let desired = resolved?;
            let observe = move |wait: Wait| {
                // The run loop outlives every job; a send can only fail once it is gone.
                let _ = events.send(Event::of_wait(&address, wait));
            };
            let runner =
                StepRunner { provider: provider.as_ref(), options: &options, ownership: &ownership, observe: &observe };
            let need = |what: &str| format!("internal error: {} change without {what}", action.as_str());
            let result = match (action, step) {
                (Action::Create, _) | (Action::Replace, Step::CreateForReplace) => {
                    let d = desired.ok_or_else(|| need("desired state"))?;
                    runner.create(&d).await.map(Some)
                }
                (Action::Delete, _) | (Action::Replace, Step::RemoveForReplace) => {
                    let l = live.ok_or_else(|| need("live state"))?;
                    runner.delete(&l).await.map(|()| None)
                }
                (Action::Update | Action::Adopt, _) => {
                    if action == Action::Adopt && !options.adopt {
                        return Err("exists without this stack's ownership tags; re-run with --adopt to bring it under management".into());
                    }
                    let d = desired.ok_or_else(|| need("desired state"))?;
                    let l = live.ok_or_else(|| need("live state"))?;
                    runner.update(&l, &d, &changes).await.map(Some)
                }
                (Action::Replace, Step::Whole) => return Err(need("a delete and a create step")),
                (Action::NoOp, _) => Ok(live),
            };
            result.map_err(|e| e.to_string())
        }
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
    async fn create(&self, desired: &Resource) -> Result<LiveResource, ProviderError> {
        let create = || self.provider.create(desired);
        self.options.retry.with_recovery_observed(create, || self.bring_existing_to(desired), self.observe).await
    }

    async fn update(
        &self,
        live: &LiveResource,
        desired: &Resource,
        changes: &[FieldChange],
    ) -> Result<LiveResource, ProviderError> {
        let update = || self.provider.update(live, desired, changes);
        self.options.retry.with_recovery_observed(update, || self.bring_existing_to(desired), self.observe).await
    }

    async fn delete(&self, live: &LiveResource) -> Result<(), ProviderError> {
        let delete = || self.provider.delete(live, &self.options.delete);
        let gone = || async {
            let found = self.find(&Resource::new(live.address.clone(), live.props.clone())).await?;
            Ok(found.filter(|f| f.physical_id == live.physical_id).is_none().then_some(()))
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
    /// otherwise the existing resource, updated where it differs from `desired`. Refuses a
    /// taggable resource without this stack's and stage's tags: this run did not make it.
    async fn bring_existing_to(&self, desired: &Resource) -> Result<Option<LiveResource>, ProviderError> {
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
            return Ok(Some(live));
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

/// Counts one predecessor of each of `dependents` as finished; queues those now free to run.
fn release(nodes: &mut [Node], dependents: &[usize], settled: &[bool], ready: &mut VecDeque<usize>) {
    for &d in dependents {
        nodes[d].waiting_on -= 1;
        if nodes[d].waiting_on == 0 && !settled[d] {
            ready.push_back(d);
        }
    }
}

/// Settles every node that needs `failed` (transitively, through hard edges) as skipped, and
/// releases the soft dependents of all of them. Returns the skipped nodes.
fn block(nodes: &mut [Node], failed: usize, settled: &mut [bool], ready: &mut VecDeque<usize>) -> Vec<usize> {
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
    ready.retain(|&r| !settled[r]);
    skipped
}

/// Builds the execution graph of a plan's changes.
fn schedule(plan: &Plan) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    for change in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        if change.action == Action::Replace {
            nodes.push(Node::new(change, Step::RemoveForReplace));
            nodes.push(Node::new(change, Step::CreateForReplace));
        } else {
            nodes.push(Node::new(change, Step::Whole));
        }
    }
    let mut edges = Edges::default();
    // Creates and updates: after the creates, updates and replaces of what they refer to.
    let builders: HashMap<&Address, usize> =
        nodes.iter().enumerate().filter(|(_, n)| n.creates_or_updates()).map(|(i, n)| (&n.change.address, i)).collect();
    for (i, node) in nodes.iter().enumerate().filter(|(_, n)| n.creates_or_updates()) {
        for dependency in plan.graph.dependencies(&node.change.address) {
            if let Some(&d) = builders.get(dependency) {
                edges.add(d, i, true);
            }
        }
        if node.step == Step::CreateForReplace {
            edges.add(i - 1, i, true);
        }
    }
    // Removals: a resource goes after everything being removed that depends on it. Declared
    // references first; the fixed kind order only where it contradicts none of them.
    let removals: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].removes()).collect();
    for &x in &removals {
        for dependent in plan.graph.dependents(&nodes[x].change.address) {
            for &y in removals.iter().filter(|&&y| &nodes[y].change.address == dependent) {
                edges.add(y, x, true);
            }
        }
    }
    for &x in &removals {
        for &y in &removals {
            let (kx, ky) = (nodes[x].change.address.kind(), nodes[y].change.address.kind());
            if x != y && ky.depends_on().contains(&kx) && !edges.reaches(x, y) {
                edges.add(y, x, true);
            }
        }
    }
    // Plain deletes go last, after every create and update, unless something being replaced
    // needs them gone first (they depend on it, directly or through other removals).
    let early = edges.closure(removals.iter().copied().filter(|&x| nodes[x].step == Step::RemoveForReplace));
    let builders: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].creates_or_updates()).collect();
    for &x in removals.iter().filter(|x| !early.contains(x)) {
        for &b in &builders {
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
    nodes
}

/// Ordering constraints `from` → `to` (`to` waits for `from`).
#[derive(Default)]
struct Edges {
    list: Vec<(usize, usize, bool)>,
    after: HashMap<usize, Vec<usize>>,
    before: HashMap<usize, Vec<usize>>,
}

impl Edges {
    fn add(&mut self, from: usize, to: usize, hard: bool) {
        if self.list.iter().any(|&(f, t, _)| f == from && t == to) {
            return;
        }
        self.list.push((from, to, hard));
        self.after.entry(from).or_default().push(to);
        self.before.entry(to).or_default().push(from);
    }

    /// Whether `to` already waits, directly or indirectly, for `from`.
    fn reaches(&self, from: usize, to: usize) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n) {
                stack.extend(self.after.get(&n).into_iter().flatten().copied());
            }
        }
        false
    }

    /// `roots` and every node they wait for, directly or indirectly.
    fn closure(&self, roots: impl Iterator<Item = usize>) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut stack: Vec<usize> = roots.collect();
        while let Some(n) = stack.pop() {
            if seen.insert(n) {
                stack.extend(self.before.get(&n).into_iter().flatten().copied());
            }
        }
        seen
    }
}
