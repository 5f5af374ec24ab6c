//! Full drift coverage (issue 6, item 1): every attribute the specs declare, of every kind in the
//! stack, is read back and compared semantically. One row per (kind, top-level attribute) changes
//! that attribute out of band with the SDK; `plan` must report exactly that attribute (every
//! change path of the resource is the attribute or starts with `attribute.`) and `apply` must
//! repair it. Rows run in rounds, at most one row per resource a round (rows touching one
//! resource run in table order): one plan must report exactly what the round changed, one apply
//! repairs it, and the next round's plan proves the repair (the last one is followed by a no-op
//! plan). Equivalent forms (a policy document written differently, a key named by its ID or
//! alias, a token validity in other units) must plan no change at all.
//!
//! Where AWS cannot change an attribute in place, the row re-makes the resource out of band with
//! the other value (`Replace`), or moves it where the stack no longer finds it (`Create`); where
//! AWS cannot change it alone, the row says what else changes and why. Every top-level attribute
//! of every resource the stack declares has a row, or is in [`bankinfra_model::UNCOMPARED`] (the
//! planner does not compare it): `drift_coverage_table_covers_every_declared_attribute` checks it.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use bankinfra_model::{Address, Kind, UNCOMPARED};
use serde_json::{Value, json};

use crate::harness::{Env, STAGE, changes, iam_document, text};

/// An out-of-band change made with the SDK.
type Mutation = for<'a> fn(&'a Env) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

/// What the plan must say about the row's resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// An in-place update of exactly the attribute.
    Update,
    /// A replacement because of exactly the attribute (AWS cannot change it in place).
    Replace,
    /// The resource is no longer found: the attribute is part of how it is found (a name of a kind
    /// that carries no tags, the VPC an EC2 resource is read in), so it is planned as a create.
    Create,
    /// The change is to an equivalent form: no change may be planned for the resource.
    Equivalent,
}

struct Row {
    /// The resource changed, `kind.name`.
    address: &'static str,
    /// The top-level attribute changed.
    attribute: &'static str,
    check: Check,
    mutate: Mutation,
    /// What the change necessarily does to other resources (or to another attribute of this one,
    /// where AWS cannot change the attribute alone): `(address, action, attribute)`, with `"*"`
    /// for a create.
    also: &'static [(&'static str, &'static str, &'static str)],
}

impl Row {
    fn kind(&self) -> Kind {
        self.address.parse::<Address>().unwrap_or_else(|e| panic!("row {}: {e}", self.address)).kind()
    }

    /// Every resource the row's plan expectation names.
    fn touched(&self) -> BTreeSet<&'static str> {
        std::iter::once(self.address).chain(self.also.iter().map(|(a, _, _)| *a)).collect()
    }

    fn label(&self) -> String {
        let check = match self.check {
            Check::Equivalent => " (equivalent form)",
            _ => "",
        };
        format!("{}.{}{check}", self.address, self.attribute)
    }
}

/// `(action, top-level attributes)` per address; `{"*"}` for a create.
type Expected = BTreeMap<String, (String, BTreeSet<String>)>;

fn action(check: Check) -> &'static str {
    match check {
        Check::Update => "update",
        Check::Replace => "replace",
        Check::Create => "create",
        Check::Equivalent => "no_op",
    }
}

fn expected(round: &[&Row]) -> Expected {
    let mut out = Expected::new();
    let mut add = |address: &str, action: &str, attribute: &str| {
        let attribute = if action == "create" { "*" } else { attribute };
        let entry = out.entry(address.to_string()).or_insert_with(|| (action.to_string(), BTreeSet::new()));
        assert_eq!(entry.0, action, "rows disagree on the action for {address}");
        entry.1.insert(attribute.to_string());
    };
    for row in round {
        if row.check != Check::Equivalent {
            add(row.address, action(row.check), row.attribute);
        }
        for (address, action, attribute) in row.also {
            add(address, action, attribute);
        }
    }
    out
}

/// What a plan reports: every change path reduced to its top-level attribute.
fn found(plan: &Value) -> Expected {
    changes(plan)
        .into_iter()
        .map(|(address, action, paths)| {
            let attributes = if action == "create" {
                BTreeSet::from(["*".to_string()])
            } else {
                paths.iter().map(|p| p.split('.').next().unwrap_or_default().to_string()).collect()
            };
            (address, (action, attributes))
        })
        .collect()
}

/// Rows in rounds: a row joins the first round after those of the rows before it that touch a
/// resource it touches (so rows touching one resource run in table order).
fn rounds(rows: &[Row]) -> Vec<Vec<&Row>> {
    let mut rounds: Vec<(BTreeSet<&str>, Vec<&Row>)> = Vec::new();
    for row in rows {
        let touched = row.touched();
        let after = rounds.iter().rposition(|(used, _)| !used.is_disjoint(&touched)).map_or(0, |n| n + 1);
        if after == rounds.len() {
            rounds.push((BTreeSet::new(), Vec::new()));
        }
        let (used, round) = &mut rounds[after];
        used.extend(touched);
        round.push(row);
    }
    rounds.into_iter().map(|(_, round)| round).collect()
}

fn row(address: &'static str, attribute: &'static str, check: Check, mutate: Mutation) -> Row {
    Row { address, attribute, check, mutate, also: &[] }
}

fn row_also(
    address: &'static str,
    attribute: &'static str,
    check: Check,
    also: &'static [(&'static str, &'static str, &'static str)],
    mutate: Mutation,
) -> Row {
    Row { address, attribute, check, mutate, also }
}

use Check::{Create, Equivalent, Replace, Update};

// ------------------------------------------------------------------------------------------------
// The coverage check (no emulator).

fn specs() -> bankinfra_spec::Specs {
    bankinfra_spec::load(&bankinfra_testkit::repo_root().join("specs"), STAGE).expect("the specs load")
}

/// Every (kind, top-level attribute) of every resource the stack declares.
fn declared_attributes() -> BTreeSet<(Kind, String)> {
    bankinfra_stack::desired_resources(&specs())
        .iter()
        .flat_map(|r| {
            let kind = r.address.kind();
            r.props.fields().into_iter().map(move |(attribute, _)| (kind, attribute))
        })
        .collect()
}

#[test]
fn drift_coverage_table_covers_every_declared_attribute() {
    let rows = rows();
    let declared = declared_attributes();
    let mut covered: BTreeMap<(Kind, String), Vec<String>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.check != Equivalent) {
        covered.entry((r.kind(), r.attribute.to_string())).or_default().push(format!("row {}", r.address));
    }
    for u in UNCOMPARED {
        covered.entry((u.kind, u.attribute.to_string())).or_default().push("UNCOMPARED".into());
    }
    let missing: Vec<String> =
        declared.iter().filter(|k| !covered.contains_key(*k)).map(|(k, a)| format!("{k}.{a}")).collect();
    let unknown: Vec<String> =
        covered.keys().filter(|k| !declared.contains(*k)).map(|(k, a)| format!("{k}.{a}")).collect();
    // Several rows may change one attribute in different ways, but an uncompared one has none.
    let twice: Vec<String> = covered
        .iter()
        .filter(|(_, by)| by.iter().any(|b| b == "UNCOMPARED") && by.len() > 1)
        .map(|((k, a), by)| format!("{k}.{a}: {by:?}"))
        .collect();
    assert!(missing.is_empty(), "declared attributes neither a row nor UNCOMPARED covers: {missing:#?}");
    assert!(unknown.is_empty(), "covered attributes the stack does not declare: {unknown:#?}");
    assert!(twice.is_empty(), "uncompared attributes that rows change: {twice:#?}");
    // Every kind of the model is in the stack, so every kind is covered.
    let kinds: BTreeSet<Kind> = declared.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, Kind::ALL.into_iter().collect(), "every kind is declared by the stack");
    // Rows name declared resources, and at least two rows check equivalent forms.
    let addresses: BTreeSet<String> =
        bankinfra_stack::desired_resources(&specs()).iter().map(|r| r.address.to_string()).collect();
    for r in &rows {
        assert!(addresses.contains(r.address), "row {} names no declared resource", r.label());
        for (a, _, _) in r.also {
            assert!(addresses.contains(*a), "row {} names {a}, which is not declared", r.label());
        }
    }
    assert!(rows.iter().filter(|r| r.check == Equivalent).count() >= 2, "at least two equivalent-form rows");
}

// ------------------------------------------------------------------------------------------------
// The drift test.

#[tokio::test]
async fn drift_coverage_every_attribute_is_planned_exactly_and_repaired() {
    let started = Instant::now();
    let env =
        Env::with_emulator(bankinfra_testkit::Emulator::start_with_request_log(&[])).await.with_organization().await;
    env.apply();
    env.assert_no_changes();
    // The requests of bankinfra's applies (the rows' own out-of-band calls are left out).
    let mut applies = env.emulator.request_log();
    let rows = rows();
    let rounds = rounds(&rows);
    println!("drift coverage: {} rows in {} rounds", rows.len(), rounds.len());
    // Every round runs, so one run shows every row that fails (a failed round may leave drift
    // that later rounds then report as well).
    let mut failures = Vec::new();
    for (n, round) in rounds.iter().enumerate() {
        let t = Instant::now();
        for row in round {
            (row.mutate)(&env).await;
        }
        let want = expected(round);
        let out = env.run(&["plan", "--stage", STAGE, "--json", "--detailed-exitcode"]);
        let plan: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("round {n}: plan --json prints JSON ({e}): {}{}", text(&out.stdout), text(&out.stderr))
        });
        let got = found(&plan);
        let code = if want.is_empty() { 0 } else { 2 };
        if got != want || out.status.code() != Some(code) {
            let labels: Vec<String> = round.iter().map(|r| r.label()).collect();
            let missing: Vec<_> = want.iter().filter(|(a, w)| got.get(*a) != Some(w)).collect();
            let extra: Vec<_> = got.iter().filter(|(a, g)| want.get(*a) != Some(g)).collect();
            let planned: Vec<&Value> = plan["resource_changes"]
                .as_array()
                .map(|c| c.iter().filter(|c| c["action"] != "no_op").collect())
                .unwrap_or_default();
            failures.push(format!(
                "round {n}: the plan (exit {:?}) does not report exactly the drift of {labels:#?}\n\
                 expected but not planned so: {missing:#?}\nplanned but not expected so: {extra:#?}\n\
                 planned changes: {planned:#?}",
                out.status.code()
            ));
        }
        if got.is_empty() {
            println!("round {n}: {} rows, nothing planned ({:.1?})", round.len(), t.elapsed());
            continue;
        }
        // Replacing what holds data must be allowed by name.
        let allowed: Vec<String> = got
            .iter()
            .filter(|(a, (action, _))| action == "replace" && a.parse::<Address>().is_ok_and(|a| a.kind().holds_data()))
            .flat_map(|(a, _)| ["--allow-replace".to_string(), a.clone()])
            .collect();
        let mut args = vec!["apply", "--stage", STAGE, "--auto-approve"];
        args.extend(allowed.iter().map(String::as_str));
        let before = env.emulator.request_log().len();
        let applied = env.run(&args);
        applies.extend(env.emulator.request_log().into_iter().skip(before));
        if applied.status.code() != Some(0) {
            failures.push(format!(
                "round {n}: apply exited {:?}\nstdout:\n{}\nstderr:\n{}",
                applied.status.code(),
                text(&applied.stdout),
                text(&applied.stderr)
            ));
            break;
        }
        println!("round {n}: {} rows, planned and repaired in {:.1?}", round.len(), t.elapsed());
    }
    if failures.is_empty() {
        env.assert_no_changes();
    }
    let unknown = crate::harness::calls_the_lockout_gate_does_not_know(&applies);
    if !unknown.is_empty() {
        failures.push(format!("calls missing from crates/verify/src/lockout/calls.rs: {unknown:?}"));
    }
    assert!(failures.is_empty(), "{} failed rounds:\n{}", failures.len(), failures.join("\n\n"));
    println!("drift coverage: {} rows in {:.1?}", rows.len(), started.elapsed());
}

// ------------------------------------------------------------------------------------------------
// The table.

const ACCOUNT: &str = "123456789012";
const REGION: &str = "ap-southeast-2";
/// The tag every `tags` row changes (a default tag, not an ownership tag, so the resource is still
/// found).
const TAG: &str = "cost_center";
const DRIFTED: &str = "drifted";

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    rows.extend(network_rows());
    rows.extend(kms_rows());
    rows.extend(s3_rows());
    rows.extend(sqs_rows());
    rows.extend(events_rows());
    rows.extend(logs_rows());
    rows.extend(sns_rows());
    rows.extend(xray_rows());
    rows.extend(iam_rows());
    rows.extend(cloudtrail_rows());
    rows.extend(firehose_rows());
    rows.extend(cognito_rows());
    rows.extend(scp_rows());
    rows.extend(ssm_rows());
    rows
}

// ---------------------------------------------------------------- shared helpers

/// The last statement dropped: a real change of a policy document.
fn without_last_statement(doc: &Value) -> Value {
    let mut doc = doc.clone();
    let statements = doc["Statement"].as_array_mut().expect("a policy with a Statement list");
    assert!(statements.len() > 1, "a policy with more than one statement: {doc}");
    statements.pop();
    doc
}

/// The same policy written differently: statements in reverse order, single values as
/// one-element lists and one-element lists as single values, `"*"` principals as `{"AWS": "*"}`,
/// keys in reverse order.
fn equivalent_form(doc: &Value) -> Value {
    fn flip(v: &mut Value) {
        match v {
            Value::String(_) => *v = Value::Array(vec![v.clone()]),
            Value::Array(items) if items.len() == 1 => *v = items[0].clone(),
            Value::Array(items) => items.reverse(),
            _ => {}
        }
    }
    fn reversed_keys(v: Value) -> Value {
        match v {
            Value::Object(map) => Value::Object(map.into_iter().rev().map(|(k, v)| (k, reversed_keys(v))).collect()),
            Value::Array(items) => Value::Array(items.into_iter().map(reversed_keys).collect()),
            other => other,
        }
    }
    let mut doc = doc.clone();
    let mut statements = match doc["Statement"].take() {
        Value::Array(items) => items,
        other => vec![other],
    };
    statements.reverse();
    for s in &mut statements {
        for key in ["Action", "NotAction", "Resource", "NotResource"] {
            if let Some(v) = s.get_mut(key) {
                flip(v);
            }
        }
        match s.get_mut("Principal") {
            Some(p @ Value::String(_)) if p == "*" => *p = json!({"AWS": "*"}),
            Some(Value::Object(p)) => p.values_mut().for_each(flip),
            _ => {}
        }
    }
    doc["Statement"] = Value::Array(statements);
    let doc = reversed_keys(doc);
    assert!(bankinfra_model::policy::equivalent(&doc, &doc.clone()));
    doc
}

