//! Planner and executor against an in-memory provider.
//!
//! The mock keeps live resources in a map keyed by address, assigns `id-N` identifiers on create,
//! records every call in order, can be told to fail creates and updates of given addresses, and
//! measures how many operations are in flight at once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bankinfra_engine::{
    Action, ApplyOptions, ApplyReport, EngineError, Event, Executor, Outcome, Plan, Planner, ResourceGraph,
    RetryPolicy, Summary, TargetScope,
};
use bankinfra_model::props::ec2::{Subnet, Vpc};
use bankinfra_model::props::ssm::Parameter;
use bankinfra_model::template::UNKNOWN;
use bankinfra_model::{
    Address, DeleteOptions, ErrorClass, FieldChange, Kind, LiveResource, Outputs, Ownership, Props, Provider,
    ProviderError, Purge, Resource, TAG_ADDRESS, TAG_STACK, TAG_STAGE, Tags,
};
use serde_json::json;

/// How long every mutating provider operation takes.
const OP_DELAY: Duration = Duration::from_millis(15);

// ------------------------------------------------------------------------------------------------
// The mock provider
// ------------------------------------------------------------------------------------------------

/// One provider call, in the order the calls started.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Read,
    /// The resource exactly as the provider received it (references resolved).
    Create(Box<Resource>),
    /// The address and the paths of the changes passed in.
    Update(Address, Vec<String>),
    Delete(Address),
}

#[derive(Default)]
struct State {
    live: BTreeMap<Address, LiveResource>,
    calls: Vec<Call>,
    next_id: usize,
    fail_create: BTreeSet<Address>,
    fail_update: BTreeSet<Address>,
    /// Creates of these answer "not ready" (eventual consistency) this many more times.
    not_ready: BTreeMap<Address, usize>,
    /// Operations on these are throttled (no effect) this many more times.
    throttled: BTreeMap<Address, usize>,
    /// Operations on these take effect but their response is lost this many more times.
    lost_response: BTreeMap<Address, usize>,
    /// (first, second) physical IDs of every resource created twice.
    duplicates: Vec<(String, String)>,
    /// Reads of these services are throttled this many more times.
    throttled_reads: BTreeMap<&'static str, usize>,
    /// Reads asked of each service (the service of the kinds of one read).
    reads_by_service: BTreeMap<&'static str, usize>,
}

impl State {
    /// One use of a fault counter for `address`: whether it fires now.
    fn fire(faults: &mut BTreeMap<Address, usize>, address: &Address) -> bool {
        match faults.get_mut(address).filter(|n| **n > 0) {
            Some(left) => {
                *left -= 1;
                true
            }
            None => false,
        }
    }
}

fn throttled() -> ProviderError {
    ProviderError {
        operation: "mock:Op".into(),
        code: Some("ThrottlingException".into()),
        message: "Rate exceeded".into(),
        class: ErrorClass::Throttled,
    }
}

fn connection_lost() -> ProviderError {
    ProviderError {
        operation: "mock:Op".into(),
        code: None,
        message: "connection closed before message completed".into(),
        class: ErrorClass::Unreachable,
    }
}

#[derive(Default)]
struct MockProvider {
    state: Mutex<State>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Misbehave: `read` returns every live resource, owned or not, declared or not. Proves the
    /// planner does not rely on the provider's filtering for safety.
    leaky_read: bool,
}

