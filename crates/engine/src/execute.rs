//! The executor: runs a plan's actions, each as soon as its own dependencies have finished,
//! under one bounded semaphore. A failure skips everything that depends on it; the report names
//! the root causes.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bankinfra_model::template::Reference;
use bankinfra_model::{Address, DeleteOptions, LiveResource, Outputs, Provider, ProviderError, Resource};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::{Action, Plan, ResourceChange};

/// How to execute.
#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    /// Most provider operations in flight at once.
    pub parallelism: usize,
    pub delete: DeleteOptions,
    /// Take over existing, untagged resources planned as `adopt`.
    pub adopt: bool,
}

/// What happened to one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done { action: Action, elapsed: Duration },
    Failed { action: Action, error: String },
    /// Not attempted because `because` (a dependency, possibly indirect) failed.
    Skipped { action: Action, because: Address },
}

/// Progress, reported while the plan runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started { address: Address, action: Action },
    Finished { address: Address, outcome: Outcome },
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
}

struct Node {
    change: ResourceChange,
    waiting_on: usize,
    dependents: Vec<usize>,
}

impl Executor {
    pub fn new(provider: Arc<dyn Provider>, options: ApplyOptions) -> Self {
        Executor { provider, options }
    }

    /// Executes every non-no-op change of `plan`. Creates, updates and replaces run first in
    /// dependency order; deletes run after them, dependents before dependencies.
    pub async fn apply(&self, plan: &Plan, on_event: &(dyn Fn(&Event) + Sync)) -> ApplyReport {
        let mut report = ApplyReport::default();
        for change in &plan.changes {
            if let Some(live) = &change.live {
                report.outputs.insert(change.address.clone(), live.outputs.clone());
            }
        }
        let (deletes, others): (Vec<&ResourceChange>, Vec<&ResourceChange>) = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .partition(|c| c.action == Action::Delete);
        let forward = forward_nodes(plan, &others);
        self.run(forward, &mut report, on_event).await;
        let backward = delete_nodes(plan, &deletes);
        self.run(backward, &mut report, on_event).await;
        report
    }