/// `equivalent_form`, checked to be written differently.
fn rewritten(doc: &Value) -> String {
    let rewritten = equivalent_form(doc);
    assert_ne!(rewritten.to_string(), doc.to_string(), "the equivalent form is written differently");
    assert!(bankinfra_model::policy::equivalent(doc, &rewritten), "the rewritten policy means the same");
    rewritten.to_string()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("a JSON document ({e}): {text}"))
}

/// The ARN of the classification key, found by its address tag (rows may delete its alias).
async fn key_arn(e: &Env, class: &str) -> String {
    let kms = e.kms();
    let address = format!("kms_key.{class}");
    for key in kms.list_keys().send().await.unwrap().keys() {
        let id = key.key_id().unwrap();
        let tags = kms.list_resource_tags().key_id(id).send().await.unwrap();
        if tags.tags().iter().any(|t| t.tag_key() == "bankinfra:address" && t.tag_value() == address) {
            let meta = kms.describe_key().key_id(id).send().await.unwrap();
            let meta = meta.key_metadata().unwrap();
            if meta.key_state() != Some(&aws_sdk_kms::types::KeyState::PendingDeletion) {
                return meta.arn().unwrap().to_string();
            }
        }
    }
    panic!("{address} exists")
}

// ---------------------------------------------------------------- networking

mod net {
    use aws_sdk_ec2::types::{
        AttributeBooleanValue, Filter, InternetGateway, ResourceType, RouteTable, Subnet, Tag, TagSpecification,
        VpcEndpoint, VpcEndpointType,
    };

    use super::{DRIFTED, REGION, TAG};
    use crate::harness::{Env, STAGE};

    fn owned(address: &str) -> Vec<Filter> {
        [("tag:bankinfra:address", address), ("tag:bankinfra:stage", STAGE)]
            .into_iter()
            .map(|(k, v)| Filter::builder().name(k).values(v).build())
            .collect()
    }

    fn tags_of(tags: &[Tag]) -> Vec<Tag> {
        tags.iter().filter(|t| !t.key().unwrap_or_default().starts_with("aws:")).cloned().collect()
    }

    fn spec(kind: ResourceType, tags: &[Tag]) -> TagSpecification {
        TagSpecification::builder().resource_type(kind).set_tags(Some(tags_of(tags))).build()
    }

    pub async fn vpc_id(e: &Env) -> String {
        let out = e.ec2().describe_vpcs().set_filters(Some(owned("vpc.main"))).send().await.unwrap();
        out.vpcs()[0].vpc_id().unwrap().to_string()
    }

    /// A VPC nobody owns, to move resources out of ours.
    pub async fn elsewhere(e: &Env) -> String {
        let ec2 = e.ec2();
        let name = Filter::builder().name("tag:Name").values("drift-elsewhere").build();
        let found = ec2.describe_vpcs().filters(name).send().await.unwrap();
        if let Some(id) = found.vpcs().first().and_then(|v| v.vpc_id()) {
            return id.to_string();
        }
        // The tags GOV-005's SCP requires of every create, and a name.
        let tags = [
            ("Name", "drift-elsewhere"),
            ("tenant_id", "totara-bank"),
            ("module_id", "MOD-104"),
            ("environment", STAGE),
        ]
        .map(|(k, v)| Tag::builder().key(k).value(v).build());
        let spec = TagSpecification::builder().resource_type(ResourceType::Vpc).set_tags(Some(tags.to_vec())).build();
        let out = ec2.create_vpc().cidr_block("10.99.0.0/16").tag_specifications(spec).send().await.unwrap();
        out.vpc().unwrap().vpc_id().unwrap().to_string()
    }

    /// `owned(address)` inside the stack's VPC (rows leave tagged resources in other VPCs).
    async fn ours(e: &Env, address: &str) -> Vec<Filter> {
        let mut filters = owned(address);
        filters.push(Filter::builder().name("vpc-id").values(vpc_id(e).await).build());
        filters
    }

    pub async fn subnet(e: &Env, address: &str) -> Subnet {
        let out = e.ec2().describe_subnets().set_filters(Some(ours(e, address).await)).send().await.unwrap();
        out.subnets().first().unwrap_or_else(|| panic!("{address} exists")).clone()
    }

    pub async fn route_table(e: &Env, address: &str) -> RouteTable {
        let out = e.ec2().describe_route_tables().set_filters(Some(ours(e, address).await)).send().await.unwrap();
        out.route_tables().first().unwrap_or_else(|| panic!("{address} exists")).clone()
    }

    pub async fn endpoint(e: &Env, address: &str) -> VpcEndpoint {
        let out = e.ec2().describe_vpc_endpoints().set_filters(Some(ours(e, address).await)).send().await.unwrap();
        out.vpc_endpoints()
            .iter()
            .find(|v| v.state().is_none_or(|s| !s.as_str().eq_ignore_ascii_case("deleted")))
            .unwrap_or_else(|| panic!("{address} exists"))
            .clone()
    }

    pub async fn gateway(e: &Env) -> InternetGateway {
        let out = e
            .ec2()
            .describe_internet_gateways()
            .set_filters(Some(owned("internet_gateway.main")))
            .send()
            .await
            .unwrap();
        out.internet_gateways()[0].clone()
    }

    pub async fn tag(e: &Env, id: &str) {
        let tag = Tag::builder().key(TAG).value(DRIFTED).build();
        e.ec2().create_tags().resources(id).tags(tag).send().await.unwrap();
    }

    pub async fn vpc_attribute(e: &Env, hostnames: bool) {
        let id = vpc_id(e).await;
        let off = AttributeBooleanValue::builder().value(false).build();
        let req = e.ec2().modify_vpc_attribute().vpc_id(id);
        let req = if hostnames { req.enable_dns_hostnames(off) } else { req.enable_dns_support(off) };
        req.send().await.unwrap();
    }

    /// A VPC of another CIDR takes over the stack's tags (a VPC's CIDR cannot change); the old
    /// one, untagged, is no longer the stack's, and neither is anything inside it.
    pub async fn vpc_cidr(e: &Env) {
        let ec2 = e.ec2();
        let old = ec2.describe_vpcs().set_filters(Some(owned("vpc.main"))).send().await.unwrap().vpcs()[0].clone();
        let created = ec2
            .create_vpc()
            .cidr_block("10.41.0.0/16")
            .tag_specifications(spec(ResourceType::Vpc, old.tags()))
            .send()
            .await
            .unwrap();
        let on = AttributeBooleanValue::builder().value(true).build();
        let id = created.vpc().unwrap().vpc_id().unwrap();
        ec2.modify_vpc_attribute().vpc_id(id).enable_dns_support(on.clone()).send().await.unwrap();
        ec2.modify_vpc_attribute().vpc_id(id).enable_dns_hostnames(on).send().await.unwrap();
        let ownership: Vec<Tag> = ["bankinfra:stack", "bankinfra:stage", "bankinfra:address"]
            .into_iter()
            .map(|k| Tag::builder().key(k).build())
            .collect();
        ec2.delete_tags().resources(old.vpc_id().unwrap()).set_tags(Some(ownership)).send().await.unwrap();
    }

    pub async fn vpc_tags(e: &Env) {
        tag(e, &vpc_id(e).await).await;
    }

    pub async fn subnet_public_ip(e: &Env) {
        let s = subnet(e, "subnet.public-a").await;
        let on = AttributeBooleanValue::builder().value(true).build();
        e.ec2()
            .modify_subnet_attribute()
            .subnet_id(s.subnet_id().unwrap())
            .map_public_ip_on_launch(on)
            .send()
            .await
            .unwrap();
    }

    pub async fn subnet_tags(e: &Env) {
        tag(e, subnet(e, "subnet.public-b").await.subnet_id().unwrap()).await;
    }

    /// Deletes the subnet and makes it again, tagged as before, in `vpc` (else the same VPC) with
    /// the given CIDR and AZ (else the same).
    async fn recreate_subnet(e: &Env, address: &str, vpc: Option<String>, cidr: Option<&str>, az: Option<&str>) {
        let s = subnet(e, address).await;
        let ec2 = e.ec2();
        ec2.delete_subnet().subnet_id(s.subnet_id().unwrap()).send().await.unwrap();
        ec2.create_subnet()
            .vpc_id(vpc.unwrap_or_else(|| s.vpc_id().unwrap().to_string()))
            .cidr_block(cidr.unwrap_or(s.cidr_block().unwrap()))
            .availability_zone(az.unwrap_or(s.availability_zone().unwrap()))
            .tag_specifications(spec(ResourceType::Subnet, s.tags()))
            .send()
            .await
            .unwrap();
    }

    pub async fn subnet_cidr(e: &Env) {
        recreate_subnet(e, "subnet.private-c", None, Some("10.40.128.0/19"), None).await;
    }

    pub async fn subnet_az(e: &Env) {
        recreate_subnet(e, "subnet.private-b", None, None, Some(&format!("{REGION}c"))).await;
    }

    pub async fn subnet_vpc(e: &Env) {
        let other = elsewhere(e).await;
        recreate_subnet(e, "subnet.public-c", Some(other), Some("10.99.8.0/22"), None).await;
    }

    pub async fn gateway_detached(e: &Env) {
        let g = gateway(e).await;
        e.ec2()
            .detach_internet_gateway()
            .internet_gateway_id(g.internet_gateway_id().unwrap())
            .vpc_id(vpc_id(e).await)
            .send()
            .await
            .unwrap();
    }

    pub async fn gateway_tags(e: &Env) {
        tag(e, gateway(e).await.internet_gateway_id().unwrap()).await;
    }

    pub async fn route_deleted(e: &Env) {
        let t = route_table(e, "route_table.public").await;
        e.ec2()
            .delete_route()
            .route_table_id(t.route_table_id().unwrap())
            .destination_cidr_block("0.0.0.0/0")
            .send()
            .await
            .unwrap();
    }

    /// A route to a peering connection: not a gateway, but a route all the same.
    pub async fn peering_route_added(e: &Env) {
        let t = route_table(e, "route_table.private-b").await;
        let ec2 = e.ec2();
        let tags = [("tenant_id", "totara-bank"), ("module_id", "MOD-104"), ("environment", STAGE)]
            .map(|(k, v)| Tag::builder().key(k).value(v).build());
        let peering = ec2
            .create_vpc_peering_connection()
            .vpc_id(vpc_id(e).await)
            .peer_vpc_id(elsewhere(e).await)
            .tag_specifications(spec(ResourceType::VpcPeeringConnection, &tags));
        let peering = peering.send().await.unwrap();
        let id = peering.vpc_peering_connection().unwrap().vpc_peering_connection_id().unwrap();
        ec2.create_route()
            .route_table_id(t.route_table_id().unwrap())
            .destination_cidr_block("10.99.0.0/16")
            .vpc_peering_connection_id(id)
            .send()
            .await
            .unwrap();
    }

    pub async fn association_removed(e: &Env) {
        let t = route_table(e, "route_table.private-a").await;
        let association = t.associations().iter().find_map(|a| a.route_table_association_id()).unwrap();
        e.ec2().disassociate_route_table().association_id(association).send().await.unwrap();
    }

    pub async fn route_table_tags(e: &Env) {
        tag(e, route_table(e, "route_table.private-b").await.route_table_id().unwrap()).await;
    }

    /// The table deleted (its subnet left to the VPC's main table) and made again, tagged as
    /// before, in another VPC.
    pub async fn route_table_vpc(e: &Env) {
        let t = route_table(e, "route_table.private-c").await;
        let ec2 = e.ec2();
        for association in t.associations().iter().filter_map(|a| a.route_table_association_id()) {
            ec2.disassociate_route_table().association_id(association).send().await.unwrap();
        }
        ec2.delete_route_table().route_table_id(t.route_table_id().unwrap()).send().await.unwrap();
        ec2.create_route_table()
            .vpc_id(elsewhere(e).await)
            .tag_specifications(spec(ResourceType::RouteTable, t.tags()))
            .send()
            .await
            .unwrap();
    }

    pub async fn endpoint_route_removed(e: &Env) {
        let ep = endpoint(e, "vpc_endpoint.s3").await;
        let table = route_table(e, "route_table.private-a").await;
        e.ec2()
            .modify_vpc_endpoint()
            .vpc_endpoint_id(ep.vpc_endpoint_id().unwrap())
            .remove_route_table_ids(table.route_table_id().unwrap())
            .send()
            .await
            .unwrap();
    }

    pub async fn endpoint_tags(e: &Env) {
        tag(e, endpoint(e, "vpc_endpoint.dynamodb").await.vpc_endpoint_id().unwrap()).await;
    }

    /// The endpoint deleted and made again, tagged as before, with the given changes.
    async fn recreate_endpoint(
        e: &Env,
        address: &str,
        vpc: Option<String>,
        service: Option<&str>,
        kind: Option<VpcEndpointType>,
        keep_tables: bool,
    ) {
        let ep = endpoint(e, address).await;
        let ec2 = e.ec2();
        ec2.delete_vpc_endpoints().vpc_endpoint_ids(ep.vpc_endpoint_id().unwrap()).send().await.unwrap();
        let tables = keep_tables.then(|| ep.route_table_ids().to_vec());
        ec2.create_vpc_endpoint()
            .vpc_id(vpc.unwrap_or_else(|| ep.vpc_id().unwrap().to_string()))
            .service_name(service.unwrap_or(ep.service_name().unwrap()))
            .vpc_endpoint_type(kind.unwrap_or_else(|| ep.vpc_endpoint_type().unwrap().clone()))
            .set_route_table_ids(tables)
            .tag_specifications(spec(ResourceType::VpcEndpoint, ep.tags()))
            .send()
            .await
            .unwrap();
    }

    /// An S3 endpoint where the DynamoDB one was: without route tables, since AWS allows only
    /// one route to S3's prefix list per table.
    pub async fn endpoint_service(e: &Env) {
        let service = format!("com.amazonaws.{REGION}.s3");
        recreate_endpoint(e, "vpc_endpoint.dynamodb", None, Some(&service), None, false).await;
    }

    pub async fn endpoint_type(e: &Env) {
        recreate_endpoint(e, "vpc_endpoint.s3", None, None, Some(VpcEndpointType::Interface), false).await;
    }

    pub async fn endpoint_vpc(e: &Env) {
        let other = elsewhere(e).await;
        recreate_endpoint(e, "vpc_endpoint.s3", Some(other), None, None, false).await;
    }
}