/// Counts an operation as in flight until dropped.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl MockProvider {
    fn new() -> Arc<Self> {
        Arc::new(MockProvider::default())
    }

    fn leaky() -> Arc<Self> {
        Arc::new(MockProvider { leaky_read: true, ..MockProvider::default() })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Records `call` and counts it in flight.
    fn begin(&self, call: Call) -> InFlight<'_> {
        self.state().calls.push(call);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(&self.in_flight)
    }

    fn fail_create(&self, address: &str) {
        self.state().fail_create.insert(addr(address));
    }

    fn fail_update(&self, address: &str) {
        self.state().fail_update.insert(addr(address));
    }

    /// Puts a resource into the cloud behind the engine's back.
    fn seed(&self, resource: Resource) -> LiveResource {
        let mut state = self.state();
        state.next_id += 1;
        let live = live_of(&resource, state.next_id);
        state.live.insert(resource.address.clone(), live.clone());
        live
    }

    fn live(&self, address: &str) -> Option<LiveResource> {
        self.state().live.get(&addr(address)).cloned()
    }

    fn output(&self, address: &str, output: &str) -> String {
        let live = self.live(address).unwrap_or_else(|| panic!("{address} is not live"));
        live.outputs[output].clone()
    }

    fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// Calls that change something (everything but reads).
    fn mutations(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| *c != Call::Read).collect()
    }

    /// The props of the (last) create of `address`.
    fn created_props(&self, address: &str) -> Props {
        let address = addr(address);
        self.calls()
            .into_iter()
            .rev()
            .find_map(|c| match c {
                Call::Create(r) if r.address == address => Some(r.props),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{address} was never created"))
    }

    /// Index of the first call that creates `address`.
    fn create_position(&self, address: &str) -> usize {
        let address = addr(address);
        self.calls()
            .iter()
            .position(|c| matches!(c, Call::Create(r) if r.address == address))
            .unwrap_or_else(|| panic!("{address} was never created: {:#?}", self.calls()))
    }

    /// Index of the first call that deletes `address`.
    fn delete_position(&self, address: &str) -> usize {
        let address = addr(address);
        self.calls()
            .iter()
            .position(|c| *c == Call::Delete(address.clone()))
            .unwrap_or_else(|| panic!("{address} was never deleted: {:#?}", self.calls()))
    }
}

fn live_of(resource: &Resource, n: usize) -> LiveResource {
    let id = format!("id-{n}");
    let outputs = Outputs::from([
        ("id".to_string(), id.clone()),
        ("arn".to_string(), format!("arn:mock:{}:{id}", resource.address.kind())),
    ]);
    LiveResource { address: resource.address.clone(), physical_id: id, props: resource.props.clone(), outputs }
}

#[async_trait]
impl Provider for MockProvider {
    async fn read(
        &self,
        kinds: &[Kind],
        desired: &[Resource],
        ownership: &Ownership,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let mut state = self.state();
        state.calls.push(Call::Read);
        let services: BTreeSet<&'static str> = kinds.iter().map(|k| k.service()).collect();
        for service in &services {
            *state.reads_by_service.entry(service).or_insert(0) += 1;
        }
        for service in &services {
            if let Some(left) = state.throttled_reads.get_mut(service).filter(|n| **n > 0) {
                *left -= 1;
                return Err(throttled());
            }
        }
        Ok(state
            .live
            .values()
            .filter(|l| kinds.contains(&l.address.kind()))
            .filter(|l| {
                self.leaky_read || ownership.owns(l.props.tags()) || desired.iter().any(|d| d.address == l.address)
            })
            .cloned()
            .collect())
    }

    async fn create(&self, resource: &Resource) -> Result<Outputs, ProviderError> {
        let _op = self.begin(Call::Create(Box::new(resource.clone())));
        tokio::time::sleep(OP_DELAY).await;
        assert!(
            resource.props.references().unwrap().is_empty(),
            "{} reached the provider with unresolved references",
            resource.address
        );
        let mut state = self.state();
        if let Some(left) = state.not_ready.get_mut(&resource.address).filter(|n| **n > 0) {
            *left -= 1;
            return Err(ProviderError {
                operation: "mock:Create".into(),
                code: Some("InvalidArgumentException".into()),
                message: "Firehose is unable to assume role".into(),
                class: ErrorClass::NotReady,
            });
        }
        if state.fail_create.contains(&resource.address) {
            return Err(ProviderError::permanent("mock:Create", format!("create of {} refused", resource.address)));
        }
        if State::fire(&mut state.throttled, &resource.address) {
            return Err(throttled());
        }
        // Like an ID-addressed AWS resource (a VPC, a key): a second create makes a second one,
        // which a later read reports as a duplicate.
        state.next_id += 1;
        let live = live_of(resource, state.next_id);
        if let Some(existing) = state.live.get(&resource.address).map(|l| l.physical_id.clone()) {
            state.duplicates.push((existing, live.physical_id.clone()));
        }
        let outputs = live.outputs.clone();
        state.live.insert(resource.address.clone(), live);
        if State::fire(&mut state.lost_response, &resource.address) {
            return Err(connection_lost());
        }
        Ok(outputs)
    }

    async fn update(
        &self,
        live: &LiveResource,
        desired: &Resource,
        changes: &[FieldChange],
    ) -> Result<Outputs, ProviderError> {
        let paths = changes.iter().map(|c| c.path.clone()).collect();
        let _op = self.begin(Call::Update(desired.address.clone(), paths));
        tokio::time::sleep(OP_DELAY).await;
        let mut state = self.state();
        if state.fail_update.contains(&desired.address) {
            return Err(ProviderError::permanent("mock:Update", format!("update of {} refused", desired.address)));
        }
        if State::fire(&mut state.throttled, &desired.address) {
            return Err(throttled());
        }
        let current = state
            .live
            .get_mut(&live.address)
            .filter(|l| l.physical_id == live.physical_id)
            .ok_or_else(|| ProviderError::permanent("mock:Update", format!("{} does not exist", live.address)))?;
        current.props = desired.props.clone();
        let updated = current.outputs.clone();
        if State::fire(&mut state.lost_response, &desired.address) {
            return Err(connection_lost());
        }
        Ok(updated)
    }

    async fn delete(&self, live: &LiveResource, _options: &DeleteOptions) -> Result<(), ProviderError> {
        let _op = self.begin(Call::Delete(live.address.clone()));
        tokio::time::sleep(OP_DELAY).await;
        let mut state = self.state();
        if State::fire(&mut state.throttled, &live.address) {
            return Err(throttled());
        }
        if state.live.get(&live.address).is_some_and(|l| l.physical_id == live.physical_id) {
            state.live.remove(&live.address);
        }
        if State::fire(&mut state.lost_response, &live.address) {
            return Err(connection_lost());
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------------
// Resources and helpers
// ------------------------------------------------------------------------------------------------

fn owner() -> Ownership {
    Ownership { stack: "s".into(), stage: "t".into() }
}

fn addr(s: &str) -> Address {
    s.parse().unwrap()
}

/// Ownership tags of `address` for stack `stack`, stage `stage`.
fn tags_of(address: &Address, stack: &str, stage: &str) -> Tags {
    Ownership { stack: stack.into(), stage: stage.into() }.tags(address)
}

fn param(name: &str, value: &str) -> Resource {
    let address = Address::new(Kind::SsmParameter, name);
    Resource::new(
        address.clone(),
        Props::SsmParameter(Parameter {
            name: format!("/bank/t/{name}"),
            value: value.into(),
            parameter_type: "String".into(),
            description: format!("parameter {name}"),
            tags: owner().tags(&address),
        }),
    )
}

fn vpc(name: &str, cidr: &str) -> Resource {
    let address = Address::new(Kind::Vpc, name);
    Resource::new(
        address.clone(),
        Props::Vpc(Vpc {
            cidr_block: cidr.into(),
            enable_dns_support: true,
            enable_dns_hostnames: true,
            tags: owner().tags(&address),
        }),
    )
}

fn subnet(name: &str, vpc: &str, cidr: &str) -> Resource {
    let address = Address::new(Kind::Subnet, name);
    Resource::new(
        address.clone(),
        Props::Subnet(Subnet {
            vpc_id: format!("${{vpc.{vpc}.id}}"),
            cidr_block: cidr.into(),
            availability_zone: "ap-southeast-2a".into(),
            map_public_ip_on_launch: false,
            tags: owner().tags(&address),
        }),
    )
}

/// A small network with outputs published as parameters:
/// `vpc.main` ← `subnet.a`, `subnet.b`; `vpc.main` ← `ssm_parameter.vpc-id`;
/// `subnet.a` ← `ssm_parameter.subnet-a-arn`.
fn network() -> Vec<Resource> {
    vec![
        param("subnet-a-arn", "${subnet.a.arn}"),
        param("vpc-id", "${vpc.main.id}"),
        subnet("a", "main", "10.0.1.0/24"),
        subnet("b", "main", "10.0.2.0/24"),
        vpc("main", "10.0.0.0/16"),
    ]
}

/// The default retry policy's shape, in milliseconds.
fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        readiness_limit: Duration::from_secs(2),
        readiness_first_pause: Duration::from_millis(2),
        readiness_longest_pause: Duration::from_millis(20),
    }
}

fn options(parallelism: usize) -> ApplyOptions {
    ApplyOptions {
        parallelism,
        delete: DeleteOptions { purge: Purge::Nothing, kms_deletion_window_days: 7 },
        adopt: false,
        retry: fast_retries(),
    }
}

async fn plan(mock: &MockProvider, resources: Vec<Resource>) -> Plan {
    let graph = ResourceGraph::build(resources).expect("valid graph");
    Planner::new(mock, owner()).plan(graph).await.expect("plan")
}

async fn try_plan(mock: &MockProvider, resources: Vec<Resource>) -> Result<Plan, EngineError> {
    Planner::new(mock, owner()).plan(ResourceGraph::build(resources).expect("valid graph")).await
}

async fn plan_destroy(mock: &MockProvider, resources: Vec<Resource>) -> Plan {
    let graph = ResourceGraph::build(resources).expect("valid graph");
    Planner::new(mock, owner()).plan_destroy(graph).await.expect("destroy plan")
}

async fn apply(mock: &Arc<MockProvider>, plan: &Plan, parallelism: usize) -> ApplyReport {
    Executor::new(mock.clone(), options(parallelism), owner()).apply(plan, &|_| {}).await
}

/// Plans and applies `resources`, asserting success.
async fn converge(mock: &Arc<MockProvider>, resources: Vec<Resource>) -> ApplyReport {
    let plan = plan(mock, resources).await;
    let report = apply(mock, &plan, 4).await;
    assert!(report.succeeded(), "apply failed: {:#?}", report.outcomes);
    report
}

fn action(plan: &Plan, address: &str) -> Action {
    plan.change(&addr(address)).unwrap_or_else(|| panic!("{address} is not in the plan")).action
}

fn outcome<'a>(report: &'a ApplyReport, address: &str) -> &'a Outcome {
    let address = addr(address);
    report
        .outcomes
        .iter()
        .find(|(a, _)| *a == address)
        .map(|(_, o)| o)
        .unwrap_or_else(|| panic!("no outcome for {address} in {:#?}", report.outcomes))
}

