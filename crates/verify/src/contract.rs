//! The SSM outputs of the consumer contract: each of the design's 65 paths is published under
//! `/bank/{env}/` with the value of the live resource it names. One check per service prefix
//! (`network/*`, `kms/*`, ...), under the requirement that owns those resources; a failure
//! lists every wrong path.

use std::collections::{BTreeMap, BTreeSet};

use bankinfra_model::{Kind, LiveResource, Props};
use bankinfra_spec::StageSpec;

use crate::checks::{Basis, Check, check};
use crate::design::{self, Output, Source};
use crate::facts::Facts;

/// The requirement whose resources a service prefix publishes. Networking, IAM, Cognito,
/// Firehose, CloudTrail and observability fall under FR-420 (the design's table has no row for
/// networking and observability).
fn requirement(service: &str) -> &'static str {
    match service {
        "eventbridge" => "FR-417",
        "s3" => "FR-418",
        "kms" => "FR-419",
        _ => "FR-420",
    }
}

pub(crate) fn checks(stage: &StageSpec) -> Vec<Check<'static>> {
    let mut by_service: BTreeMap<String, Vec<Output>> = BTreeMap::new();
    for row in design::ssm_outputs() {
        let service = row.path.split('/').next().unwrap_or_default().to_string();
        by_service.entry(service).or_default().push(row);
    }
    let mut services: Vec<(String, Vec<Output>)> = by_service.into_iter().collect();
    // The design table's order.
    services.sort_by_key(|(s, _)| design::ssm_outputs().iter().position(|r| r.path.starts_with(&format!("{s}/"))));
    services
        .into_iter()
        .map(|(service, rows)| {
            let mut values: Vec<&str> = Vec::new();
            for r in &rows {
                if !values.contains(&r.value) {
                    values.push(r.value);
                }
            }
            let name = format!(
                "SSM /bank/{}/{service}/* publishes {} output{}: {}",
                stage.name,
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                values.join(", ")
            );
            check(requirement(&service), name, Basis::Live, move |f| {
                let wrong: Vec<String> = rows.iter().filter_map(|r| published(f, r).err()).collect();
                if wrong.is_empty() { Ok(()) } else { Err(wrong.join("; ")) }
            })
        })
        .collect()
}

/// `Err` unless the parameter of `row` exists and holds its source's live value.
fn published(f: &Facts<'_>, row: &Output) -> Result<(), String> {
    let name = format!("/bank/{}/{}", f.specs.stage.name, row.path);
    let value = f
        .all(Kind::SsmParameter)
        .find_map(|l| match &l.props {
            Props::SsmParameter(p) if p.name == name => Some(p.value.clone()),
            _ => None,
        })
        .ok_or_else(|| format!("{name} is not published"))?;
    match &row.source {
        Source::Output(kind, address, output) => {
            let expected = f.output(*kind, address, output).map_err(|e| format!("{name}: {e}"))?;
            if value == expected {
                Ok(())
            } else {
                Err(format!("{name} is {value:?}, expected {expected:?} ({})", row.value))
            }
        }
        Source::Subnets { public } => {
            let tier = if *public { "public" } else { "private" };
            let expected = subnets(f, *public).map_err(|e| format!("{name}: {e}"))?;
            let got: BTreeSet<&str> = value.split(',').collect();
            let want: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
            if expected.len() != 3 {
                return Err(format!("{name}: the VPC has {} {tier} subnets, the design 3", expected.len()));
            }
            if got == want && value.split(',').count() == 3 {
                Ok(())
            } else {
                Err(format!("{name} is {value:?}, expected the {tier} subnets {}", expected.join(",")))
            }
        }
    }
}

fn id(live: &LiveResource) -> &str {
    live.outputs.get("id").map_or(live.physical_id.as_str(), String::as_str)
}

/// The IDs of the VPC's subnets that are public (routed to an internet gateway of the VPC for
/// 0.0.0.0/0), or the others.
fn subnets(f: &Facts<'_>, public: bool) -> Result<Vec<String>, String> {
    let vpc = f.output(Kind::Vpc, "main", "id")?;
    let gateways: BTreeSet<&str> = f
        .all(Kind::InternetGateway)
        .filter(|l| matches!(&l.props, Props::InternetGateway(g) if g.vpc_id == vpc))
        .map(id)
        .collect();
    let routed: BTreeSet<&str> = f
        .all(Kind::RouteTable)
        .filter_map(|l| match &l.props {
            Props::RouteTable(t)
                if t.vpc_id == vpc
                    && t.routes.iter().any(|r| {
                        r.destination_cidr_block == "0.0.0.0/0" && gateways.contains(r.gateway_id.as_str())
                    }) =>
            {
                Some(t.subnet_ids.iter().map(String::as_str))
            }
            _ => None,
        })
        .flatten()
        .collect();
    let mut ids: Vec<String> = f
        .all(Kind::Subnet)
        .filter(|l| matches!(&l.props, Props::Subnet(s) if s.vpc_id == vpc))
        .map(id)
        .filter(|s| routed.contains(s) == public)
        .map(str::to_string)
        .collect();
    ids.sort();
    Ok(ids)
}