fn network_rows() -> Vec<Row> {
    vec![
        row("vpc.main", "enable_dns_support", Update, |e| Box::pin(net::vpc_attribute(e, false))),
        row("vpc.main", "enable_dns_hostnames", Update, |e| Box::pin(net::vpc_attribute(e, true))),
        row("vpc.main", "tags", Update, |e| Box::pin(net::vpc_tags(e))),
        row("subnet.public-a", "map_public_ip_on_launch", Update, |e| Box::pin(net::subnet_public_ip(e))),
        row("subnet.public-b", "tags", Update, |e| Box::pin(net::subnet_tags(e))),
        row_also(
            "subnet.private-c",
            "cidr_block",
            Replace,
            &[
                ("route_table.private-c", "update", "subnet_ids"),
                ("ssm_parameter.network/private-subnet-ids", "update", "value"),
            ],
            |e| Box::pin(net::subnet_cidr(e)),
        ),
        row_also(
            "subnet.private-b",
            "availability_zone",
            Replace,
            &[
                ("route_table.private-b", "update", "subnet_ids"),
                ("ssm_parameter.network/private-subnet-ids", "update", "value"),
            ],
            |e| Box::pin(net::subnet_az(e)),
        ),
        row_also(
            "subnet.public-c",
            "vpc_id",
            Create,
            &[
                ("route_table.public", "update", "subnet_ids"),
                ("ssm_parameter.network/public-subnet-ids", "update", "value"),
            ],
            |e| Box::pin(net::subnet_vpc(e)),
        ),
        row("internet_gateway.main", "vpc_id", Update, |e| Box::pin(net::gateway_detached(e))),
        row("internet_gateway.main", "tags", Update, |e| Box::pin(net::gateway_tags(e))),
        row("route_table.public", "routes", Update, |e| Box::pin(net::route_deleted(e))),
        row("route_table.private-a", "subnet_ids", Update, |e| Box::pin(net::association_removed(e))),
        row("route_table.private-b", "routes", Update, |e| Box::pin(net::peering_route_added(e))),
        row("route_table.private-b", "tags", Update, |e| Box::pin(net::route_table_tags(e))),
        row("vpc_endpoint.s3", "route_table_ids", Update, |e| Box::pin(net::endpoint_route_removed(e))),
        row("vpc_endpoint.dynamodb", "tags", Update, |e| Box::pin(net::endpoint_tags(e))),
        row_also(
            "vpc_endpoint.dynamodb",
            "service_name",
            Replace,
            // The other service's endpoint cannot have the same route tables.
            &[("vpc_endpoint.dynamodb", "replace", "route_table_ids")],
            |e| Box::pin(net::endpoint_service(e)),
        ),
        row_also(
            "vpc_endpoint.s3",
            "vpc_endpoint_type",
            Replace,
            // Only gateway endpoints have route tables.
            &[("vpc_endpoint.s3", "replace", "route_table_ids")],
            |e| Box::pin(net::endpoint_type(e)),
        ),
        row("vpc_endpoint.s3", "vpc_id", Create, |e| Box::pin(net::endpoint_vpc(e))),
        row_also(
            "vpc.main",
            "cidr_block",
            Replace,
            // Everything inside the stack's VPC is read there: a VPC of another CIDR has none of it.
            &[
                ("subnet.public-a", "create", "*"),
                ("subnet.public-b", "create", "*"),
                ("subnet.public-c", "create", "*"),
                ("subnet.private-a", "create", "*"),
                ("subnet.private-b", "create", "*"),
                ("subnet.private-c", "create", "*"),
                ("route_table.public", "create", "*"),
                ("route_table.private-a", "create", "*"),
                ("route_table.private-b", "create", "*"),
                ("route_table.private-c", "create", "*"),
                ("vpc_endpoint.s3", "create", "*"),
                ("vpc_endpoint.dynamodb", "create", "*"),
                ("internet_gateway.main", "update", "vpc_id"),
                ("ssm_parameter.network/vpc-id", "update", "value"),
                ("ssm_parameter.network/public-subnet-ids", "update", "value"),
                ("ssm_parameter.network/private-subnet-ids", "update", "value"),
            ],
            |e| Box::pin(net::vpc_cidr(e)),
        ),
        // After every row that deletes an endpoint (it names both endpoints, so it runs after
        // them): the emulator adds a table to a gateway endpoint without the endpoint's route,
        // and then cannot delete that endpoint.
        row_also(
            "route_table.private-c",
            "vpc_id",
            Create,
            // The endpoints route from the table: they are updated to the new one.
            &[("vpc_endpoint.s3", "update", "route_table_ids"), ("vpc_endpoint.dynamodb", "update", "route_table_ids")],
            |e| Box::pin(net::route_table_vpc(e)),
        ),
    ]
}

// ---------------------------------------------------------------- KMS

mod kms {
    use aws_sdk_kms::types::Tag;
    pub use aws_sdk_kms::types::{KeySpec, KeyUsageType};

    use super::{DRIFTED, TAG, key_arn, parse, rewritten, without_last_statement};
    use crate::harness::Env;

    pub async fn key_id(e: &Env, class: &str) -> String {
        key_arn(e, class).await.rsplit('/').next().unwrap().to_string()
    }

    pub async fn alias_deleted(e: &Env) {
        e.kms().delete_alias().alias_name("alias/bank/pii").send().await.unwrap();
    }

    pub async fn description(e: &Env) {
        let id = key_id(e, "pii").await;
        e.kms().update_key_description().key_id(id).description(DRIFTED).send().await.unwrap();
    }

    pub async fn disabled(e: &Env) {
        let id = key_id(e, "financial").await;
        e.kms().disable_key().key_id(id).send().await.unwrap();
    }

    pub async fn rotation_period(e: &Env) {
        let id = key_id(e, "financial").await;
        e.kms().enable_key_rotation().key_id(id).rotation_period_in_days(180).send().await.unwrap();
    }

    async fn put_policy(e: &Env, class: &str, change: fn(&serde_json::Value) -> String) {
        let id = key_id(e, class).await;
        let kms = e.kms();
        let policy = kms.get_key_policy().key_id(&id).policy_name("default").send().await.unwrap();
        let changed = change(&parse(policy.policy().unwrap()));
        kms.put_key_policy().key_id(&id).policy_name("default").policy(changed).send().await.unwrap();
    }

    pub async fn policy(e: &Env) {
        put_policy(e, "operational", |doc| without_last_statement(doc).to_string()).await;
    }

    pub async fn policy_equivalent(e: &Env) {
        put_policy(e, "operational", rewritten).await;
    }

    /// A key of another spec (and usage) takes over the classification's tags and alias (a key's
    /// spec and usage are fixed at creation); the old one is scheduled for deletion.
    pub async fn replaced(e: &Env, spec: KeySpec, usage: KeyUsageType) {
        let kms = e.kms();
        let old = key_id(e, "pii").await;
        let meta = kms.describe_key().key_id(&old).send().await.unwrap();
        let policy = kms.get_key_policy().key_id(&old).policy_name("default").send().await.unwrap();
        let tags = kms.list_resource_tags().key_id(&old).send().await.unwrap();
        let created = kms
            .create_key()
            .set_description(meta.key_metadata().unwrap().description().map(str::to_string))
            .key_spec(spec)
            .key_usage(usage)
            .policy(policy.policy().unwrap())
            .set_tags(Some(tags.tags().to_vec()))
            .send()
            .await
            .unwrap();
        let new = created.key_metadata().unwrap().key_id();
        kms.update_alias().alias_name("alias/bank/pii").target_key_id(new).send().await.unwrap();
        kms.schedule_key_deletion().key_id(old).pending_window_in_days(7).send().await.unwrap();
    }

    pub async fn tags(e: &Env) {
        let id = key_id(e, "pii").await;
        let tag = Tag::builder().tag_key(TAG).tag_value(DRIFTED).build().unwrap();
        e.kms().tag_resource().key_id(id).tags(tag).send().await.unwrap();
    }
}

/// What replacing the PII key with an asymmetric one changes (asymmetric keys do not rotate).
const PII_KEY_REPLACED: &[(&str, &str, &str)] = &[
    ("kms_key.pii", "replace", "rotation_period_days"),
    ("s3_bucket.documents", "update", "kms_key_arn"),
    ("s3_bucket.documents", "update", "policy"),
    ("iam_role.bank-kyc", "update", "inline_policies"),
    ("iam_role.bank-aml", "update", "inline_policies"),
    ("iam_role.bank-payments", "update", "inline_policies"),
    ("iam_role.bank-credit", "update", "inline_policies"),
    ("iam_role.bank-app", "update", "inline_policies"),
    ("iam_policy.secrets-read", "update", "policy"),
    ("ssm_parameter.kms/pii/arn", "update", "value"),
];

/// [`PII_KEY_REPLACED`], by a signing key.
const PII_KEY_REPLACED_FOR_SIGNING: &[(&str, &str, &str)] = &[
    ("kms_key.pii", "replace", "key_spec"),
    ("kms_key.pii", "replace", "rotation_period_days"),
    ("s3_bucket.documents", "update", "kms_key_arn"),
    ("s3_bucket.documents", "update", "policy"),
    ("iam_role.bank-kyc", "update", "inline_policies"),
    ("iam_role.bank-aml", "update", "inline_policies"),
    ("iam_role.bank-payments", "update", "inline_policies"),
    ("iam_role.bank-credit", "update", "inline_policies"),
    ("iam_role.bank-app", "update", "inline_policies"),
    ("iam_policy.secrets-read", "update", "policy"),
    ("ssm_parameter.kms/pii/arn", "update", "value"),
];

fn kms_rows() -> Vec<Row> {
    vec![
        row("kms_key.pii", "alias", Update, |e| Box::pin(kms::alias_deleted(e))),
        row("kms_key.pii", "description", Update, |e| Box::pin(kms::description(e))),
        row("kms_key.pii", "tags", Update, |e| Box::pin(kms::tags(e))),
        // Every resource encrypting with the key, or granting its use, names its ARN.
        row_also("kms_key.pii", "key_spec", Replace, PII_KEY_REPLACED, |e| {
            Box::pin(kms::replaced(e, kms::KeySpec::Rsa2048, kms::KeyUsageType::EncryptDecrypt))
        }),
        // Symmetric keys only encrypt: a key of another usage is of another spec too.
        row_also("kms_key.pii", "key_usage", Replace, PII_KEY_REPLACED_FOR_SIGNING, |e| {
            Box::pin(kms::replaced(e, kms::KeySpec::Rsa2048, kms::KeyUsageType::SignVerify))
        }),
        row("kms_key.financial", "enabled", Update, |e| Box::pin(kms::disabled(e))),
        row("kms_key.financial", "rotation_period_days", Update, |e| Box::pin(kms::rotation_period(e))),
        row("kms_key.operational", "policy", Update, |e| Box::pin(kms::policy(e))),
        row("kms_key.operational", "policy", Equivalent, |e| Box::pin(kms::policy_equivalent(e))),
    ]
}

// ---------------------------------------------------------------- S3

mod s3 {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
        DefaultRetention, LifecycleRule, LifecycleRuleFilter, ObjectLockConfiguration, ObjectLockEnabled,
        ObjectLockRetentionMode, ObjectLockRule, PublicAccessBlockConfiguration, ServerSideEncryption,
        ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
        VersioningConfiguration,
    };

    use super::{DRIFTED, REGION, TAG, key_arn, parse, rewritten, without_last_statement};
    use crate::harness::{Env, STAGE};

    fn bucket(purpose: &str) -> String {
        format!("bank-{purpose}-{STAGE}")
    }

    async fn put_encryption(e: &Env, purpose: &str, key: &str, bucket_key: bool) {
        let default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::AwsKms)
            .kms_master_key_id(key)
            .build()
            .unwrap();
        let rule = ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(default)
            .bucket_key_enabled(bucket_key)
            .build();
        let config = ServerSideEncryptionConfiguration::builder().rules(rule).build().unwrap();
        e.s3()
            .put_bucket_encryption()
            .bucket(bucket(purpose))
            .server_side_encryption_configuration(config)
            .send()
            .await
            .unwrap();
    }

    pub async fn kms_key(e: &Env) {
        put_encryption(e, "iceberg", &key_arn(e, "pii").await, true).await;
    }

    /// The same key, named by its ID instead of its ARN.
    pub async fn kms_key_by_id(e: &Env) {
        let arn = key_arn(e, "financial").await;
        put_encryption(e, "reports", arn.rsplit('/').next().unwrap(), true).await;
    }

    pub async fn bucket_key(e: &Env) {
        put_encryption(e, "reports", &key_arn(e, "financial").await, false).await;
    }

    pub async fn versioning(e: &Env) {
        let config = VersioningConfiguration::builder().status(BucketVersioningStatus::Suspended).build();
        e.s3()
            .put_bucket_versioning()
            .bucket(bucket("artefacts"))
            .versioning_configuration(config)
            .send()
            .await
            .unwrap();
    }

    pub async fn public_access_block(e: &Env) {
        let config = PublicAccessBlockConfiguration::builder()
            .block_public_acls(false)
            .ignore_public_acls(true)
            .block_public_policy(true)
            .restrict_public_buckets(true)
            .build();
        e.s3()
            .put_public_access_block()
            .bucket(bucket("documents"))
            .public_access_block_configuration(config)
            .send()
            .await
            .unwrap();
    }

    async fn put_policy(e: &Env, purpose: &str, change: fn(&serde_json::Value) -> String) {
        let s3 = e.s3();
        let policy = s3.get_bucket_policy().bucket(bucket(purpose)).send().await.unwrap();
        let changed = change(&parse(policy.policy().unwrap()));
        s3.put_bucket_policy().bucket(bucket(purpose)).policy(changed).send().await.unwrap();
    }

    pub async fn policy(e: &Env) {
        put_policy(e, "pulumi-state", |doc| without_last_statement(doc).to_string()).await;
    }

    pub async fn policy_equivalent(e: &Env) {
        put_policy(e, "firehose-landing", rewritten).await;
    }

    pub async fn lifecycle(e: &Env) {
        e.expire_objects_after(&bucket("reports"), 30).await;
    }

    /// The rule as declared, but narrowed to a prefix: no longer a whole-bucket rule.
    pub async fn lifecycle_narrowed(e: &Env) {
        let s3 = e.s3();
        let name = bucket("iceberg");
        let current = s3.get_bucket_lifecycle_configuration().bucket(&name).send().await.unwrap();
        let rules: Vec<LifecycleRule> = current
            .rules()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.filter = Some(LifecycleRuleFilter::builder().prefix("drifted/").build());
                r
            })
            .collect();
        let config = BucketLifecycleConfiguration::builder().set_rules(Some(rules)).build().unwrap();
        s3.put_bucket_lifecycle_configuration().bucket(name).lifecycle_configuration(config).send().await.unwrap();
    }

    pub async fn object_lock_retention(e: &Env) {
        let retention = DefaultRetention::builder().mode(ObjectLockRetentionMode::Governance).years(1).build();
        let config = ObjectLockConfiguration::builder()
            .object_lock_enabled(ObjectLockEnabled::Enabled)
            .rule(ObjectLockRule::builder().default_retention(retention).build())
            .build();
        e.s3()
            .put_object_lock_configuration()
            .bucket(bucket("cloudtrail"))
            .object_lock_configuration(config)
            .send()
            .await
            .unwrap();
    }

    /// Object Lock turned on for a bucket created without it (possible once it is versioned and
    /// empty; never undone).
    pub async fn object_lock_enabled(e: &Env) {
        let config = ObjectLockConfiguration::builder().object_lock_enabled(ObjectLockEnabled::Enabled).build();
        e.s3()
            .put_object_lock_configuration()
            .bucket(bucket("pulumi-state"))
            .object_lock_configuration(config)
            .send()
            .await
            .unwrap();
    }

    async fn tag_set(e: &Env, name: &str) -> Vec<Tag> {
        e.s3().get_bucket_tagging().bucket(name).send().await.unwrap().tag_set().to_vec()
    }

    pub async fn tags(e: &Env) {
        let name = bucket("artefacts");
        let tags: Vec<Tag> = tag_set(e, &name)
            .await
            .into_iter()
            .map(|t| if t.key() == TAG { Tag::builder().key(TAG).value(DRIFTED).build().unwrap() } else { t })
            .collect();
        let tagging = Tagging::builder().set_tag_set(Some(tags)).build().unwrap();
        e.s3().put_bucket_tagging().bucket(name).tagging(tagging).send().await.unwrap();
    }

    /// The bucket re-made under another name with the same configuration and tags (buckets cannot
    /// be renamed), and the original deleted.
    pub async fn renamed(e: &Env) {
        let (from, to) = (bucket("documents"), format!("{}-renamed", bucket("documents")));
        let s3 = e.s3();
        let encryption = s3.get_bucket_encryption().bucket(&from).send().await.unwrap();
        let versioning = s3.get_bucket_versioning().bucket(&from).send().await.unwrap();
        let pab = s3.get_public_access_block().bucket(&from).send().await.unwrap();
        let policy = s3.get_bucket_policy().bucket(&from).send().await.unwrap();
        let lifecycle = s3.get_bucket_lifecycle_configuration().bucket(&from).send().await.unwrap();
        let tags = tag_set(e, &from).await;
        // Made with its tags, as GOV-005's SCP requires of a CreateBucket.
        let location = CreateBucketConfiguration::builder()
            .location_constraint(BucketLocationConstraint::from(REGION))
            .set_tags(Some(tags.clone()))
            .build();
        s3.create_bucket().bucket(&to).create_bucket_configuration(location).send().await.unwrap();
        let tagging = Tagging::builder().set_tag_set(Some(tags)).build().unwrap();
        s3.put_bucket_tagging().bucket(&to).tagging(tagging).send().await.unwrap();
        s3.put_bucket_encryption()
            .bucket(&to)
            .server_side_encryption_configuration(encryption.server_side_encryption_configuration().unwrap().clone())
            .send()
            .await
            .unwrap();
        let status = versioning.status().unwrap().clone();
        s3.put_bucket_versioning()
            .bucket(&to)
            .versioning_configuration(VersioningConfiguration::builder().status(status).build())
            .send()
            .await
            .unwrap();
        s3.put_public_access_block()
            .bucket(&to)
            .public_access_block_configuration(pab.public_access_block_configuration().unwrap().clone())
            .send()
            .await
            .unwrap();
        s3.put_bucket_policy().bucket(&to).policy(policy.policy().unwrap()).send().await.unwrap();
        let rules =
            BucketLifecycleConfiguration::builder().set_rules(Some(lifecycle.rules().to_vec())).build().unwrap();
        s3.put_bucket_lifecycle_configuration().bucket(&to).lifecycle_configuration(rules).send().await.unwrap();
        s3.delete_bucket().bucket(&from).send().await.unwrap();
    }
}