fn field(plan: &Plan, address: &str, path: &str) -> FieldChange {
    let change = plan.change(&addr(address)).unwrap();
    let attributes = plan.attributes(change);
    let found = attributes.iter().find(|c| c.path == path).cloned();
    found.unwrap_or_else(|| panic!("{address} has no change at {path}: {attributes:#?}"))
}

fn with_param_value(mut resources: Vec<Resource>, name: &str, value: &str) -> Vec<Resource> {
    for r in &mut resources {
        if let Props::SsmParameter(p) = &mut r.props
            && r.address.name() == name
        {
            p.value = value.into();
        }
    }
    resources
}

fn with_subnet(mut resources: Vec<Resource>, name: &str, edit: impl Fn(&mut Subnet)) -> Vec<Resource> {
    for r in &mut resources {
        if let Props::Subnet(s) = &mut r.props
            && r.address.name() == name
        {
            edit(s);
        }
    }
    resources
}

// ------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------

/// A create is not resolved while planning; what it will set is worked out when shown, from
/// what the plan saw: outputs of what exists, names of what is being created, unknown otherwise;
/// a targeted plan shows the same.
#[tokio::test]
async fn a_create_shows_what_it_will_set_from_what_the_plan_saw() {
    let mock = MockProvider::new();
    converge(&mock, vec![vpc("main", "10.0.0.0/16")]).await;
    let vpc_id = mock.state().live[&addr("vpc.main")].outputs["id"].clone();
    let resources = vec![
        vpc("main", "10.0.0.0/16"),
        subnet("a", "main", "10.0.1.0/24"),
        param("first", "one"),
        param("names", "${ssm_parameter.first.name},${subnet.a.id},${vpc.main.id}"),
    ];
    let mut plan = plan(&mock, resources).await;
    assert_eq!(action(&plan, "vpc.main"), Action::NoOp);
    assert_eq!(field(&plan, "subnet.a", "vpc_id").after, Some(json!(vpc_id)));
    let names = format!("/bank/t/first,{UNKNOWN},{vpc_id}");
    assert_eq!(field(&plan, "ssm_parameter.names", "value").after, Some(json!(names)));
    let change = plan.change(&addr("ssm_parameter.names")).unwrap();
    assert!(change.planned.is_none(), "a create is resolved when shown, not while planning");

    plan.restrict_to(&[addr("ssm_parameter.names")], TargetScope::WithDependencies).unwrap();
    assert_eq!(field(&plan, "ssm_parameter.names", "value").after, Some(json!(names)));
    assert!(plan.change(&addr("vpc.main")).is_some() && plan.change(&addr("ssm_parameter.first")).is_some());
}

#[tokio::test]
async fn cold_plan_creates_everything_and_apply_creates_dependencies_first_with_their_real_outputs() {
    let mock = MockProvider::new();
    let plan = plan(&mock, network()).await;

    assert_eq!(plan.summary(), Summary { create: 5, ..Summary::default() });
    assert!(plan.changes.iter().all(|c| c.action == Action::Create));
    // Before apply, a reference to something not created yet reads as unknown.
    assert_eq!(field(&plan, "subnet.a", "vpc_id").after, Some(json!(UNKNOWN)));
    assert_eq!(field(&plan, "subnet.a", "vpc_id").before, None);
    assert_eq!(mock.mutations(), [], "planning must not change anything");

    let report = apply(&mock, &plan, 4).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert_eq!(report.outcomes.len(), 5);

    // Dependencies were created before their dependents.
    assert!(mock.create_position("vpc.main") < mock.create_position("subnet.a"));
    assert!(mock.create_position("vpc.main") < mock.create_position("subnet.b"));
    assert!(mock.create_position("vpc.main") < mock.create_position("ssm_parameter.vpc-id"));
    assert!(mock.create_position("subnet.a") < mock.create_position("ssm_parameter.subnet-a-arn"));

    // Dependents received the dependency's real outputs.
    let vpc_id = mock.output("vpc.main", "id");
    assert!(vpc_id.starts_with("id-"), "{vpc_id}");
    let Props::Subnet(a) = mock.created_props("subnet.a") else { panic!("subnet props") };
    assert_eq!(a.vpc_id, vpc_id);
    let Props::Subnet(b) = mock.created_props("subnet.b") else { panic!("subnet props") };
    assert_eq!(b.vpc_id, vpc_id);
    let Props::SsmParameter(p) = mock.created_props("ssm_parameter.vpc-id") else { panic!("parameter props") };
    assert_eq!(p.value, vpc_id);
    let subnet_arn = mock.output("subnet.a", "arn");
    assert!(subnet_arn.starts_with("arn:mock:subnet:id-"), "{subnet_arn}");
    let Props::SsmParameter(p) = mock.created_props("ssm_parameter.subnet-a-arn") else { panic!("parameter props") };
    assert_eq!(p.value, subnet_arn);

    // The report carries the outputs of what now exists.
    assert_eq!(report.outputs[&addr("vpc.main")]["id"], vpc_id);
    assert_eq!(report.outputs.len(), 5);
}

#[tokio::test]
async fn second_plan_after_apply_is_all_no_op() {
    let mock = MockProvider::new();
    converge(&mock, network()).await;

    let plan = plan(&mock, network()).await;
    let summary = plan.summary();
    assert!(!summary.has_changes(), "{summary:?}: {:#?}", plan.changes);
    assert_eq!(summary.no_op, 5);
    assert!(plan.changes.iter().all(|c| c.action == Action::NoOp && c.changes.is_empty()));

    // Applying a no-op plan calls nothing.
    let before = mock.mutations().len();
    let report = apply(&mock, &plan, 4).await;
    assert!(report.outcomes.is_empty());
    assert_eq!(mock.mutations().len(), before);
}

