//! Networking: VPC 10.40.0.0/16 with DNS, 3 public + 3 private subnets over 3 AZs, internet
//! gateway, route tables, S3 and DynamoDB gateway endpoints, no NAT.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::{Filter, VpcAttributeName};

use crate::harness::{Env, owned_filters};

fn by_vpc(vpc: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc).build()
}

#[tokio::test]
async fn networking_vpc_subnets_routes_and_gateway_endpoints() {
    let env = Env::new().await;
    env.apply();
    let ec2 = env.ec2();

    let vpcs = ec2.describe_vpcs().set_filters(Some(owned_filters())).send().await.unwrap();
    assert_eq!(vpcs.vpcs().len(), 1, "exactly one VPC is owned by the stack");
    let vpc = &vpcs.vpcs()[0];
    let vpc_id = vpc.vpc_id().unwrap();
    assert_eq!(vpc.cidr_block(), Some("10.40.0.0/16"));
    let tags: BTreeSet<&str> = vpc.tags().iter().filter_map(|t| t.key()).collect();
    for key in ["tenant_id", "module_id", "environment", "system_id", "cost_center", "managed_by"] {
        assert!(tags.contains(key), "VPC lacks default tag {key}");
    }
    for attr in [VpcAttributeName::EnableDnsSupport, VpcAttributeName::EnableDnsHostnames] {
        let out = ec2.describe_vpc_attribute().vpc_id(vpc_id).attribute(attr.clone()).send().await.unwrap();
        let value = out.enable_dns_support().or(out.enable_dns_hostnames()).and_then(|v| v.value());
        assert_eq!(value, Some(true), "{attr:?} must be on");
    }

    let subnets = ec2.describe_subnets().filters(by_vpc(vpc_id)).send().await.unwrap();
    let tier = |s: &aws_sdk_ec2::types::Subnet| {
        s.tags().iter().find(|t| t.key() == Some("tier")).and_then(|t| t.value()).unwrap_or_default().to_string()
    };
    let public: Vec<_> = subnets.subnets().iter().filter(|s| tier(s) == "public").collect();
    let private: Vec<_> = subnets.subnets().iter().filter(|s| tier(s) == "private").collect();
    assert_eq!((public.len(), private.len()), (3, 3));
    for group in [&public, &private] {
        let azs: BTreeSet<_> = group.iter().filter_map(|s| s.availability_zone()).collect();
        assert_eq!(azs.len(), 3, "each tier spans three AZs");
    }

    let igws = ec2
        .describe_internet_gateways()
        .filters(Filter::builder().name("attachment.vpc-id").values(vpc_id).build())
        .send()
        .await
        .unwrap();
    assert_eq!(igws.internet_gateways().len(), 1);
    let igw_id = igws.internet_gateways()[0].internet_gateway_id().unwrap();

    let tables = ec2.describe_route_tables().filters(by_vpc(vpc_id)).send().await.unwrap();
    let ours: Vec<_> =
        tables.route_tables().iter().filter(|t| !t.associations().iter().any(|a| a.main() == Some(true))).collect();
    assert_eq!(ours.len(), 4, "one public and three private route tables");
    let default_route = |t: &aws_sdk_ec2::types::RouteTable| {
        t.routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .and_then(|r| r.gateway_id().map(str::to_string))
    };
    let associated = |t: &aws_sdk_ec2::types::RouteTable| -> BTreeSet<String> {
        t.associations().iter().filter_map(|a| a.subnet_id().map(str::to_string)).collect()
    };
    let public_ids: BTreeSet<String> = public.iter().filter_map(|s| s.subnet_id().map(str::to_string)).collect();
    let public_table = ours.iter().find(|t| default_route(t).is_some()).expect("a route table with a default route");
    assert_eq!(default_route(public_table).as_deref(), Some(igw_id), "public default route goes to the IGW");
    assert_eq!(associated(public_table), public_ids);
    for table in ours.iter().filter(|t| default_route(t).is_none()) {
        let subnets = associated(table);
        assert_eq!(subnets.len(), 1);
        assert!(private.iter().any(|s| subnets.contains(s.subnet_id().unwrap())));
    }

    let nat = ec2.describe_nat_gateways().filter(by_vpc(vpc_id)).send().await.unwrap();
    assert!(nat.nat_gateways().is_empty(), "no NAT gateway");

    let endpoints = ec2.describe_vpc_endpoints().filters(by_vpc(vpc_id)).send().await.unwrap();
    let services: BTreeSet<_> = endpoints.vpc_endpoints().iter().filter_map(|e| e.service_name()).collect();
    assert_eq!(services, BTreeSet::from(["com.amazonaws.ap-southeast-2.dynamodb", "com.amazonaws.ap-southeast-2.s3"]));
    for e in endpoints.vpc_endpoints() {
        assert_eq!(e.vpc_endpoint_type().map(|t| t.as_str()), Some("Gateway"));
        assert_eq!(e.route_table_ids().len(), 4, "{:?} is routed from every route table", e.service_name());
    }
    env.assert_no_changes();
}