fn s3_rows() -> Vec<Row> {
    vec![
        row("s3_bucket.iceberg", "kms_key_arn", Update, |e| Box::pin(s3::kms_key(e))),
        row("s3_bucket.iceberg", "lifecycle_rules", Update, |e| Box::pin(s3::lifecycle_narrowed(e))),
        row("s3_bucket.reports", "bucket_key_enabled", Update, |e| Box::pin(s3::bucket_key(e))),
        row("s3_bucket.reports", "kms_key_arn", Equivalent, |e| Box::pin(s3::kms_key_by_id(e))),
        row("s3_bucket.reports", "lifecycle_rules", Update, |e| Box::pin(s3::lifecycle(e))),
        row("s3_bucket.artefacts", "versioning", Update, |e| Box::pin(s3::versioning(e))),
        row("s3_bucket.artefacts", "tags", Update, |e| Box::pin(s3::tags(e))),
        row("s3_bucket.documents", "public_access_block", Update, |e| Box::pin(s3::public_access_block(e))),
        row("s3_bucket.documents", "bucket", Replace, |e| Box::pin(s3::renamed(e))),
        row("s3_bucket.pulumi-state", "policy", Update, |e| Box::pin(s3::policy(e))),
        row("s3_bucket.pulumi-state", "object_lock_enabled", Replace, |e| Box::pin(s3::object_lock_enabled(e))),
        row("s3_bucket.firehose-landing", "policy", Equivalent, |e| Box::pin(s3::policy_equivalent(e))),
        row("s3_bucket.cloudtrail", "object_lock_retention", Update, |e| Box::pin(s3::object_lock_retention(e))),
    ]
}

// ---------------------------------------------------------------- SQS

mod sqs {
    use aws_sdk_sqs::types::QueueAttributeName;

    use super::{DRIFTED, TAG, key_arn, parse, rewritten, without_last_statement};
    use crate::harness::{Env, STAGE};

    fn queue(domain: &str) -> String {
        format!("{domain}-events-dlq-{STAGE}")
    }

    async fn url(e: &Env, domain: &str) -> String {
        e.sqs().get_queue_url().queue_name(queue(domain)).send().await.unwrap().queue_url().unwrap().to_string()
    }

    async fn set(e: &Env, domain: &str, name: QueueAttributeName, value: String) {
        let url = url(e, domain).await;
        e.sqs().set_queue_attributes().queue_url(url).attributes(name, value).send().await.unwrap();
    }

    pub async fn kms_key(e: &Env) {
        set(e, "bank-core", QueueAttributeName::KmsMasterKeyId, key_arn(e, "pii").await).await;
    }

    /// The same key, named by its alias.
    pub async fn kms_key_by_alias(e: &Env) {
        set(e, "bank-aml", QueueAttributeName::KmsMasterKeyId, "alias/bank/operational".into()).await;
    }

    pub async fn data_key_reuse(e: &Env) {
        set(e, "bank-kyc", QueueAttributeName::KmsDataKeyReusePeriodSeconds, "600".into()).await;
    }

    pub async fn retention(e: &Env) {
        set(e, "bank-aml", QueueAttributeName::MessageRetentionPeriod, "86400".into()).await;
    }

    async fn policy_of(e: &Env, domain: &str) -> serde_json::Value {
        let url = url(e, domain).await;
        let out =
            e.sqs().get_queue_attributes().queue_url(url).attribute_names(QueueAttributeName::Policy).send().await;
        parse(out.unwrap().attributes().unwrap().get(&QueueAttributeName::Policy).unwrap())
    }

    pub async fn policy(e: &Env) {
        let doc = without_last_statement(&policy_of(e, "bank-payments").await);
        set(e, "bank-payments", QueueAttributeName::Policy, doc.to_string()).await;
    }

    pub async fn policy_equivalent(e: &Env) {
        let doc = rewritten(&policy_of(e, "bank-credit").await);
        set(e, "bank-credit", QueueAttributeName::Policy, doc).await;
    }

    pub async fn tags(e: &Env) {
        let url = url(e, "bank-risk-platform").await;
        e.sqs().tag_queue().queue_url(url).tags(TAG, DRIFTED).send().await.unwrap();
    }

    /// The queue re-made under another name with the same attributes and tags, and the original
    /// deleted.
    pub async fn renamed(e: &Env) {
        let sqs = e.sqs();
        let from = url(e, "bank-platform").await;
        let attributes = sqs.get_queue_attributes().queue_url(&from).attribute_names(QueueAttributeName::All).send();
        let attributes = attributes.await.unwrap().attributes().cloned().unwrap();
        let tags = sqs.list_queue_tags().queue_url(&from).send().await.unwrap().tags().cloned().unwrap();
        let settable = [
            QueueAttributeName::KmsMasterKeyId,
            QueueAttributeName::KmsDataKeyReusePeriodSeconds,
            QueueAttributeName::MessageRetentionPeriod,
            QueueAttributeName::Policy,
        ];
        let kept = attributes.into_iter().filter(|(k, _)| settable.contains(k)).collect();
        sqs.create_queue()
            .queue_name(format!("{}-renamed", queue("bank-platform")))
            .set_attributes(Some(kept))
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap();
        sqs.delete_queue().queue_url(from).send().await.unwrap();
    }
}

fn sqs_rows() -> Vec<Row> {
    vec![
        row("sqs_queue.bank-core-dlq", "kms_master_key_id", Update, |e| Box::pin(sqs::kms_key(e))),
        row("sqs_queue.bank-kyc-dlq", "kms_data_key_reuse_period_seconds", Update, |e| {
            Box::pin(sqs::data_key_reuse(e))
        }),
        row("sqs_queue.bank-aml-dlq", "message_retention_seconds", Update, |e| Box::pin(sqs::retention(e))),
        row("sqs_queue.bank-aml-dlq", "kms_master_key_id", Equivalent, |e| Box::pin(sqs::kms_key_by_alias(e))),
        row("sqs_queue.bank-payments-dlq", "policy", Update, |e| Box::pin(sqs::policy(e))),
        row("sqs_queue.bank-credit-dlq", "policy", Equivalent, |e| Box::pin(sqs::policy_equivalent(e))),
        row("sqs_queue.bank-risk-platform-dlq", "tags", Update, |e| Box::pin(sqs::tags(e))),
        row_also(
            "sqs_queue.bank-platform-dlq",
            "name",
            Replace,
            &[("ssm_parameter.eventbridge/bank-platform/dlq-arn", "update", "value")],
            |e| Box::pin(sqs::renamed(e)),
        ),
    ]
}

// ---------------------------------------------------------------- EventBridge

mod events {
    use aws_sdk_eventbridge::types::Tag;

    use super::{ACCOUNT, DRIFTED, REGION, TAG, parse, rewritten, without_last_statement};
    use crate::harness::Env;

    fn bus_arn(bus: &str) -> String {
        format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bus}")
    }

    async fn put_policy(e: &Env, bus: &str, change: fn(&serde_json::Value) -> String) {
        let events = e.events();
        let described = events.describe_event_bus().name(bus).send().await.unwrap();
        let changed = change(&parse(described.policy().unwrap()));
        events.put_permission().event_bus_name(bus).policy(changed).send().await.unwrap();
    }

    pub async fn policy(e: &Env) {
        put_policy(e, "bank-core", |doc| without_last_statement(doc).to_string()).await;
    }

    pub async fn policy_equivalent(e: &Env) {
        put_policy(e, "bank-kyc", rewritten).await;
    }

    pub async fn tags(e: &Env) {
        let tag = Tag::builder().key(TAG).value(DRIFTED).build().unwrap();
        e.events().tag_resource().resource_arn(bus_arn("bank-aml")).tags(tag).send().await.unwrap();
    }

    /// The bus re-made under another name with the same policy and tags, and the original
    /// deleted (its archive stays, archiving a bus that is gone).
    pub async fn bus_renamed(e: &Env) {
        let events = e.events();
        let (from, to) = ("bank-payments", "bank-payments-renamed");
        let described = events.describe_event_bus().name(from).send().await.unwrap();
        let tags = events.list_tags_for_resource().resource_arn(bus_arn(from)).send().await.unwrap();
        events.create_event_bus().name(to).set_tags(Some(tags.tags().to_vec())).send().await.unwrap();
        events.put_permission().event_bus_name(to).policy(described.policy().unwrap()).send().await.unwrap();
        events.delete_event_bus().name(from).send().await.unwrap();
    }

    async fn update_archive(e: &Env, domain: &str, description: Option<&str>, retention: Option<i32>) {
        let events = e.events();
        let name = format!("{domain}-archive");
        let a = events.describe_archive().archive_name(&name).send().await.unwrap();
        events
            .update_archive()
            .archive_name(&name)
            .description(description.unwrap_or(a.description().unwrap_or_default()))
            .retention_days(retention.unwrap_or(a.retention_days().unwrap_or(0)))
            .send()
            .await
            .unwrap();
    }

    pub async fn archive_description(e: &Env) {
        update_archive(e, "bank-core", Some(DRIFTED), None).await;
    }

    pub async fn archive_retention(e: &Env) {
        update_archive(e, "bank-kyc", None, Some(7)).await;
    }

    /// The archive deleted and made again as `name`, of the bus `source` (else the same).
    async fn recreate_archive(e: &Env, domain: &str, name: &str, source: Option<&str>) {
        let events = e.events();
        let from = format!("{domain}-archive");
        let a = events.describe_archive().archive_name(&from).send().await.unwrap();
        events.delete_archive().archive_name(&from).send().await.unwrap();
        events
            .create_archive()
            .archive_name(name)
            .event_source_arn(source.map(bus_arn).unwrap_or_else(|| a.event_source_arn().unwrap().to_string()))
            .description(a.description().unwrap_or_default())
            .retention_days(a.retention_days().unwrap_or(0))
            .send()
            .await
            .unwrap();
    }

    pub async fn archive_source(e: &Env) {
        recreate_archive(e, "bank-aml", "bank-aml-archive", Some("bank-credit")).await;
    }

    pub async fn archive_renamed(e: &Env) {
        recreate_archive(e, "bank-credit", "bank-credit-archive-renamed", None).await;
    }
}

fn events_rows() -> Vec<Row> {
    vec![
        row("event_bus.bank-core", "policy", Update, |e| Box::pin(events::policy(e))),
        row("event_bus.bank-kyc", "policy", Equivalent, |e| Box::pin(events::policy_equivalent(e))),
        row("event_bus.bank-aml", "tags", Update, |e| Box::pin(events::tags(e))),
        row_also(
            "event_bus.bank-payments",
            "name",
            Replace,
            &[
                // Archives cannot change their bus: the archive follows the bus.
                ("event_archive.bank-payments", "replace", "event_source_arn"),
                ("iam_role.bank-payments", "update", "inline_policies"),
                ("ssm_parameter.eventbridge/bank-payments/arn", "update", "value"),
                ("ssm_parameter.eventbridge/bank-payments/archive-arn", "update", "value"),
            ],
            |e| Box::pin(events::bus_renamed(e)),
        ),
        row("event_archive.bank-core", "description", Update, |e| Box::pin(events::archive_description(e))),
        row("event_archive.bank-kyc", "retention_days", Update, |e| Box::pin(events::archive_retention(e))),
        row_also(
            "event_archive.bank-aml",
            "event_source_arn",
            Replace,
            &[("ssm_parameter.eventbridge/bank-aml/archive-arn", "update", "value")],
            |e| Box::pin(events::archive_source(e)),
        ),
        row_also(
            "event_archive.bank-credit",
            "name",
            Create,
            &[("ssm_parameter.eventbridge/bank-credit/archive-arn", "update", "value")],
            |e| Box::pin(events::archive_renamed(e)),
        ),
    ]
}