#[tokio::test]
async fn changing_a_plain_attribute_plans_an_update_naming_that_path() {
    let mock = MockProvider::new();
    let resources = vec![vpc("main", "10.0.0.0/16"), subnet("a", "main", "10.0.1.0/24"), param("greeting", "hello")];
    converge(&mock, resources.clone()).await;

    let changed = with_param_value(resources.clone(), "greeting", "bonjour");
    let changed = with_subnet(changed, "a", |s| {
        s.map_public_ip_on_launch = true;
        s.tags.insert("team".into(), "platform".into());
    });
    let plan = plan(&mock, changed.clone()).await;

    assert_eq!(plan.summary(), Summary { update: 2, no_op: 1, ..Summary::default() });
    assert_eq!(action(&plan, "vpc.main"), Action::NoOp);

    let greeting = plan.change(&addr("ssm_parameter.greeting")).unwrap();
    assert_eq!(greeting.action, Action::Update);
    assert!(greeting.replace_because.is_empty());
    assert_eq!(
        greeting.changes,
        [FieldChange { path: "value".into(), before: Some(json!("hello")), after: Some(json!("bonjour")) }]
    );

    let a = plan.change(&addr("subnet.a")).unwrap();
    assert_eq!(a.action, Action::Update);
    assert!(a.replace_because.is_empty());
    let paths: Vec<&str> = a.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["map_public_ip_on_launch", "tags.team"]);
    assert_eq!(field(&plan, "subnet.a", "map_public_ip_on_launch").before, Some(json!(false)));
    assert_eq!(field(&plan, "subnet.a", "tags.team").after, Some(json!("platform")));

    // Apply updates in place (no delete, no create) and converges.
    let calls_before = mock.mutations().len();
    let report = apply(&mock, &plan, 4).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    let new_calls = &mock.mutations()[calls_before..];
    assert_eq!(new_calls.len(), 2, "{new_calls:#?}");
    assert!(new_calls.contains(&Call::Update(addr("ssm_parameter.greeting"), vec!["value".into()])));
    assert!(
        new_calls.contains(&Call::Update(addr("subnet.a"), vec!["map_public_ip_on_launch".into(), "tags.team".into()]))
    );
    assert!(!plan_has_changes(&mock, changed).await);
}

async fn plan_has_changes(mock: &MockProvider, resources: Vec<Resource>) -> bool {
    plan(mock, resources).await.summary().has_changes()
}

#[tokio::test]
async fn changing_a_replace_on_attribute_plans_a_replace_because_of_it() {
    assert!(Kind::Subnet.replace_on().contains(&"cidr_block"));
    let mock = MockProvider::new();
    let resources =
        vec![vpc("main", "10.0.0.0/16"), subnet("a", "main", "10.0.1.0/24"), param("subnet-a-id", "${subnet.a.id}")];
    converge(&mock, resources.clone()).await;
    let old_subnet_id = mock.output("subnet.a", "id");

    let changed = with_subnet(resources, "a", |s| s.cidr_block = "10.0.9.0/24".into());
    let plan = plan(&mock, changed.clone()).await;

    let a = plan.change(&addr("subnet.a")).unwrap();
    assert_eq!(a.action, Action::Replace);
    assert_eq!(a.replace_because, ["cidr_block"]);
    assert_eq!(field(&plan, "subnet.a", "cidr_block").before, Some(json!("10.0.1.0/24")));
    assert_eq!(field(&plan, "subnet.a", "cidr_block").after, Some(json!("10.0.9.0/24")));
    // The subnet's new ID is unknown until apply, so its dependent changes too.
    assert_eq!(action(&plan, "ssm_parameter.subnet-a-id"), Action::Update);
    assert_eq!(field(&plan, "ssm_parameter.subnet-a-id", "value").after, Some(json!(UNKNOWN)));
    assert_eq!(action(&plan, "vpc.main"), Action::NoOp);
    assert_eq!(plan.summary(), Summary { replace: 1, update: 1, no_op: 1, ..Summary::default() });

    let calls_before = mock.mutations().len();
    let report = apply(&mock, &plan, 4).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    let new_subnet_id = mock.output("subnet.a", "id");
    assert_ne!(new_subnet_id, old_subnet_id);
    let new_calls = &mock.mutations()[calls_before..];
    assert!(matches!(&new_calls[0], Call::Delete(a) if *a == addr("subnet.a")), "{new_calls:#?}");
    assert!(matches!(&new_calls[1], Call::Create(r) if r.address == addr("subnet.a")), "{new_calls:#?}");
    assert_eq!(new_calls[2], Call::Update(addr("ssm_parameter.subnet-a-id"), vec!["value".into()]));
    let Some(LiveResource { props: Props::SsmParameter(p), .. }) = mock.live("ssm_parameter.subnet-a-id") else {
        panic!("parameter is live")
    };
    assert_eq!(p.value, new_subnet_id);
    assert!(!plan_has_changes(&mock, changed).await);
}

#[tokio::test]
async fn live_owned_resource_that_is_not_declared_is_planned_as_delete() {
    let mock = MockProvider::new();
    converge(&mock, vec![param("keep", "1"), param("drop", "2")]).await;
    // Also one that was never declared by this engine run but carries our tags.
    mock.seed(param("stray", "3"));

    let plan = plan(&mock, vec![param("keep", "1")]).await;
    assert_eq!(plan.summary(), Summary { delete: 2, no_op: 1, ..Summary::default() });
    assert_eq!(action(&plan, "ssm_parameter.keep"), Action::NoOp);
    assert_eq!(action(&plan, "ssm_parameter.drop"), Action::Delete);
    assert_eq!(action(&plan, "ssm_parameter.stray"), Action::Delete);
    let drop = plan.change(&addr("ssm_parameter.drop")).unwrap();
    assert!(drop.planned.is_none() && plan.desired(drop).is_none());
    assert!(!plan.attributes(drop).is_empty());
    assert!(plan.attributes(drop).iter().all(|c| c.after.is_none()));
    // Deletes come last in the plan.
    assert_eq!(plan.changes[0].address, addr("ssm_parameter.keep"));

    let report = apply(&mock, &plan, 4).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert!(mock.live("ssm_parameter.drop").is_none());
    assert!(mock.live("ssm_parameter.stray").is_none());
    assert!(mock.live("ssm_parameter.keep").is_some());
    assert!(!report.outputs.contains_key(&addr("ssm_parameter.drop")));
}

#[tokio::test]
async fn live_resource_tagged_with_another_stage_is_not_deleted() {
    fn other_stage(name: &str) -> Resource {
        let mut r = param(name, "theirs");
        *r.props.tags_mut() = tags_of(&r.address, "s", "other");
        r
    }

    // With a provider that honours ownership in `read`, and one that returns everything.
    for mock in [MockProvider::new(), MockProvider::leaky()] {
        mock.seed(other_stage("elsewhere"));
        let mut untagged = vpc("untagged", "10.9.0.0/16");
        untagged.props.tags_mut().clear();
        mock.seed(untagged);
        let mut foreign_vpc = vpc("foreign", "10.8.0.0/16");
        *foreign_vpc.props.tags_mut() = tags_of(&foreign_vpc.address, "s", "other");
        mock.seed(foreign_vpc);

        let plan = plan(&mock, vec![param("mine", "1")]).await;
        assert_eq!(plan.summary(), Summary { create: 1, ..Summary::default() }, "{:#?}", plan.changes);
        assert!(plan.change(&addr("ssm_parameter.elsewhere")).is_none());

        let destroy = plan_destroy(&mock, vec![param("mine", "1")]).await;
        assert!(destroy.changes.is_empty(), "{:#?}", destroy.changes);

        let report = apply(&mock, &plan, 4).await;
        assert!(report.succeeded());
        assert!(mock.live("ssm_parameter.elsewhere").is_some());
        assert!(mock.live("vpc.foreign").is_some());
        assert!(mock.live("vpc.untagged").is_some());
        assert!(!mock.mutations().iter().any(|c| matches!(c, Call::Delete(_))));
    }
}