    async fn run(&self, mut nodes: Vec<Node>, report: &mut ApplyReport, on_event: &(dyn Fn(&Event) + Sync)) {
        let semaphore = Arc::new(Semaphore::new(self.options.parallelism.max(1)));
        let mut ready: VecDeque<usize> = (0..nodes.len()).filter(|&i| nodes[i].waiting_on == 0).collect();
        let mut blocked_by: HashMap<usize, Address> = HashMap::new();
        let mut running = JoinSet::new();
        loop {
            while let Some(&i) = ready.front() {
                let Ok(permit) = semaphore.clone().try_acquire_owned() else { break };
                ready.pop_front();
                let change = &nodes[i].change;
                on_event(&Event::Started { address: change.address.clone(), action: change.action });
                let job = self.job(change, &report.outputs);
                running.spawn(async move {
                    let started = Instant::now();
                    let result = job.await;
                    drop(permit);
                    (i, started.elapsed(), result)
                });
            }
            let Some(joined) = running.join_next().await else { break };
            let (i, elapsed, result) = match joined {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic.into_panic()),
            };
            let (address, action) = (nodes[i].change.address.clone(), nodes[i].change.action);
            let outcome = match result {
                Ok(live) => {
                    match live {
                        Some(l) => report.outputs.insert(address.clone(), l.outputs),
                        None => report.outputs.remove(&address),
                    };
                    for d in nodes[i].dependents.clone() {
                        nodes[d].waiting_on -= 1;
                        if nodes[d].waiting_on == 0 && !blocked_by.contains_key(&d) {
                            ready.push_back(d);
                        }
                    }
                    Outcome::Done { action, elapsed }
                }
                Err(error) => {
                    let mut stack = nodes[i].dependents.clone();
                    while let Some(d) = stack.pop() {
                        if blocked_by.insert(d, address.clone()).is_none() {
                            stack.extend(nodes[d].dependents.iter().copied());
                        }
                    }
                    Outcome::Failed { action, error }
                }
            };
            on_event(&Event::Finished { address: address.clone(), outcome: outcome.clone() });
            report.outcomes.push((address, outcome));
        }
        let mut skipped: Vec<(usize, Address)> = blocked_by.into_iter().collect();
        skipped.sort_by_key(|(i, _)| *i);
        for (i, because) in skipped {
            let change = &nodes[i].change;
            let outcome = Outcome::Skipped { action: change.action, because };
            on_event(&Event::Finished { address: change.address.clone(), outcome: outcome.clone() });
            report.outcomes.push((change.address.clone(), outcome));
        }
    }

    /// The provider work for one change; resolves references against the outputs known now.
    fn job(
        &self,
        change: &ResourceChange,
        outputs: &HashMap<Address, Outputs>,
    ) -> impl std::future::Future<Output = Result<Option<LiveResource>, String>> + Send + 'static {
        let provider = self.provider.clone();
        let options = self.options;
        let action = change.action;
        let live = change.live.clone();
        let changes = change.changes.clone();
        let resolved: Result<Option<Resource>, String> = change
            .desired
            .as_ref()
            .map(|d| {
                let lookup = |r: &Reference| outputs.get(&r.address)?.get(&r.output).cloned();
                d.props
                    .resolve(&lookup, None)
                    .map(|props| Resource::new(d.address.clone(), props))
                    .map_err(|e| e.to_string())
            })
            .transpose();
        async move {
            let desired = resolved?;
            let err = |e: ProviderError| e.to_string();
            let need = |what: &str| format!("internal error: {} change without {what}", action.as_str());
            match action {
                Action::Create => {
                    let d = desired.ok_or_else(|| need("desired state"))?;
                    provider.create(&d).await.map(Some).map_err(err)
                }
                Action::Update | Action::Adopt => {
                    if action == Action::Adopt && !options.adopt {
                        return Err("exists without this stack's ownership tags; re-run with --adopt to bring it under management".into());
                    }
                    let d = desired.ok_or_else(|| need("desired state"))?;
                    let l = live.ok_or_else(|| need("live state"))?;
                    provider.update(&l, &d, &changes).await.map(Some).map_err(err)
                }
                Action::Replace => {
                    let d = desired.ok_or_else(|| need("desired state"))?;
                    let l = live.ok_or_else(|| need("live state"))?;
                    provider.delete(&l, &options.delete).await.map_err(err)?;
                    provider.create(&d).await.map(Some).map_err(err)
                }
                Action::Delete => {
                    let l = live.ok_or_else(|| need("live state"))?;
                    provider.delete(&l, &options.delete).await.map(|()| None).map_err(err)
                }
                Action::NoOp => Ok(live),
            }
        }
    }
}

fn forward_nodes(plan: &Plan, changes: &[&ResourceChange]) -> Vec<Node> {
    let index: HashMap<&Address, usize> = changes.iter().enumerate().map(|(i, c)| (&c.address, i)).collect();
    let mut nodes: Vec<Node> = changes.iter().map(|c| Node { change: (*c).clone(), waiting_on: 0, dependents: Vec::new() }).collect();
    for (i, c) in changes.iter().enumerate() {
        for dep in plan.graph.dependencies(&c.address) {
            if let Some(&d) = index.get(dep) {
                nodes[d].dependents.push(i);
                nodes[i].waiting_on += 1;
            }
        }
    }
    nodes
}

/// Delete order: `x` waits for every delete that depends on it, by declared reference or by kind.
fn delete_nodes(plan: &Plan, changes: &[&ResourceChange]) -> Vec<Node> {
    let mut nodes: Vec<Node> = changes.iter().map(|c| Node { change: (*c).clone(), waiting_on: 0, dependents: Vec::new() }).collect();
    for (x, cx) in changes.iter().enumerate() {
        let declared = plan.graph.dependents(&cx.address);
        for (y, cy) in changes.iter().enumerate() {
            let y_depends_on_x = y != x
                && (cy.address.kind().depends_on().contains(&cx.address.kind()) || declared.contains(&&cy.address));
            if y_depends_on_x {
                nodes[y].dependents.push(x);
                nodes[x].waiting_on += 1;
            }
        }
    }
    nodes
}