// ---------------------------------------------------------------- CloudWatch Logs

mod logs {
    use super::{DRIFTED, TAG};
    use crate::harness::{Env, STAGE};

    async fn group(e: &Env, name: &str) -> aws_sdk_cloudwatchlogs::types::LogGroup {
        let out = e.logs().describe_log_groups().log_group_name_prefix(name).send().await.unwrap();
        out.log_groups().iter().find(|g| g.log_group_name() == Some(name)).unwrap().clone()
    }

    fn arn(g: &aws_sdk_cloudwatchlogs::types::LogGroup) -> String {
        g.log_group_arn().map(str::to_string).unwrap_or_else(|| g.arn().unwrap().trim_end_matches(":*").to_string())
    }

    pub async fn retention(e: &Env) {
        let name = format!("/aws/bank-platform/{STAGE}");
        e.logs().put_retention_policy().log_group_name(name).retention_in_days(30).send().await.unwrap();
    }

    pub async fn kms_key(e: &Env) {
        let name = format!("/aws/cloudtrail/bank-platform-{STAGE}");
        e.logs().disassociate_kms_key().log_group_name(name).send().await.unwrap();
    }

    pub async fn stream_deleted(e: &Env) {
        let name = format!("/aws/kinesisfirehose/bank-platform-{STAGE}");
        let stream = "bank-cdc-stream-delivery";
        e.logs().delete_log_stream().log_group_name(name).log_stream_name(stream).send().await.unwrap();
    }

    pub async fn tags(e: &Env) {
        let g = group(e, &format!("/aws/cloudtrail/bank-platform-{STAGE}")).await;
        e.logs().tag_resource().resource_arn(arn(&g)).tags(TAG, DRIFTED).send().await.unwrap();
    }

    /// The group re-made under another name with the same key, retention and tags, and the
    /// original deleted.
    pub async fn renamed(e: &Env) {
        let logs = e.logs();
        let from = format!("/aws/bank-platform/{STAGE}");
        let g = group(e, &from).await;
        let tags = logs.list_tags_for_resource().resource_arn(arn(&g)).send().await.unwrap();
        let to = format!("{from}-renamed");
        logs.create_log_group()
            .log_group_name(&to)
            .set_kms_key_id(g.kms_key_id().map(str::to_string))
            .set_tags(tags.tags().cloned())
            .send()
            .await
            .unwrap();
        if let Some(days) = g.retention_in_days() {
            logs.put_retention_policy().log_group_name(&to).retention_in_days(days).send().await.unwrap();
        }
        logs.delete_log_group().log_group_name(from).send().await.unwrap();
    }
}

fn logs_rows() -> Vec<Row> {
    vec![
        row("log_group.bank-platform", "retention_days", Update, |e| Box::pin(logs::retention(e))),
        row_also(
            "log_group.bank-platform",
            "name",
            Replace,
            &[("ssm_parameter.logs/bank-platform/arn", "update", "value")],
            |e| Box::pin(logs::renamed(e)),
        ),
        row("log_group.cloudtrail", "kms_key_id", Update, |e| Box::pin(logs::kms_key(e))),
        row("log_group.cloudtrail", "tags", Update, |e| Box::pin(logs::tags(e))),
        row("log_group.firehose", "log_streams", Update, |e| Box::pin(logs::stream_deleted(e))),
    ]
}

// ---------------------------------------------------------------- SNS

mod sns {
    use aws_sdk_sns::types::Tag;

    use super::{ACCOUNT, DRIFTED, REGION, TAG, key_arn};
    use crate::harness::{Env, STAGE};

    fn arn(name: &str) -> String {
        format!("arn:aws:sns:{REGION}:{ACCOUNT}:{name}")
    }

    fn topic() -> String {
        format!("bank-platform-alerts-{STAGE}")
    }

    async fn set(e: &Env, attribute: &str, value: &str) {
        e.sns()
            .set_topic_attributes()
            .topic_arn(arn(&topic()))
            .attribute_name(attribute)
            .attribute_value(value)
            .send()
            .await
            .unwrap();
    }

    pub async fn display_name(e: &Env) {
        set(e, "DisplayName", DRIFTED).await;
    }

    pub async fn kms_key(e: &Env) {
        set(e, "KmsMasterKeyId", &key_arn(e, "pii").await).await;
    }

    /// The same key, named by its alias's ARN.
    pub async fn kms_key_by_alias_arn(e: &Env) {
        set(e, "KmsMasterKeyId", &format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/bank/operational")).await;
    }

    pub async fn tags(e: &Env) {
        let tag = Tag::builder().key(TAG).value(DRIFTED).build().unwrap();
        e.sns().tag_resource().resource_arn(arn(&topic())).tags(tag).send().await.unwrap();
    }

    /// The topic re-made under another name with the same attributes and tags, and the original
    /// deleted.
    pub async fn renamed(e: &Env) {
        let sns = e.sns();
        let from = arn(&topic());
        let attributes = sns.get_topic_attributes().topic_arn(&from).send().await.unwrap();
        let attributes = attributes.attributes().cloned().unwrap();
        let tags = sns.list_tags_for_resource().resource_arn(&from).send().await.unwrap();
        let mut create = sns.create_topic().name(format!("{}-renamed", topic())).set_tags(Some(tags.tags().to_vec()));
        for key in ["DisplayName", "KmsMasterKeyId"] {
            if let Some(value) = attributes.get(key) {
                create = create.attributes(key, value);
            }
        }
        create.send().await.unwrap();
        sns.delete_topic().topic_arn(from).send().await.unwrap();
    }
}

fn sns_rows() -> Vec<Row> {
    vec![
        row("sns_topic.alerts", "display_name", Update, |e| Box::pin(sns::display_name(e))),
        row("sns_topic.alerts", "kms_master_key_id", Update, |e| Box::pin(sns::kms_key(e))),
        row("sns_topic.alerts", "kms_master_key_id", Equivalent, |e| Box::pin(sns::kms_key_by_alias_arn(e))),
        row("sns_topic.alerts", "tags", Update, |e| Box::pin(sns::tags(e))),
        row_also("sns_topic.alerts", "name", Replace, &[("ssm_parameter.sns/alerts/arn", "update", "value")], |e| {
            Box::pin(sns::renamed(e))
        }),
    ]
}

// ---------------------------------------------------------------- X-Ray

mod xray {
    use aws_sdk_xray::types::builders::SamplingRuleUpdateBuilder;
    use aws_sdk_xray::types::{SamplingRule, SamplingRuleUpdate, Tag};

    use super::{ACCOUNT, DRIFTED, REGION, TAG};
    use crate::harness::{Env, STAGE};

    fn rule() -> String {
        format!("bank-platform-default-{STAGE}")
    }

    fn arn() -> String {
        format!("arn:aws:xray:{REGION}:{ACCOUNT}:sampling-rule/{}", rule())
    }

    /// UpdateSamplingRule with only the rule's name and one member: the others stay.
    pub async fn update(e: &Env, change: fn(SamplingRuleUpdateBuilder) -> SamplingRuleUpdateBuilder) {
        let update = change(SamplingRuleUpdate::builder().rule_name(rule())).build();
        e.xray().update_sampling_rule().sampling_rule_update(update).send().await.unwrap();
    }

    pub async fn tags(e: &Env) {
        let tag = Tag::builder().key(TAG).value(DRIFTED).build().unwrap();
        e.xray().tag_resource().resource_arn(arn()).tags(tag).send().await.unwrap();
    }

    /// The rule re-made under another name with the same settings and tags, and the original
    /// deleted.
    pub async fn renamed(e: &Env) {
        let xray = e.xray();
        let rules = xray.get_sampling_rules().send().await.unwrap();
        let r = rules
            .sampling_rule_records()
            .iter()
            .filter_map(|r| r.sampling_rule())
            .find(|r| r.rule_name() == Some(rule().as_str()))
            .unwrap()
            .clone();
        let tags = xray.list_tags_for_resource().resource_arn(arn()).send().await.unwrap();
        let copy = SamplingRule::builder()
            .rule_name(format!("{}-2", rule())) // names are at most 32 characters
            .priority(r.priority())
            .fixed_rate(r.fixed_rate())
            .reservoir_size(r.reservoir_size())
            .service_name(r.service_name())
            .service_type(r.service_type())
            .host(r.host())
            .http_method(r.http_method())
            .url_path(r.url_path())
            .resource_arn(r.resource_arn())
            .version(r.version())
            .build()
            .unwrap();
        xray.create_sampling_rule().sampling_rule(copy).set_tags(Some(tags.tags().to_vec())).send().await.unwrap();
        xray.delete_sampling_rule().rule_name(rule()).send().await.unwrap();
    }
}

fn xray_rows() -> Vec<Row> {
    const RULE: &str = "xray_sampling_rule.default";
    vec![
        row(RULE, "priority", Update, |e| Box::pin(xray::update(e, |u| u.priority(100)))),
        row(RULE, "fixed_rate", Update, |e| Box::pin(xray::update(e, |u| u.fixed_rate(0.5)))),
        row(RULE, "reservoir_size", Update, |e| Box::pin(xray::update(e, |u| u.reservoir_size(5)))),
        row(RULE, "service_name", Update, |e| Box::pin(xray::update(e, |u| u.service_name("drifted")))),
        row(RULE, "service_type", Update, |e| Box::pin(xray::update(e, |u| u.service_type("AWS::EC2::Instance")))),
        row(RULE, "host", Update, |e| Box::pin(xray::update(e, |u| u.host("drifted.example.com")))),
        row(RULE, "http_method", Update, |e| Box::pin(xray::update(e, |u| u.http_method("GET")))),
        row(RULE, "url_path", Update, |e| Box::pin(xray::update(e, |u| u.url_path("/drifted")))),
        row(RULE, "resource_arn", Update, |e| Box::pin(xray::update(e, |u| u.resource_arn("arn:aws:ec2:*")))),
        row(RULE, "tags", Update, |e| Box::pin(xray::tags(e))),
        row_also(RULE, "name", Replace, &[("ssm_parameter.xray/sampling/arn", "update", "value")], |e| {
            Box::pin(xray::renamed(e))
        }),
    ]
}

// ---------------------------------------------------------------- IAM

mod iam {
    use aws_sdk_iam::types::Tag;

    use super::{ACCOUNT, DRIFTED, TAG, iam_document, rewritten, without_last_statement};
    use crate::harness::Env;

    const GITHUB: &str = "token.actions.githubusercontent.com";
    const POLICY: &str = "bank-secrets-read";

    fn oidc_arn(host: &str) -> String {
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{host}")
    }

    fn policy_arn(name: &str) -> String {
        format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
    }

    fn tag() -> Tag {
        Tag::builder().key(TAG).value(DRIFTED).build().unwrap()
    }

    pub async fn client_id_added(e: &Env) {
        e.iam()
            .add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(oidc_arn(GITHUB))
            .client_id("drifted.example.com")
            .send()
            .await
            .unwrap();
    }

    pub async fn thumbprints(e: &Env) {
        e.iam()
            .update_open_id_connect_provider_thumbprint()
            .open_id_connect_provider_arn(oidc_arn(GITHUB))
            .thumbprint_list("0000000000000000000000000000000000000000")
            .send()
            .await
            .unwrap();
    }

    pub async fn oidc_tags(e: &Env) {
        let arn = oidc_arn(GITHUB);
        e.iam().tag_open_id_connect_provider().open_id_connect_provider_arn(arn).tags(tag()).send().await.unwrap();
    }

    /// The provider re-made for another issuer with the same audiences, thumbprints and tags, and
    /// the original deleted.
    pub async fn oidc_url(e: &Env) {
        let iam = e.iam();
        let p = iam.get_open_id_connect_provider().open_id_connect_provider_arn(oidc_arn(GITHUB)).send().await.unwrap();
        iam.create_open_id_connect_provider()
            .url("https://drifted.example.com")
            .set_client_id_list(Some(p.client_id_list().to_vec()))
            .set_thumbprint_list(Some(p.thumbprint_list().to_vec()))
            .set_tags(Some(p.tags().to_vec()))
            .send()
            .await
            .unwrap();
        iam.delete_open_id_connect_provider().open_id_connect_provider_arn(oidc_arn(GITHUB)).send().await.unwrap();
    }

    /// (description, document, tags) of a managed policy.
    async fn managed(e: &Env, name: &str) -> (String, serde_json::Value, Vec<Tag>) {
        let iam = e.iam();
        let got = iam.get_policy().policy_arn(policy_arn(name)).send().await.unwrap();
        let p = got.policy().unwrap();
        let version = iam
            .get_policy_version()
            .policy_arn(policy_arn(name))
            .version_id(p.default_version_id().unwrap())
            .send()
            .await
            .unwrap();
        let doc = iam_document(version.policy_version().unwrap().document().unwrap());
        (p.description().unwrap_or_default().to_string(), doc, p.tags().to_vec())
    }

    /// Deletes every version but the default one (IAM keeps at most five).
    async fn spare_versions_deleted(e: &Env, name: &str) {
        let iam = e.iam();
        let versions = iam.list_policy_versions().policy_arn(policy_arn(name)).send().await.unwrap();
        for v in versions.versions().iter().filter(|v| !v.is_default_version()) {
            let id = v.version_id().unwrap();
            iam.delete_policy_version().policy_arn(policy_arn(name)).version_id(id).send().await.unwrap();
        }
    }

    async fn new_version(e: &Env, change: fn(&serde_json::Value) -> String) {
        let (_, doc, _) = managed(e, POLICY).await;
        spare_versions_deleted(e, POLICY).await;
        e.iam()
            .create_policy_version()
            .policy_arn(policy_arn(POLICY))
            .policy_document(change(&doc))
            .set_as_default(true)
            .send()
            .await
            .unwrap();
    }

    pub async fn policy(e: &Env) {
        new_version(e, |doc| without_last_statement(doc).to_string()).await;
    }

    pub async fn policy_equivalent(e: &Env) {
        new_version(e, rewritten).await;
    }

    pub async fn policy_tags(e: &Env) {
        e.iam().tag_policy().policy_arn(policy_arn(POLICY)).tags(tag()).send().await.unwrap();
    }

    /// The policy deleted and made again as `name` with `description` (else the same), the same
    /// document and tags. (A policy's description cannot be changed.)
    async fn recreate_policy(e: &Env, name: &str, description: Option<&str>) {
        let (old, doc, tags) = managed(e, POLICY).await;
        let iam = e.iam();
        spare_versions_deleted(e, POLICY).await;
        iam.delete_policy().policy_arn(policy_arn(POLICY)).send().await.unwrap();
        iam.create_policy()
            .policy_name(name)
            .description(description.unwrap_or(&old))
            .policy_document(doc.to_string())
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap();
    }