#[tokio::test]
async fn declared_resource_owned_by_another_stack_or_stage_fails_the_plan_with_foreign_owner() {
    for (stack, stage) in [("s", "other-stage"), ("other-stack", "t")] {
        let mock = MockProvider::new();
        let mut theirs = param("shared", "theirs");
        *theirs.props.tags_mut() = tags_of(&theirs.address, stack, stage);
        mock.seed(theirs);

        let err = try_plan(&mock, vec![param("shared", "mine"), param("other", "x")]).await.unwrap_err();
        let EngineError::ForeignOwner { address, stack: s, stage: t } = &err else {
            panic!("expected ForeignOwner, got {err:?}")
        };
        assert_eq!(*address, addr("ssm_parameter.shared"));
        assert_eq!((s.as_str(), t.as_str()), (stack, stage));
        let message = err.to_string();
        assert!(
            message.contains("ssm_parameter.shared") && message.contains(stack) && message.contains(stage),
            "{message}"
        );
        assert_eq!(mock.mutations(), [], "a failed plan changes nothing");
    }
}

#[tokio::test]
async fn failing_create_fails_that_resource_skips_its_transitive_dependents_and_spares_independent_ones() {
    let mock = MockProvider::new();
    mock.fail_create("vpc.main");
    let resources = vec![
        vpc("main", "10.0.0.0/16"),
        subnet("a", "main", "10.0.1.0/24"),
        param("subnet-a-id", "${subnet.a.id}"),
        vpc("other", "10.1.0.0/16"),
        subnet("b", "other", "10.1.1.0/24"),
        param("standalone", "plain"),
    ];
    let plan = plan(&mock, resources).await;
    let report = apply(&mock, &plan, 4).await;

    assert!(!report.succeeded());
    assert_eq!(report.outcomes.len(), 6);
    let Outcome::Failed { action, error } = outcome(&report, "vpc.main") else {
        panic!("vpc.main should fail: {:#?}", report.outcomes)
    };
    assert_eq!(*action, Action::Create);
    assert!(error.contains("create of vpc.main refused"), "{error}");
    assert_eq!(outcome(&report, "subnet.a"), &Outcome::Skipped { action: Action::Create, because: addr("vpc.main") });
    assert_eq!(
        outcome(&report, "ssm_parameter.subnet-a-id"),
        &Outcome::Skipped { action: Action::Create, because: addr("vpc.main") }
    );
    for ok in ["vpc.other", "subnet.b", "ssm_parameter.standalone"] {
        assert!(matches!(outcome(&report, ok), Outcome::Done { action: Action::Create, .. }), "{ok}");
        assert!(mock.live(ok).is_some(), "{ok}");
    }
    assert_eq!(report.skipped(), 2);

    let roots = report.root_causes();
    assert_eq!(roots.len(), 1, "{roots:?}");
    assert_eq!(*roots[0].0, addr("vpc.main"));
    assert!(roots[0].1.contains("refused"));

    // Skipped resources never reached the provider.
    let created: Vec<Address> = mock
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Create(r) => Some(r.address),
            _ => None,
        })
        .collect();
    assert!(!created.contains(&addr("subnet.a")));
    assert!(!created.contains(&addr("ssm_parameter.subnet-a-id")));
    assert!(!report.outputs.contains_key(&addr("vpc.main")));
}

#[tokio::test]
async fn failing_update_is_reported_as_the_root_cause_and_leaves_live_state_unchanged() {
    let mock = MockProvider::new();
    converge(&mock, vec![param("a", "1"), param("b", "1")]).await;
    mock.fail_update("ssm_parameter.a");

    let changed = vec![param("a", "2"), param("b", "2")];
    let first = plan(&mock, changed.clone()).await;
    let report = apply(&mock, &first, 4).await;

    assert!(matches!(outcome(&report, "ssm_parameter.a"), Outcome::Failed { action: Action::Update, .. }));
    assert!(matches!(outcome(&report, "ssm_parameter.b"), Outcome::Done { action: Action::Update, .. }));
    let roots: Vec<String> = report.root_causes().iter().map(|(a, _)| a.to_string()).collect();
    assert_eq!(roots, ["ssm_parameter.a"]);
    let Some(LiveResource { props: Props::SsmParameter(p), .. }) = mock.live("ssm_parameter.a") else { panic!() };
    assert_eq!(p.value, "1");
    // The failed update is planned again.
    let again = plan(&mock, changed).await;
    assert_eq!(again.summary(), Summary { update: 1, no_op: 1, ..Summary::default() });
}

#[tokio::test]
async fn parallelism_bounds_the_number_of_operations_in_flight() {
    let mock = MockProvider::new();
    let resources: Vec<Resource> = (1..=6).map(|i| param(&format!("p{i}"), "independent")).collect();
    let plan = plan(&mock, resources).await;
    assert_eq!(plan.summary().create, 6);

    let report = apply(&mock, &plan, 2).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    let max = mock.max_in_flight.load(Ordering::SeqCst);
    assert!(max <= 2, "{max} operations ran at once with parallelism 2");
    assert!(max > 1, "independent operations should run concurrently, max in flight was {max}");
    assert_eq!(mock.in_flight.load(Ordering::SeqCst), 0);
    assert_eq!(mock.mutations().len(), 6);
}

#[tokio::test]
async fn plan_destroy_deletes_dependents_before_their_dependencies() {
    let mock = MockProvider::new();
    let resources = vec![
        vpc("main", "10.0.0.0/16"),
        subnet("a", "main", "10.0.1.0/24"),
        param("subnet-a-id", "${subnet.a.id}"),
        // Same kind as its dependency: only the declared reference orders these two.
        param("alias", "${ssm_parameter.subnet-a-id.arn}"),
    ];
    converge(&mock, resources.clone()).await;
    mock.seed(param("stray", "owned but undeclared"));

    let plan = plan_destroy(&mock, resources).await;
    assert_eq!(plan.summary(), Summary { delete: 5, ..Summary::default() });
    assert!(plan.changes.iter().all(|c| c.action == Action::Delete));

    let calls_before = mock.calls().len();
    let report = apply(&mock, &plan, 4).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert!(mock.calls()[calls_before..].iter().all(|c| matches!(c, Call::Delete(_))));

    let alias = mock.delete_position("ssm_parameter.alias");
    let param_id = mock.delete_position("ssm_parameter.subnet-a-id");
    let subnet = mock.delete_position("subnet.a");
    let vpc = mock.delete_position("vpc.main");
    assert!(alias < param_id, "alias refers to subnet-a-id, so it goes first");
    assert!(param_id < subnet, "subnet-a-id refers to subnet.a, so it goes first");
    assert!(subnet < vpc, "subnet.a refers to vpc.main, so it goes first");
    mock.delete_position("ssm_parameter.stray");
    assert!(mock.state().live.is_empty(), "everything owned is gone");
    assert!(report.outputs.is_empty());
}