    pub async fn policy_description(e: &Env) {
        recreate_policy(e, POLICY, Some(DRIFTED)).await;
    }

    pub async fn policy_renamed(e: &Env) {
        recreate_policy(e, &format!("{POLICY}-renamed"), None).await;
    }

    pub async fn role_description(e: &Env) {
        e.iam().update_role_description().role_name("BankCoreRole").description(DRIFTED).send().await.unwrap();
    }

    async fn trust(e: &Env, role: &str, change: fn(&serde_json::Value) -> String) {
        let iam = e.iam();
        let got = iam.get_role().role_name(role).send().await.unwrap();
        let doc = iam_document(got.role().unwrap().assume_role_policy_document().unwrap());
        iam.update_assume_role_policy().role_name(role).policy_document(change(&doc)).send().await.unwrap();
    }

    pub async fn trust_policy(e: &Env) {
        trust(e, "BankKycRole", |doc| without_last_statement(doc).to_string()).await;
    }

    pub async fn trust_policy_equivalent(e: &Env) {
        trust(e, "BankAmlRole", rewritten).await;
    }

    pub async fn max_session(e: &Env) {
        e.iam().update_role().role_name("BankCreditRole").max_session_duration(7200).send().await.unwrap();
    }

    pub async fn managed_policy_detached(e: &Env) {
        e.iam()
            .detach_role_policy()
            .role_name("BankRiskRole")
            .policy_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
            .send()
            .await
            .unwrap();
    }

    async fn inline(e: &Env, role: &str, policy: &str, change: fn(&serde_json::Value) -> String) {
        let iam = e.iam();
        let got = iam.get_role_policy().role_name(role).policy_name(policy).send().await.unwrap();
        let doc = iam_document(got.policy_document());
        iam.put_role_policy().role_name(role).policy_name(policy).policy_document(change(&doc)).send().await.unwrap();
    }

    pub async fn inline_policy(e: &Env) {
        inline(e, "BankPlatformRole", "bank-platform-domain-permissions", |doc| {
            without_last_statement(doc).to_string()
        })
        .await;
    }

    pub async fn inline_policy_equivalent(e: &Env) {
        inline(e, "BankAppRole", "bank-app-domain-permissions", rewritten).await;
    }

    pub async fn role_tags(e: &Env) {
        e.iam().tag_role().role_name("bank-platform-cicd").tags(tag()).send().await.unwrap();
    }

    /// The role re-made under another name with the same trust, settings, policies and tags, and
    /// the original deleted.
    pub async fn role_renamed(e: &Env) {
        let iam = e.iam();
        let from = "bank-platform-break-glass";
        let got = iam.get_role().role_name(from).send().await.unwrap();
        let role = got.role().unwrap();
        let tags = iam.list_role_tags().role_name(from).send().await.unwrap();
        let attached = iam.list_attached_role_policies().role_name(from).send().await.unwrap();
        let to = format!("{from}-renamed");
        iam.create_role()
            .role_name(&to)
            .assume_role_policy_document(iam_document(role.assume_role_policy_document().unwrap()).to_string())
            .description(role.description().unwrap_or_default())
            .max_session_duration(role.max_session_duration().unwrap_or(3600))
            .set_tags(Some(tags.tags().to_vec()))
            .send()
            .await
            .unwrap();
        for arn in attached.attached_policies().iter().filter_map(|p| p.policy_arn()) {
            iam.attach_role_policy().role_name(&to).policy_arn(arn).send().await.unwrap();
            iam.detach_role_policy().role_name(from).policy_arn(arn).send().await.unwrap();
        }
        iam.delete_role().role_name(from).send().await.unwrap();
    }
}

fn iam_rows() -> Vec<Row> {
    const OIDC: &str = "iam_oidc_provider.github";
    const POLICY: &str = "iam_policy.secrets-read";
    vec![
        row(OIDC, "client_ids", Update, |e| Box::pin(iam::client_id_added(e))),
        row(OIDC, "thumbprints", Update, |e| Box::pin(iam::thumbprints(e))),
        row(OIDC, "tags", Update, |e| Box::pin(iam::oidc_tags(e))),
        row_also(
            OIDC,
            "url",
            Replace,
            // The CI/CD role trusts the provider by ARN.
            &[("iam_role.cicd", "update", "assume_role_policy")],
            |e| Box::pin(iam::oidc_url(e)),
        ),
        row(POLICY, "policy", Update, |e| Box::pin(iam::policy(e))),
        row(POLICY, "policy", Equivalent, |e| Box::pin(iam::policy_equivalent(e))),
        row(POLICY, "tags", Update, |e| Box::pin(iam::policy_tags(e))),
        row_also(POLICY, "description", Replace, &[("ssm_parameter.iam/secrets-read/arn", "update", "value")], |e| {
            Box::pin(iam::policy_description(e))
        }),
        row_also(POLICY, "name", Replace, &[("ssm_parameter.iam/secrets-read/arn", "update", "value")], |e| {
            Box::pin(iam::policy_renamed(e))
        }),
        row("iam_role.bank-core", "description", Update, |e| Box::pin(iam::role_description(e))),
        row("iam_role.bank-kyc", "assume_role_policy", Update, |e| Box::pin(iam::trust_policy(e))),
        row("iam_role.bank-aml", "assume_role_policy", Equivalent, |e| Box::pin(iam::trust_policy_equivalent(e))),
        row("iam_role.bank-credit", "max_session_duration", Update, |e| Box::pin(iam::max_session(e))),
        row("iam_role.bank-risk-platform", "managed_policy_arns", Update, |e| {
            Box::pin(iam::managed_policy_detached(e))
        }),
        row("iam_role.bank-platform", "inline_policies", Update, |e| Box::pin(iam::inline_policy(e))),
        row("iam_role.bank-app", "inline_policies", Equivalent, |e| Box::pin(iam::inline_policy_equivalent(e))),
        row("iam_role.cicd", "tags", Update, |e| Box::pin(iam::role_tags(e))),
        row_also(
            "iam_role.break-glass",
            "name",
            Replace,
            &[("ssm_parameter.iam/break-glass/arn", "update", "value")],
            |e| Box::pin(iam::role_renamed(e)),
        ),
    ]
}

// ---------------------------------------------------------------- CloudTrail

mod cloudtrail {
    use aws_sdk_cloudtrail::operation::update_trail::builders::UpdateTrailFluentBuilder;
    use aws_sdk_cloudtrail::types::{DataResource, EventSelector, ReadWriteType, Tag};

    use super::{ACCOUNT, DRIFTED, REGION, TAG, key_arn};
    use crate::harness::{Env, STAGE};

    const TRAIL: &str = "bank-platform";

    fn trail_arn(name: &str) -> String {
        format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}")
    }

    async fn trail(e: &Env) -> aws_sdk_cloudtrail::types::Trail {
        let out = e.cloudtrail().describe_trails().trail_name_list(TRAIL).send().await.unwrap();
        out.trail_list()[0].clone()
    }

    /// UpdateTrail with only the trail's name and the given members: the others stay.
    async fn update(e: &Env, change: impl FnOnce(UpdateTrailFluentBuilder) -> UpdateTrailFluentBuilder) {
        change(e.cloudtrail().update_trail().name(TRAIL)).send().await.unwrap();
    }

    pub async fn bucket(e: &Env) {
        update(e, |u| u.s3_bucket_name(format!("bank-artefacts-{STAGE}"))).await;
    }

    pub async fn kms_key(e: &Env) {
        let key = key_arn(e, "pii").await;
        update(e, |u| u.kms_key_id(key)).await;
    }

    pub async fn single_region(e: &Env) {
        update(e, |u| u.is_multi_region_trail(false)).await;
    }

    pub async fn no_global_events(e: &Env) {
        update(e, |u| u.include_global_service_events(false)).await;
    }

    pub async fn no_validation(e: &Env) {
        update(e, |u| u.enable_log_file_validation(false)).await;
    }

    /// CloudTrail takes the log group and its role together.
    pub async fn log_group(e: &Env) {
        let t = trail(e).await;
        let group = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/bank-platform/{STAGE}:*");
        let role = t.cloud_watch_logs_role_arn().unwrap().to_string();
        update(e, |u| u.cloud_watch_logs_log_group_arn(group).cloud_watch_logs_role_arn(role)).await;
    }

    pub async fn logs_role(e: &Env) {
        let t = trail(e).await;
        let group = t.cloud_watch_logs_log_group_arn().unwrap().to_string();
        let role = format!("arn:aws:iam::{ACCOUNT}:role/bank-platform-firehose-{STAGE}");
        update(e, |u| u.cloud_watch_logs_log_group_arn(group).cloud_watch_logs_role_arn(role)).await;
    }

    async fn selectors(e: &Env, read_write: ReadWriteType, data: &str) {
        let data = DataResource::builder().r#type("AWS::S3::Object").values(data).build();
        let selector = EventSelector::builder()
            .read_write_type(read_write)
            .include_management_events(true)
            .data_resources(data)
            .build();
        e.cloudtrail().put_event_selectors().trail_name(TRAIL).event_selectors(selector).send().await.unwrap();
    }

    pub async fn management_events(e: &Env) {
        selectors(e, ReadWriteType::ReadOnly, "arn:aws:s3").await;
    }

    pub async fn data_events(e: &Env) {
        selectors(e, ReadWriteType::All, &format!("arn:aws:s3:::bank-documents-{STAGE}/")).await;
    }

    pub async fn stopped(e: &Env) {
        e.cloudtrail().stop_logging().name(TRAIL).send().await.unwrap();
    }

    pub async fn tags(e: &Env) {
        let tag = Tag::builder().key(TAG).value(DRIFTED).build().unwrap();
        e.cloudtrail().add_tags().resource_id(trail_arn(TRAIL)).tags_list(tag).send().await.unwrap();
    }

    /// The trail re-made under another name with the same settings, selectors, status and tags,
    /// and the original deleted.
    pub async fn renamed(e: &Env) {
        let ct = e.cloudtrail();
        let t = trail(e).await;
        let selectors = ct.get_event_selectors().trail_name(TRAIL).send().await.unwrap();
        let tags = ct.list_tags().resource_id_list(trail_arn(TRAIL)).send().await.unwrap();
        let tags: Vec<Tag> = tags.resource_tag_list().iter().flat_map(|r| r.tags_list().to_vec()).collect();
        let to = format!("{TRAIL}-renamed");
        ct.create_trail()
            .name(&to)
            .s3_bucket_name(t.s3_bucket_name().unwrap())
            .set_kms_key_id(t.kms_key_id().map(str::to_string))
            .set_is_multi_region_trail(t.is_multi_region_trail())
            .set_include_global_service_events(t.include_global_service_events())
            .set_enable_log_file_validation(t.log_file_validation_enabled())
            .set_cloud_watch_logs_log_group_arn(t.cloud_watch_logs_log_group_arn().map(str::to_string))
            .set_cloud_watch_logs_role_arn(t.cloud_watch_logs_role_arn().map(str::to_string))
            .set_tags_list(Some(tags))
            .send()
            .await
            .unwrap();
        ct.put_event_selectors()
            .trail_name(&to)
            .set_event_selectors(Some(selectors.event_selectors().to_vec()))
            .send()
            .await
            .unwrap();
        ct.start_logging().name(&to).send().await.unwrap();
        ct.delete_trail().name(TRAIL).send().await.unwrap();
    }
}

fn cloudtrail_rows() -> Vec<Row> {
    const TRAIL: &str = "cloudtrail_trail.bank-platform";
    vec![
        row(TRAIL, "s3_bucket_name", Update, |e| Box::pin(cloudtrail::bucket(e))),
        row(TRAIL, "kms_key_id", Update, |e| Box::pin(cloudtrail::kms_key(e))),
        row(TRAIL, "is_multi_region_trail", Update, |e| Box::pin(cloudtrail::single_region(e))),
        row(TRAIL, "include_global_service_events", Update, |e| Box::pin(cloudtrail::no_global_events(e))),
        row(TRAIL, "enable_log_file_validation", Update, |e| Box::pin(cloudtrail::no_validation(e))),
        row(TRAIL, "cloud_watch_logs_log_group_arn", Update, |e| Box::pin(cloudtrail::log_group(e))),
        row(TRAIL, "cloud_watch_logs_role_arn", Update, |e| Box::pin(cloudtrail::logs_role(e))),
        row(TRAIL, "management_events", Update, |e| Box::pin(cloudtrail::management_events(e))),
        row(TRAIL, "s3_data_events", Update, |e| Box::pin(cloudtrail::data_events(e))),
        row(TRAIL, "logging", Update, |e| Box::pin(cloudtrail::stopped(e))),
        row(TRAIL, "tags", Update, |e| Box::pin(cloudtrail::tags(e))),
        row_also(TRAIL, "name", Replace, &[("ssm_parameter.cloudtrail/arn", "update", "value")], |e| {
            Box::pin(cloudtrail::renamed(e))
        }),
    ]
}

// ---------------------------------------------------------------- Firehose

mod firehose {
    use aws_sdk_firehose::types::builders::ExtendedS3DestinationUpdateBuilder;
    use aws_sdk_firehose::types::{
        BufferingHints, CloudWatchLoggingOptions, CompressionFormat, DeliveryStreamEncryptionConfigurationInput,
        DeliveryStreamType, EncryptionConfiguration, ExtendedS3DestinationConfiguration, ExtendedS3DestinationUpdate,
        KeyType, KmsEncryptionConfig, Tag,
    };

    use super::{ACCOUNT, DRIFTED, TAG, key_arn};
    use crate::harness::{Env, STAGE};

    async fn described(e: &Env, stream: &str) -> aws_sdk_firehose::types::DeliveryStreamDescription {
        let out = e.firehose().describe_delivery_stream().delivery_stream_name(stream).send().await.unwrap();
        out.delivery_stream_description().unwrap().clone()
    }

    /// UpdateDestination with only the given members: the others stay.
    async fn update(e: &Env, stream: &str, change: ExtendedS3DestinationUpdateBuilder) {
        let d = described(e, stream).await;
        e.firehose()
            .update_destination()
            .delivery_stream_name(stream)
            .current_delivery_stream_version_id(d.version_id())
            .destination_id(d.destinations()[0].destination_id())
            .extended_s3_destination_update(change.build())
            .send()
            .await
            .unwrap();
    }

    pub async fn set(
        e: &Env,
        stream: &str,
        change: fn(ExtendedS3DestinationUpdateBuilder) -> ExtendedS3DestinationUpdateBuilder,
    ) {
        update(e, stream, change(ExtendedS3DestinationUpdate::builder())).await;
    }

    pub async fn stream_key(e: &Env) {
        let key = DeliveryStreamEncryptionConfigurationInput::builder()
            .key_type(KeyType::CustomerManagedCmk)
            .key_arn(key_arn(e, "pii").await)
            .build()
            .unwrap();
        e.firehose()
            .start_delivery_stream_encryption()
            .delivery_stream_name("bank-cdc-stream")
            .delivery_stream_encryption_configuration_input(key)
            .send()
            .await
            .unwrap();
    }