#[test]
fn mock_read_returns_only_owned_or_declared_resources() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mock = MockProvider::new();
        mock.seed(param("ours", "1"));
        let mut theirs = param("theirs", "1");
        *theirs.props.tags_mut() = tags_of(&theirs.address, "s", "other");
        mock.seed(theirs.clone());
        let mut untagged = vpc("untagged", "10.0.0.0/16");
        untagged.props.tags_mut().clear();
        mock.seed(untagged);

        let read = |desired: Vec<Resource>| {
            let mock = mock.clone();
            async move {
                let mut names: Vec<String> = mock
                    .read(&Kind::ALL, &desired, &owner())
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|l| l.address.to_string())
                    .collect();
                names.sort();
                names
            }
        };
        assert_eq!(read(vec![]).await, ["ssm_parameter.ours"]);
        assert_eq!(read(vec![theirs]).await, ["ssm_parameter.ours", "ssm_parameter.theirs"]);
        let tags = mock.live("ssm_parameter.ours").unwrap().props.tags().clone();
        assert_eq!(tags[TAG_STACK], "s");
        assert_eq!(tags[TAG_STAGE], "t");
        assert_eq!(tags[TAG_ADDRESS], "ssm_parameter.ours");
    });
}

#[tokio::test]
async fn replacing_a_vpc_removes_its_replaced_dependents_first_and_recreates_in_dependency_order() {
    let mock = MockProvider::new();
    converge(&mock, network()).await;
    let mut changed = network();
    for r in &mut changed {
        if let Props::Vpc(v) = &mut r.props {
            v.cidr_block = "10.1.0.0/16".into();
        }
    }
    let plan = plan(&mock, changed.clone()).await;
    assert_eq!(action(&plan, "vpc.main"), Action::Replace);
    // The subnets' `vpc_id` is unknown until the new VPC exists, and forces their replacement.
    assert_eq!(action(&plan, "subnet.a"), Action::Replace);
    assert_eq!(action(&plan, "subnet.b"), Action::Replace);
    assert_eq!(action(&plan, "ssm_parameter.vpc-id"), Action::Update);

    let calls_before = mock.mutations().len();
    let report = apply(&mock, &plan, 8).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert_eq!(report.outcomes.len(), 5, "one outcome per resource: {:#?}", report.outcomes);
    let calls = &mock.mutations()[calls_before..];
    let position = |wanted: &dyn Fn(&Call) -> bool| calls.iter().position(wanted).expect("call made");
    let deleted = |a: &str| position(&|c| *c == Call::Delete(addr(a)));
    let created = |a: &str| position(&|c| matches!(c, Call::Create(r) if r.address == addr(a)));
    let updated = |a: &str| position(&|c| matches!(c, Call::Update(u, _) if *u == addr(a)));
    assert!(deleted("subnet.a") < deleted("vpc.main") && deleted("subnet.b") < deleted("vpc.main"), "{calls:#?}");
    assert!(deleted("vpc.main") < created("vpc.main"), "{calls:#?}");
    assert!(created("vpc.main") < created("subnet.a") && created("vpc.main") < created("subnet.b"), "{calls:#?}");
    assert!(created("vpc.main") < updated("ssm_parameter.vpc-id"), "{calls:#?}");
    assert!(created("subnet.a") < updated("ssm_parameter.subnet-a-arn"), "{calls:#?}");
    assert_eq!(report.outputs[&addr("vpc.main")]["id"], mock.output("vpc.main", "id"));
    assert!(!plan_has_changes(&mock, changed).await);
}

#[tokio::test]
async fn a_replace_whose_delete_succeeds_and_create_fails_leaves_no_stale_outputs() {
    let mock = MockProvider::new();
    let resources = vec![vpc("main", "10.0.0.0/16"), param("vpc-id", "${vpc.main.id}")];
    converge(&mock, resources.clone()).await;
    let mut changed = resources;
    if let Props::Vpc(v) = &mut changed[0].props {
        v.cidr_block = "10.1.0.0/16".into();
    }
    let plan = plan(&mock, changed).await;
    mock.fail_create("vpc.main");
    let report = apply(&mock, &plan, 4).await;
    assert!(matches!(outcome(&report, "vpc.main"), Outcome::Failed { action: Action::Replace, .. }));
    assert!(
        matches!(outcome(&report, "ssm_parameter.vpc-id"), Outcome::Skipped { because, .. } if *because == addr("vpc.main"))
    );
    assert!(!report.outputs.contains_key(&addr("vpc.main")), "the old VPC is gone: {:#?}", report.outputs);
}

#[tokio::test]
async fn declared_references_order_deletes_even_against_the_usual_kind_order() {
    let mock = MockProvider::new();
    // Unusual but legal: a VPC that refers to a parameter, while parameters usually refer to VPCs.
    let mut odd = vpc("odd", "10.0.0.0/16");
    if let Props::Vpc(v) = &mut odd.props {
        v.tags.insert("source".into(), "${ssm_parameter.source.arn}".into());
    }
    let resources = vec![param("source", "x"), odd];
    converge(&mock, resources.clone()).await;

    let plan = plan_destroy(&mock, resources).await;
    let report = apply(&mock, &plan, 4).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert_eq!(report.outcomes.len(), 2);
    assert!(mock.delete_position("vpc.odd") < mock.delete_position("ssm_parameter.source"));
    assert!(mock.state().live.is_empty());
}

#[tokio::test]
async fn a_create_that_is_not_ready_yet_is_retried_until_it_is() {
    let mock = MockProvider::new();
    mock.state().not_ready.insert(addr("ssm_parameter.vpc-id"), 2);
    let report = converge(&mock, vec![vpc("main", "10.0.0.0/16"), param("vpc-id", "${vpc.main.id}")]).await;
    assert!(report.succeeded());
    let creates = mock
        .calls()
        .iter()
        .filter(|c| matches!(c, Call::Create(r) if r.address == addr("ssm_parameter.vpc-id")))
        .count();
    assert_eq!(creates, 3, "two answers of not ready, then created");
}

#[tokio::test]
async fn other_failures_are_not_retried() {
    let mock = MockProvider::new();
    mock.fail_create("ssm_parameter.vpc-id");
    let plan = plan(&mock, vec![vpc("main", "10.0.0.0/16"), param("vpc-id", "${vpc.main.id}")]).await;
    let report = apply(&mock, &plan, 4).await;
    assert!(!report.succeeded());
    let creates = mock
        .calls()
        .iter()
        .filter(|c| matches!(c, Call::Create(r) if r.address == addr("ssm_parameter.vpc-id")))
        .count();
    assert_eq!(creates, 1);
}

fn count_calls(mock: &MockProvider, wanted: impl Fn(&Call) -> bool) -> usize {
    mock.calls().iter().filter(|c| wanted(c)).count()
}

fn creates_of(mock: &MockProvider, address: &str) -> usize {
    let address = addr(address);
    count_calls(mock, |c| matches!(c, Call::Create(r) if r.address == address))
}