    pub async fn role(e: &Env) {
        let role = format!("arn:aws:iam::{ACCOUNT}:role/bank-platform-cicd");
        update(e, "bank-cdc-stream", ExtendedS3DestinationUpdate::builder().role_arn(role)).await;
    }

    pub async fn bucket(e: &Env) {
        let bucket = format!("arn:aws:s3:::bank-reports-{STAGE}");
        update(e, "bank-usage-events", ExtendedS3DestinationUpdate::builder().bucket_arn(bucket)).await;
    }

    pub async fn object_key(e: &Env) {
        let kms = KmsEncryptionConfig::builder().awskms_key_arn(key_arn(e, "pii").await).build().unwrap();
        let encryption = EncryptionConfiguration::builder().kms_encryption_config(kms).build();
        update(e, "bank-usage-events", ExtendedS3DestinationUpdate::builder().encryption_configuration(encryption))
            .await;
    }

    pub fn logging(group: &str, stream: &str) -> CloudWatchLoggingOptions {
        CloudWatchLoggingOptions::builder().enabled(true).log_group_name(group).log_stream_name(stream).build()
    }

    pub async fn log_group(e: &Env) {
        let options = logging(&format!("/aws/bank-platform/{STAGE}"), "bank-cdc-stream-delivery");
        update(e, "bank-cdc-stream", ExtendedS3DestinationUpdate::builder().cloud_watch_logging_options(options)).await;
    }

    pub async fn log_stream(e: &Env) {
        let options = logging(&format!("/aws/kinesisfirehose/bank-platform-{STAGE}"), DRIFTED);
        update(e, "bank-usage-events", ExtendedS3DestinationUpdate::builder().cloud_watch_logging_options(options))
            .await;
    }

    pub fn hints(size: i32, interval: i32) -> BufferingHints {
        BufferingHints::builder().size_in_mbs(size).interval_in_seconds(interval).build()
    }

    pub fn compression(format: &str) -> CompressionFormat {
        CompressionFormat::from(format)
    }

    pub async fn tags(e: &Env) {
        let tag = Tag::builder().key(TAG).value(DRIFTED).build().unwrap();
        e.firehose().tag_delivery_stream().delivery_stream_name("bank-cdc-stream").tags(tag).send().await.unwrap();
    }

    /// The stream re-made under another name with the same destination, encryption and tags, and
    /// the original deleted.
    pub async fn renamed(e: &Env) {
        let fh = e.firehose();
        let from = "bank-usage-events";
        let d = described(e, from).await;
        let s3 = d.destinations()[0].extended_s3_destination_description().unwrap();
        let tags = fh.list_tags_for_delivery_stream().delivery_stream_name(from).send().await.unwrap();
        let destination = ExtendedS3DestinationConfiguration::builder()
            .role_arn(s3.role_arn())
            .bucket_arn(s3.bucket_arn())
            .set_prefix(s3.prefix().map(str::to_string))
            .set_error_output_prefix(s3.error_output_prefix().map(str::to_string))
            .set_buffering_hints(s3.buffering_hints().cloned())
            .compression_format(s3.compression_format().clone())
            .set_encryption_configuration(s3.encryption_configuration().cloned())
            .set_cloud_watch_logging_options(s3.cloud_watch_logging_options().cloned())
            .build()
            .unwrap();
        let encryption = d.delivery_stream_encryption_configuration().unwrap();
        let key = DeliveryStreamEncryptionConfigurationInput::builder()
            .key_type(encryption.key_type().unwrap().clone())
            .set_key_arn(encryption.key_arn().map(str::to_string))
            .build()
            .unwrap();
        fh.create_delivery_stream()
            .delivery_stream_name(format!("{from}-renamed"))
            .delivery_stream_type(DeliveryStreamType::DirectPut)
            .delivery_stream_encryption_configuration_input(key)
            .extended_s3_destination_configuration(destination)
            .set_tags(Some(tags.tags().to_vec()))
            .send()
            .await
            .unwrap();
        fh.delete_delivery_stream().delivery_stream_name(from).send().await.unwrap();
    }
}

fn firehose_rows() -> Vec<Row> {
    const CDC: &str = "firehose_stream.cdc";
    const USAGE: &str = "firehose_stream.usage";
    vec![
        row(CDC, "stream_kms_key_arn", Update, |e| Box::pin(firehose::stream_key(e))),
        row(CDC, "role_arn", Update, |e| Box::pin(firehose::role(e))),
        row(CDC, "prefix", Update, |e| Box::pin(firehose::set(e, "bank-cdc-stream", |u| u.prefix("drifted/")))),
        row(CDC, "buffer_size_mb", Update, |e| {
            Box::pin(firehose::set(e, "bank-cdc-stream", |u| u.buffering_hints(firehose::hints(64, 300))))
        }),
        row(CDC, "compression", Update, |e| {
            Box::pin(firehose::set(e, "bank-cdc-stream", |u| u.compression_format(firehose::compression("Snappy"))))
        }),
        row(CDC, "log_group", Update, |e| Box::pin(firehose::log_group(e))),
        row(CDC, "tags", Update, |e| Box::pin(firehose::tags(e))),
        row(USAGE, "bucket_arn", Update, |e| Box::pin(firehose::bucket(e))),
        row(USAGE, "error_output_prefix", Update, |e| {
            Box::pin(firehose::set(e, "bank-usage-events", |u| u.error_output_prefix("drifted/")))
        }),
        row(USAGE, "buffer_interval_seconds", Update, |e| {
            Box::pin(firehose::set(e, "bank-usage-events", |u| u.buffering_hints(firehose::hints(128, 60))))
        }),
        row(USAGE, "s3_kms_key_arn", Update, |e| Box::pin(firehose::object_key(e))),
        row(USAGE, "log_stream", Update, |e| Box::pin(firehose::log_stream(e))),
        row_also(USAGE, "name", Replace, &[("ssm_parameter.firehose/usage/arn", "update", "value")], |e| {
            Box::pin(firehose::renamed(e))
        }),
    ]
}

// ---------------------------------------------------------------- Cognito

mod cognito {
    use aws_sdk_cognitoidentityprovider::operation::update_user_pool::builders::UpdateUserPoolFluentBuilder;
    use aws_sdk_cognitoidentityprovider::operation::update_user_pool_client::builders::UpdateUserPoolClientFluentBuilder;
    use aws_sdk_cognitoidentityprovider::types::{
        AttributeDataType, DeletionProtectionType, SchemaAttributeType, SmsConfigurationType, SmsMfaConfigType,
        SoftwareTokenMfaConfigType, UserPoolClientType, UserPoolMfaType, UserPoolType, UsernameAttributeType,
    };

    use super::{ACCOUNT, DRIFTED, TAG};
    use crate::harness::Env;

    /// The pool whose address tag is `address`.
    pub async fn pool(e: &Env, address: &str) -> UserPoolType {
        let cognito = e.cognito();
        let pools = cognito.list_user_pools().max_results(60).send().await.unwrap();
        for p in pools.user_pools() {
            let described = cognito.describe_user_pool().user_pool_id(p.id().unwrap()).send().await.unwrap();
            let pool = described.user_pool().unwrap();
            let tags = pool.user_pool_tags().cloned().unwrap_or_default();
            if tags.get("bankinfra:address").map(String::as_str) == Some(address) {
                return pool.clone();
            }
        }
        panic!("{address} exists")
    }

    /// UpdateUserPool with the pool's current settings (an update resets what it omits) changed
    /// by `change`.
    async fn update_pool(
        e: &Env,
        address: &str,
        change: fn(&UserPoolType, UpdateUserPoolFluentBuilder) -> UpdateUserPoolFluentBuilder,
    ) {
        let p = pool(e, address).await;
        let update = e
            .cognito()
            .update_user_pool()
            .user_pool_id(p.id().unwrap())
            .set_policies(p.policies().cloned())
            .set_mfa_configuration(p.mfa_configuration().cloned())
            .set_auto_verified_attributes(Some(p.auto_verified_attributes().to_vec()))
            .set_deletion_protection(p.deletion_protection().cloned());
        change(&p, update).send().await.unwrap();
    }

    pub async fn renamed(e: &Env) {
        update_pool(e, "cognito_user_pool.customers", |p, u| u.pool_name(format!("{}-renamed", p.name().unwrap())))
            .await;
    }

    pub async fn password_policy(e: &Env) {
        update_pool(e, "cognito_user_pool.customers", |p, u| {
            let mut policies = p.policies().unwrap().clone();
            let mut password = policies.password_policy().unwrap().clone();
            password.minimum_length = Some(8);
            policies.password_policy = Some(password);
            u.policies(policies)
        })
        .await;
    }

    pub async fn auto_verified(e: &Env) {
        update_pool(e, "cognito_user_pool.staff", |_, u| u.set_auto_verified_attributes(Some(Vec::new()))).await;
    }

    pub async fn deletion_protection(e: &Env) {
        update_pool(e, "cognito_user_pool.staff", |_, u| u.deletion_protection(DeletionProtectionType::Active)).await;
    }

    pub async fn mfa_optional(e: &Env) {
        let p = pool(e, "cognito_user_pool.customers").await;
        e.cognito()
            .set_user_pool_mfa_config()
            .user_pool_id(p.id().unwrap())
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .mfa_configuration(UserPoolMfaType::Optional)
            .send()
            .await
            .unwrap();
    }

    /// MFA stays required, by SMS instead of an authenticator app (MFA cannot be required without
    /// a method).
    pub async fn totp_off(e: &Env) {
        let p = pool(e, "cognito_user_pool.staff").await;
        let sms =
            SmsConfigurationType::builder().sns_caller_arn(format!("arn:aws:iam::{ACCOUNT}:role/cognito-sms")).build();
        e.cognito()
            .set_user_pool_mfa_config()
            .user_pool_id(p.id().unwrap())
            .sms_mfa_configuration(SmsMfaConfigType::builder().sms_configuration(sms).build())
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(false).build())
            .mfa_configuration(UserPoolMfaType::On)
            .send()
            .await
            .unwrap();
    }

    pub async fn tags(e: &Env) {
        let p = pool(e, "cognito_user_pool.customers").await;
        e.cognito().tag_resource().resource_arn(p.arn().unwrap()).tags(TAG, DRIFTED).send().await.unwrap();
    }

    pub async fn custom_attribute_added(e: &Env) {
        let p = pool(e, "cognito_user_pool.customers").await;
        let attribute = SchemaAttributeType::builder()
            .name("drifted")
            .attribute_data_type(AttributeDataType::String)
            .mutable(true)
            .build();
        e.cognito()
            .add_custom_attributes()
            .user_pool_id(p.id().unwrap())
            .custom_attributes(attribute)
            .send()
            .await
            .unwrap();
    }

    /// The pool deleted (with its clients) and made again, tagged as before, with users signing
    /// in by phone number (fixed at creation).
    pub async fn username_attributes(e: &Env) {
        let p = pool(e, "cognito_user_pool.staff").await;
        let cognito = e.cognito();
        let schema: Vec<SchemaAttributeType> = p
            .schema_attributes()
            .iter()
            .filter_map(|a| {
                let name = a.name()?.strip_prefix("custom:")?;
                Some(
                    SchemaAttributeType::builder()
                        .name(name)
                        .attribute_data_type(AttributeDataType::String)
                        .set_mutable(a.mutable())
                        .set_string_attribute_constraints(a.string_attribute_constraints().cloned())
                        .build(),
                )
            })
            .collect();
        let created = cognito
            .create_user_pool()
            .pool_name(p.name().unwrap())
            .set_policies(p.policies().cloned())
            .set_schema(Some(schema))
            .username_attributes(UsernameAttributeType::PhoneNumber)
            .set_auto_verified_attributes(Some(p.auto_verified_attributes().to_vec()))
            .set_deletion_protection(p.deletion_protection().cloned())
            .set_user_pool_tags(p.user_pool_tags().cloned())
            .send()
            .await
            .unwrap();
        cognito
            .set_user_pool_mfa_config()
            .user_pool_id(created.user_pool().unwrap().id().unwrap())
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .set_mfa_configuration(p.mfa_configuration().cloned())
            .send()
            .await
            .unwrap();
        cognito.delete_user_pool().user_pool_id(p.id().unwrap()).send().await.unwrap();
    }

    pub async fn client(e: &Env, pool_address: &str, name: &str) -> UserPoolClientType {
        let cognito = e.cognito();
        let id = pool(e, pool_address).await.id().unwrap().to_string();
        let listed = cognito.list_user_pool_clients().user_pool_id(&id).max_results(60).send().await.unwrap();
        let client = listed.user_pool_clients().iter().find(|c| c.client_name() == Some(name)).unwrap();
        let described =
            cognito.describe_user_pool_client().user_pool_id(&id).client_id(client.client_id().unwrap()).send().await;
        described.unwrap().user_pool_client().unwrap().clone()
    }

    /// UpdateUserPoolClient with the client's current settings (an update resets what it omits)
    /// changed by `change`.
    pub async fn update_client(
        e: &Env,
        pool_address: &str,
        name: &str,
        change: fn(&UserPoolClientType, UpdateUserPoolClientFluentBuilder) -> UpdateUserPoolClientFluentBuilder,
    ) {
        let c = client(e, pool_address, name).await;
        let update = e
            .cognito()
            .update_user_pool_client()
            .user_pool_id(c.user_pool_id().unwrap())
            .client_id(c.client_id().unwrap())
            .set_client_name(c.client_name().map(str::to_string))
            .set_explicit_auth_flows(Some(c.explicit_auth_flows().to_vec()))
            .set_allowed_o_auth_flows(Some(c.allowed_o_auth_flows().to_vec()))
            .allowed_o_auth_flows_user_pool_client(c.allowed_o_auth_flows_user_pool_client().unwrap_or(false))
            .set_allowed_o_auth_scopes(Some(c.allowed_o_auth_scopes().to_vec()))
            .set_callback_urls(Some(c.callback_urls().to_vec()))
            .set_logout_urls(Some(c.logout_urls().to_vec()))
            .set_supported_identity_providers(Some(c.supported_identity_providers().to_vec()))
            .set_prevent_user_existence_errors(c.prevent_user_existence_errors().cloned())
            .set_enable_token_revocation(c.enable_token_revocation())
            .set_access_token_validity(c.access_token_validity())
            .set_id_token_validity(c.id_token_validity())
            .refresh_token_validity(c.refresh_token_validity())
            .set_token_validity_units(c.token_validity_units().cloned());
        change(&c, update).send().await.unwrap();
    }

    /// The client deleted and made again in the pool `to_pool` (else the same), with or without a
    /// secret, with the same settings.
    pub async fn recreate_client(e: &Env, pool_address: &str, name: &str, to_pool: Option<&str>, secret: bool) {
        let c = client(e, pool_address, name).await;
        let cognito = e.cognito();
        let target = match to_pool {
            Some(address) => pool(e, address).await.id().unwrap().to_string(),
            None => c.user_pool_id().unwrap().to_string(),
        };
        cognito
            .delete_user_pool_client()
            .user_pool_id(c.user_pool_id().unwrap())
            .client_id(c.client_id().unwrap())
            .send()
            .await
            .unwrap();
        cognito
            .create_user_pool_client()
            .user_pool_id(target)
            .client_name(name)
            .generate_secret(secret)
            .set_explicit_auth_flows(Some(c.explicit_auth_flows().to_vec()))
            .set_allowed_o_auth_flows(Some(c.allowed_o_auth_flows().to_vec()))
            .allowed_o_auth_flows_user_pool_client(c.allowed_o_auth_flows_user_pool_client().unwrap_or(false))
            .set_allowed_o_auth_scopes(Some(c.allowed_o_auth_scopes().to_vec()))
            .set_callback_urls(Some(c.callback_urls().to_vec()))
            .set_logout_urls(Some(c.logout_urls().to_vec()))
            .set_supported_identity_providers(Some(c.supported_identity_providers().to_vec()))
            .set_prevent_user_existence_errors(c.prevent_user_existence_errors().cloned())
            .set_enable_token_revocation(c.enable_token_revocation())
            .set_access_token_validity(c.access_token_validity())
            .set_id_token_validity(c.id_token_validity())
            .refresh_token_validity(c.refresh_token_validity())
            .set_token_validity_units(c.token_validity_units().cloned())
            .send()
            .await
            .unwrap();
    }
}