#[tokio::test]
async fn a_create_whose_response_is_lost_is_found_not_made_twice() {
    let mock = MockProvider::new();
    mock.state().lost_response.insert(addr("vpc.main"), 1);
    let report = converge(&mock, vec![vpc("main", "10.0.0.0/16"), param("vpc-id", "${vpc.main.id}")]).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert_eq!(creates_of(&mock, "vpc.main"), 1, "looked up after the lost response, not created again");
    assert!(mock.state().duplicates.is_empty());
    let Props::SsmParameter(p) = mock.created_props("ssm_parameter.vpc-id") else { panic!("a parameter") };
    assert_eq!(p.value, mock.output("vpc.main", "id"), "dependents get the found resource's outputs");
    assert!(!plan_has_changes(&mock, vec![vpc("main", "10.0.0.0/16"), param("vpc-id", "${vpc.main.id}")]).await);
}

#[tokio::test]
async fn a_throttled_read_retries_only_its_own_service() {
    let mock = MockProvider::new();
    mock.state().throttled_reads.insert("ssm", 2);
    let plan = plan(&mock, vec![param("a", "1")]).await;
    assert_eq!(action(&plan, "ssm_parameter.a"), Action::Create);
    let reads = mock.state().reads_by_service.clone();
    // Each service is read once, ssm once more per throttled answer.
    assert_eq!(reads.get("ssm"), Some(&3), "{reads:?}");
    assert!(reads.iter().filter(|(s, _)| **s != "ssm").all(|(_, n)| *n == 1), "{reads:?}");
}

#[tokio::test]
async fn a_throttled_create_is_retried_with_backoff_until_it_succeeds() {
    let mock = MockProvider::new();
    mock.state().throttled.insert(addr("vpc.main"), 2);
    let report = converge(&mock, network()).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert_eq!(creates_of(&mock, "vpc.main"), 3, "two throttled attempts, then created");
    assert!(mock.state().duplicates.is_empty());
}

#[tokio::test]
async fn throttling_that_outlasts_the_retry_bound_fails_the_resource() {
    let mock = MockProvider::new();
    mock.state().throttled.insert(addr("vpc.main"), 100);
    let plan = plan(&mock, network()).await;
    let report = apply(&mock, &plan, 4).await;
    assert!(
        matches!(outcome(&report, "vpc.main"), Outcome::Failed { error, .. } if error.contains("ThrottlingException"))
    );
    assert_eq!(creates_of(&mock, "vpc.main"), fast_retries().attempts as usize);
}

/// Applies `plan`, returning the report and every event in the order it was reported.
async fn apply_with_events(mock: &Arc<MockProvider>, plan: &Plan) -> (ApplyReport, Vec<Event>) {
    let events = Mutex::new(Vec::new());
    let report = Executor::new(mock.clone(), options(4), owner())
        .apply(plan, &|e: &Event| events.lock().unwrap().push(e.clone()))
        .await;
    (report, events.into_inner().unwrap())
}

/// The events about `address`, in order.
fn events_of<'a>(events: &'a [Event], address: &str) -> Vec<&'a Event> {
    let address = addr(address);
    events.iter().filter(|e| *e.address() == address).collect()
}

#[tokio::test]
async fn each_backoff_is_reported_as_a_retry_between_start_and_finish() {
    let mock = MockProvider::new();
    mock.state().throttled.insert(addr("vpc.main"), 2);
    let plan = plan(&mock, network()).await;
    let (report, events) = apply_with_events(&mock, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    let vpc = events_of(&events, "vpc.main");
    assert_eq!(vpc.len(), 4, "{vpc:#?}");
    assert!(matches!(vpc[0], Event::Started { action: Action::Create, .. }), "{vpc:#?}");
    for (event, expected) in vpc[1..3].iter().zip([2, 3]) {
        let Event::Retrying { attempt, attempts, class, reason, pause, .. } = event else {
            panic!("a retry, not {event:?}")
        };
        assert_eq!((*attempt, *attempts, *class), (expected, fast_retries().attempts, ErrorClass::Throttled));
        assert!(reason.contains("ThrottlingException: Rate exceeded"), "{reason}");
        assert!(*pause <= fast_retries().backoff_cap);
    }
    assert!(matches!(vpc[3], Event::Finished { outcome: Outcome::Done { .. }, .. }), "{vpc:#?}");
    for other in ["subnet.a", "subnet.b", "ssm_parameter.vpc-id"] {
        let seen = events_of(&events, other);
        assert!(
            matches!(seen[..], [Event::Started { .. }, Event::Finished { .. }]),
            "without faults only a start and a finish: {seen:#?}"
        );
    }
}

#[tokio::test]
async fn each_readiness_wait_is_reported_as_such() {
    let mock = MockProvider::new();
    mock.state().not_ready.insert(addr("ssm_parameter.vpc-id"), 2);
    let plan = plan(&mock, vec![vpc("main", "10.0.0.0/16"), param("vpc-id", "${vpc.main.id}")]).await;
    let (report, events) = apply_with_events(&mock, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    let param = events_of(&events, "ssm_parameter.vpc-id");
    assert_eq!(param.len(), 4, "{param:#?}");
    assert!(matches!(param[0], Event::Started { .. }));
    let pauses: Vec<Duration> = param[1..3]
        .iter()
        .map(|e| match e {
            Event::AwaitingReadiness { reason, pause, .. } => {
                assert!(reason.contains("unable to assume role"), "{reason}");
                *pause
            }
            other => panic!("a readiness wait, not {other:?}"),
        })
        .collect();
    assert_eq!(pauses, [fast_retries().readiness_first_pause, fast_retries().readiness_first_pause * 2], "growing");
    assert!(matches!(param[3], Event::Finished { outcome: Outcome::Done { .. }, .. }));
    assert!(events.iter().all(|e| !matches!(e, Event::Retrying { .. })), "a readiness wait is not a retry");
}

#[tokio::test]
async fn a_lost_delete_response_is_reported_as_a_retry_and_the_resource_as_destroyed() {
    let mock = MockProvider::new();
    converge(&mock, network()).await;
    mock.state().lost_response.insert(addr("vpc.main"), 1);
    let plan = plan_destroy(&mock, network()).await;
    let (report, events) = apply_with_events(&mock, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    let vpc = events_of(&events, "vpc.main");
    assert!(
        matches!(
            vpc[..],
            [
                Event::Started { action: Action::Delete, .. },
                Event::Retrying { attempt: 2, class: ErrorClass::Unreachable, .. },
                Event::Finished { outcome: Outcome::Done { action: Action::Delete, .. }, .. }
            ]
        ),
        "{vpc:#?}"
    );
}

#[tokio::test]
async fn an_update_whose_response_is_lost_is_checked_not_failed() {
    let mock = MockProvider::new();
    converge(&mock, network()).await;
    mock.state().lost_response.insert(addr("ssm_parameter.vpc-id"), 1);
    let changed = with_param_value(network(), "vpc-id", "new");
    let report = converge(&mock, changed.clone()).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    let updates = count_calls(&mock, |c| matches!(c, Call::Update(a, _) if *a == addr("ssm_parameter.vpc-id")));
    assert_eq!(updates, 1, "the lookup found the update in place");
    assert!(!plan_has_changes(&mock, changed).await);
}

#[tokio::test]
async fn a_delete_whose_response_is_lost_is_confirmed_by_a_lookup() {
    let mock = MockProvider::new();
    converge(&mock, network()).await;
    mock.state().lost_response.insert(addr("vpc.main"), 1);
    let plan = plan_destroy(&mock, network()).await;
    let report = apply(&mock, &plan, 4).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert!(mock.state().live.is_empty());
    assert_eq!(count_calls(&mock, |c| *c == Call::Delete(addr("vpc.main"))), 1);
}

fn addresses(plan: &Plan) -> Vec<String> {
    let mut out: Vec<String> = plan.changes.iter().map(|c| c.address.to_string()).collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_target_brings_what_it_depends_on_and_nothing_else() {
    let mock = MockProvider::new();
    let mut plan = plan(&mock, network()).await;
    plan.restrict_to(&[addr("ssm_parameter.subnet-a-arn")], TargetScope::WithDependencies).unwrap();
    assert_eq!(addresses(&plan), ["ssm_parameter.subnet-a-arn", "subnet.a", "vpc.main"]);
    let report = apply(&mock, &plan, 4).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert!(mock.live("subnet.b").is_none() && mock.live("ssm_parameter.vpc-id").is_none());
}

#[tokio::test]
async fn a_destroy_target_brings_what_depends_on_it() {
    let mock = MockProvider::new();
    converge(&mock, network()).await;
    let mut plan = plan_destroy(&mock, network()).await;
    plan.restrict_to(&[addr("subnet.a")], TargetScope::WithDependents).unwrap();
    assert_eq!(addresses(&plan), ["ssm_parameter.subnet-a-arn", "subnet.a"]);
    let report = apply(&mock, &plan, 4).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert!(mock.live("subnet.a").is_none() && mock.live("subnet.b").is_some() && mock.live("vpc.main").is_some());
    assert!(mock.delete_position("ssm_parameter.subnet-a-arn") < mock.delete_position("subnet.a"));
}

#[tokio::test]
async fn an_unknown_target_is_named() {
    let mock = MockProvider::new();
    let mut plan = plan(&mock, network()).await;
    let unknown = plan.restrict_to(&[addr("vpc.main"), addr("vpc.other")], TargetScope::WithDependencies).unwrap_err();
    assert_eq!(unknown, vec![addr("vpc.other")]);
}

#[tokio::test]
async fn with_parallelism_one_the_longest_chain_starts_before_independent_short_nodes() {
    let mock = MockProvider::new();
    // Independent parameters first in the declaration, and first in name order too.
    let mut resources: Vec<Resource> = (1..=4).map(|i| param(&format!("a-short-{i}"), "independent")).collect();
    resources.push(param("z-chain-1", "start"));
    resources.push(param("z-chain-2", "${ssm_parameter.z-chain-1.arn}"));
    resources.push(param("z-chain-3", "${ssm_parameter.z-chain-2.arn}"));
    resources.push(param("z-chain-4", "${ssm_parameter.z-chain-3.arn}"));
    let mut plan = plan(&mock, resources).await;
    // In plan order the short ones come first: first come, first served would start them first.
    plan.changes.sort_by_key(|c| c.address.name().to_string());
    let report = apply(&mock, &plan, 1).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    let created: Vec<String> = mock
        .mutations()
        .into_iter()
        .filter_map(|c| match c {
            Call::Create(r) => Some(r.address.name().to_string()),
            _ => None,
        })
        .collect();
    // The chain's head heads the longest chain (4 steps): it goes first, and each next link,
    // heading a chain still longer than one step, goes before the short ones.
    assert_eq!(created[..3], ["z-chain-1", "z-chain-2", "z-chain-3"], "{created:?}");
    assert_eq!(created.len(), 8);
}

#[tokio::test]
async fn a_destroy_of_thousands_of_resources_keeps_both_orders_and_completes() {
    let mock = MockProvider::new();
    // 30 VPCs with 10 subnets each, 2,670 parameters referring to a subnet or a VPC, all live.
    let mut resources: Vec<Resource> = Vec::new();
    for v in 0..30 {
        resources.push(vpc(&format!("v{v}"), &format!("10.{v}.0.0/16")));
        for s in 0..10 {
            resources.push(subnet(&format!("v{v}-s{s}"), &format!("v{v}"), &format!("10.{v}.{s}.0/24")));
        }
    }
    for p in 0..2_670 {
        let (v, s) = (p % 30, p % 10);
        let value = if p % 3 == 0 { format!("${{vpc.v{v}.id}}") } else { format!("${{subnet.v{v}-s{s}.id}}") };
        resources.push(param(&format!("p{p}"), &value));
    }
    assert_eq!(resources.len(), 3_000);
    for r in &resources {
        mock.seed(r.clone());
    }
    let plan = plan_destroy(&mock, resources).await;
    assert_eq!(plan.summary(), Summary { delete: 3_000, ..Summary::default() });
    let report = apply(&mock, &plan, 512).await;
    assert!(report.succeeded(), "{:?}", report.root_causes().first());
    assert_eq!(report.outcomes.len(), 3_000);
    assert!(mock.state().live.is_empty());
    // Every parameter before every subnet (the kind order), every subnet before its VPC.
    let deletes: Vec<Address> = mock
        .mutations()
        .into_iter()
        .filter_map(|c| match c {
            Call::Delete(a) => Some(a),
            _ => None,
        })
        .collect();
    let last_param = deletes.iter().rposition(|a| a.kind() == Kind::SsmParameter).unwrap();
    let first_subnet = deletes.iter().position(|a| a.kind() == Kind::Subnet).unwrap();
    let last_subnet = deletes.iter().rposition(|a| a.kind() == Kind::Subnet).unwrap();
    let first_vpc = deletes.iter().position(|a| a.kind() == Kind::Vpc).unwrap();
    assert!(last_param < first_subnet && last_subnet < first_vpc);
}

#[tokio::test]
async fn a_reference_against_the_kind_order_reverses_only_its_own_pair() {
    let mock = MockProvider::new();
    // `vpc.odd` refers to `ssm_parameter.source`: the one must go before the other. The kind
    // order still holds for everything else: other parameters go before both VPCs.
    let mut odd = vpc("odd", "10.0.0.0/16");
    if let Props::Vpc(v) = &mut odd.props {
        v.tags.insert("source".into(), "${ssm_parameter.source.arn}".into());
    }
    let resources = vec![
        param("source", "x"),
        odd,
        vpc("main", "10.1.0.0/16"),
        param("other", "y"),
        param("main-id", "${vpc.main.id}"),
    ];
    converge(&mock, resources.clone()).await;
    let plan = plan_destroy(&mock, resources).await;
    let report = apply(&mock, &plan, 1).await;
    assert!(report.succeeded(), "{:#?}", report.outcomes);
    assert_eq!(report.outcomes.len(), 5);
    let at = |a: &str| mock.delete_position(a);
    assert!(at("vpc.odd") < at("ssm_parameter.source"));
    for p in ["ssm_parameter.other", "ssm_parameter.main-id"] {
        assert!(at(p) < at("vpc.main"), "{p}");
        assert!(at(p) < at("vpc.odd"), "{p}");
    }
    assert!(mock.state().live.is_empty());
}