fn cognito_rows() -> Vec<Row> {
    use aws_sdk_cognitoidentityprovider::types::{
        ExplicitAuthFlowsType, OAuthFlowType, PreventUserExistenceErrorTypes, TimeUnitsType, TokenValidityUnitsType,
    };
    const CUSTOMERS: &str = "cognito_user_pool.customers";
    const STAFF: &str = "cognito_user_pool.staff";
    const MOBILE: &str = "cognito_user_pool_client.customers-mobile";
    const WEB: &str = "cognito_user_pool_client.customers-web";
    const BACK_OFFICE: &str = "cognito_user_pool_client.staff-back-office";
    const API: &str = "cognito_user_pool_client.staff-api-authoriser";
    vec![
        row(CUSTOMERS, "name", Update, |e| Box::pin(cognito::renamed(e))),
        row(CUSTOMERS, "mfa_configuration", Update, |e| Box::pin(cognito::mfa_optional(e))),
        row(CUSTOMERS, "password_policy", Update, |e| Box::pin(cognito::password_policy(e))),
        row(CUSTOMERS, "tags", Update, |e| Box::pin(cognito::tags(e))),
        row_also(
            CUSTOMERS,
            "custom_attributes",
            Replace,
            // Custom attributes can be added but never removed: the pool is replaced, and its
            // clients with it.
            &[
                (MOBILE, "replace", "user_pool_id"),
                (WEB, "replace", "user_pool_id"),
                ("ssm_parameter.cognito/customers/pool-id", "update", "value"),
                ("ssm_parameter.cognito/customers/arn", "update", "value"),
                ("ssm_parameter.cognito/customers/client/mobile", "update", "value"),
                ("ssm_parameter.cognito/customers/client/web", "update", "value"),
            ],
            |e| Box::pin(cognito::custom_attribute_added(e)),
        ),
        row(STAFF, "software_token_mfa", Update, |e| Box::pin(cognito::totp_off(e))),
        row(STAFF, "auto_verified_attributes", Update, |e| Box::pin(cognito::auto_verified(e))),
        row(STAFF, "deletion_protection", Update, |e| Box::pin(cognito::deletion_protection(e))),
        row_also(
            STAFF,
            "username_attributes",
            Replace,
            // The pool was re-made without its clients.
            &[
                (BACK_OFFICE, "create", "*"),
                (API, "create", "*"),
                ("ssm_parameter.cognito/staff/pool-id", "update", "value"),
                ("ssm_parameter.cognito/staff/arn", "update", "value"),
                ("ssm_parameter.cognito/staff/client/back-office", "update", "value"),
                ("ssm_parameter.cognito/staff/client/api-authoriser", "update", "value"),
            ],
            |e| Box::pin(cognito::username_attributes(e)),
        ),
        row(MOBILE, "explicit_auth_flows", Update, |e| {
            Box::pin(cognito::update_client(e, CUSTOMERS, "mobile", |c, u| {
                let mut flows = c.explicit_auth_flows().to_vec();
                flows.push(ExplicitAuthFlowsType::AllowUserPasswordAuth);
                u.set_explicit_auth_flows(Some(flows))
            }))
        }),
        row(MOBILE, "allowed_oauth_scopes", Update, |e| {
            Box::pin(cognito::update_client(e, CUSTOMERS, "mobile", |_, u| {
                u.set_allowed_o_auth_scopes(Some(vec!["openid".into(), "email".into()]))
            }))
        }),
        row(MOBILE, "logout_urls", Update, |e| {
            Box::pin(cognito::update_client(e, CUSTOMERS, "mobile", |_, u| {
                u.set_logout_urls(Some(vec!["totarabank://drifted".into()]))
            }))
        }),
        row_also(
            MOBILE,
            "name",
            Create,
            // A client is found in its pool by name: renamed, it is another client.
            &[("ssm_parameter.cognito/customers/client/mobile", "update", "value")],
            |e| Box::pin(cognito::update_client(e, CUSTOMERS, "mobile", |_, u| u.client_name("mobile-renamed"))),
        ),
        row(WEB, "allowed_oauth_flows", Update, |e| {
            Box::pin(cognito::update_client(e, CUSTOMERS, "web", |_, u| {
                u.set_allowed_o_auth_flows(Some(vec![OAuthFlowType::Implicit]))
            }))
        }),
        row(WEB, "callback_urls", Update, |e| {
            Box::pin(cognito::update_client(e, CUSTOMERS, "web", |_, u| {
                u.set_callback_urls(Some(vec!["https://drifted.example.com/callback".into()]))
            }))
        }),
        row(WEB, "supported_identity_providers", Update, |e| {
            Box::pin(cognito::update_client(e, CUSTOMERS, "web", |_, u| {
                u.set_supported_identity_providers(Some(vec![]))
            }))
        }),
        row_also(
            WEB,
            "user_pool_id",
            Create,
            // A client cannot move: in another pool it is another client.
            &[("ssm_parameter.cognito/customers/client/web", "update", "value")],
            |e| Box::pin(cognito::recreate_client(e, CUSTOMERS, "web", Some(STAFF), false)),
        ),
        row(BACK_OFFICE, "access_token_validity_minutes", Update, |e| {
            Box::pin(cognito::update_client(e, STAFF, "back-office", |_, u| u.access_token_validity(30)))
        }),
        row(BACK_OFFICE, "refresh_token_validity_days", Update, |e| {
            Box::pin(cognito::update_client(e, STAFF, "back-office", |_, u| u.refresh_token_validity(10)))
        }),
        row_also(
            BACK_OFFICE,
            "generate_secret",
            Replace,
            &[("ssm_parameter.cognito/staff/client/back-office", "update", "value")],
            |e| Box::pin(cognito::recreate_client(e, STAFF, "back-office", None, false)),
        ),
        // One hour is sixty minutes, 720 hours are 30 days.
        row(BACK_OFFICE, "access_token_validity_minutes", Equivalent, |e| {
            Box::pin(cognito::update_client(e, STAFF, "back-office", |_, u| {
                let units = TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Hours)
                    .id_token(TimeUnitsType::Minutes)
                    .refresh_token(TimeUnitsType::Hours)
                    .build();
                u.access_token_validity(1).refresh_token_validity(720).token_validity_units(units)
            }))
        }),
        row(API, "id_token_validity_minutes", Update, |e| {
            Box::pin(cognito::update_client(e, STAFF, "api-authoriser", |_, u| u.id_token_validity(30)))
        }),
        row(API, "prevent_user_existence_errors", Update, |e| {
            Box::pin(cognito::update_client(e, STAFF, "api-authoriser", |_, u| {
                u.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Legacy)
            }))
        }),
        // The flows stay listed, but OAuth is off for the client: no flow is allowed.
        row(API, "allowed_oauth_flows", Update, |e| {
            Box::pin(cognito::update_client(e, STAFF, "api-authoriser", |_, u| {
                u.allowed_o_auth_flows_user_pool_client(false)
            }))
        }),
        row(API, "enable_token_revocation", Update, |e| {
            Box::pin(cognito::update_client(e, STAFF, "api-authoriser", |_, u| u.enable_token_revocation(false)))
        }),
    ]
}

// ---------------------------------------------------------------- Organizations

mod scp {
    use aws_sdk_organizations::operation::update_policy::builders::UpdatePolicyFluentBuilder;
    use aws_sdk_organizations::types::{PolicyType, Tag};

    use super::{DRIFTED, TAG, parse, rewritten, without_last_statement};
    use crate::harness::Env;

    const NAME: &str = "bank-platform-required-tags";

    async fn id(org: &aws_sdk_organizations::Client) -> String {
        let listed = org.list_policies().filter(PolicyType::ServiceControlPolicy).send().await.unwrap();
        listed.policies().iter().find(|p| p.name() == Some(NAME)).unwrap().id().unwrap().to_string()
    }

    async fn update(e: &Env, change: fn(&serde_json::Value, UpdatePolicyFluentBuilder) -> UpdatePolicyFluentBuilder) {
        let org = e.organizations().await;
        let id = id(&org).await;
        let described = org.describe_policy().policy_id(&id).send().await.unwrap();
        let content = parse(described.policy().unwrap().content().unwrap());
        change(&content, org.update_policy().policy_id(id)).send().await.unwrap();
    }

    pub async fn renamed(e: &Env) {
        update(e, |_, u| u.name(format!("{NAME}-renamed"))).await;
    }

    pub async fn description(e: &Env) {
        update(e, |_, u| u.description(DRIFTED)).await;
    }

    pub async fn policy(e: &Env) {
        update(e, |doc, u| u.content(without_last_statement(doc).to_string())).await;
    }

    pub async fn policy_equivalent(e: &Env) {
        update(e, |doc, u| u.content(rewritten(doc))).await;
    }

    pub async fn detached(e: &Env) {
        let org = e.organizations().await;
        let roots = org.list_roots().send().await.unwrap();
        let root = roots.roots()[0].id().unwrap().to_string();
        org.detach_policy().policy_id(id(&org).await).target_id(root).send().await.unwrap();
    }

    pub async fn tags(e: &Env) {
        let org = e.organizations().await;
        let tag = Tag::builder().key(TAG).value(DRIFTED).build().unwrap();
        org.tag_resource().resource_id(id(&org).await).tags(tag).send().await.unwrap();
    }
}

fn scp_rows() -> Vec<Row> {
    const SCP: &str = "service_control_policy.required-tags";
    vec![
        // SCPs can be renamed (UpdatePolicy): found again by their tags, they are updated back.
        row(SCP, "name", Update, |e| Box::pin(scp::renamed(e))),
        row(SCP, "description", Update, |e| Box::pin(scp::description(e))),
        row(SCP, "policy", Update, |e| Box::pin(scp::policy(e))),
        row(SCP, "policy", Equivalent, |e| Box::pin(scp::policy_equivalent(e))),
        row(SCP, "attach_to_root", Update, |e| Box::pin(scp::detached(e))),
        row(SCP, "tags", Update, |e| Box::pin(scp::tags(e))),
    ]
}

// ---------------------------------------------------------------- SSM

mod ssm {
    use aws_sdk_ssm::types::{ParameterType, ResourceTypeForTagging, Tag};

    use super::{DRIFTED, TAG};
    use crate::harness::{Env, STAGE};

    fn name(path: &str) -> String {
        format!("/bank/{STAGE}/{path}")
    }

    async fn value(e: &Env, path: &str) -> String {
        let out = e.ssm().get_parameter().name(name(path)).send().await.unwrap();
        out.parameter().unwrap().value().unwrap().to_string()
    }

    pub async fn changed_value(e: &Env) {
        let ssm = e.ssm();
        let put = ssm.put_parameter().name(name("s3/reports/name")).value(DRIFTED).r#type(ParameterType::String);
        put.overwrite(true).send().await.unwrap();
    }

    pub async fn string_list(e: &Env) {
        let path = "s3/iceberg/name";
        let put = e.ssm().put_parameter().name(name(path)).value(value(e, path).await);
        put.r#type(ParameterType::StringList).overwrite(true).send().await.unwrap();
    }

    pub async fn description(e: &Env) {
        let path = "s3/iceberg/arn";
        let put = e.ssm().put_parameter().name(name(path)).value(value(e, path).await).r#type(ParameterType::String);
        put.description(DRIFTED).overwrite(true).send().await.unwrap();
    }

    pub async fn tags(e: &Env) {
        let tag = Tag::builder().key(TAG).value(DRIFTED).build().unwrap();
        e.ssm()
            .add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name("s3/firehose-landing/name"))
            .tags(tag)
            .send()
            .await
            .unwrap();
    }

    /// The parameter re-made under another name with the same value, description and tags, and
    /// the original deleted.
    pub async fn renamed(e: &Env) {
        let ssm = e.ssm();
        let from = name("s3/cloudtrail/name");
        let got = ssm.get_parameter().name(&from).send().await.unwrap();
        let p = got.parameter().unwrap();
        let filter = aws_sdk_ssm::types::ParameterStringFilter::builder()
            .key("Name")
            .option("Equals")
            .values(&from)
            .build()
            .unwrap();
        let described = ssm.describe_parameters().parameter_filters(filter).send().await.unwrap();
        let description = described.parameters()[0].description().map(str::to_string);
        let tags = ssm
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(&from)
            .send()
            .await
            .unwrap();
        ssm.put_parameter()
            .name(format!("{from}-renamed"))
            .value(p.value().unwrap())
            .set_type(p.r#type().cloned())
            .set_description(description)
            .set_tags(Some(tags.tag_list().to_vec()))
            .send()
            .await
            .unwrap();
        ssm.delete_parameter().name(from).send().await.unwrap();
    }
}

fn ssm_rows() -> Vec<Row> {
    vec![
        row("ssm_parameter.s3/reports/name", "value", Update, |e| Box::pin(ssm::changed_value(e))),
        row("ssm_parameter.s3/iceberg/name", "parameter_type", Update, |e| Box::pin(ssm::string_list(e))),
        row("ssm_parameter.s3/iceberg/arn", "description", Update, |e| Box::pin(ssm::description(e))),
        row("ssm_parameter.s3/firehose-landing/name", "tags", Update, |e| Box::pin(ssm::tags(e))),
        row("ssm_parameter.s3/cloudtrail/name", "name", Replace, |e| Box::pin(ssm::renamed(e))),
    ]
}
