//! VPC, subnets over the stage's AZs, internet gateway, route tables, S3/DynamoDB gateway
//! endpoints. No NAT gateway.

use bankinfra_model::props::ec2::{InternetGateway, Route, RouteTable, Subnet, Vpc, VpcEndpoint};
use bankinfra_model::{Address, Kind, Props, Resource};
use bankinfra_spec::SubnetTier;

use crate::Context;

pub(crate) fn resources(ctx: &Context<'_>) -> Vec<Resource> {
    let net = &ctx.specs.stack.network;
    let prefix = format!("bank-platform-{}", ctx.stage());
    let vpc = Address::new(Kind::Vpc, "main");
    let vpc_id = format!("${{{vpc}.id}}");
    let mut out = vec![Resource::new(
        vpc.clone(),
        Props::Vpc(Vpc {
            cidr_block: net.vpc_cidr.get_ref().to_string(),
            enable_dns_support: true,
            enable_dns_hostnames: true,
            tags: ctx.named_tags(&vpc, &prefix),
        }),
    )];

    for s in &net.subnets {
        let address = Address::new(Kind::Subnet, s.name.get_ref());
        let mut tags = ctx.named_tags(&address, &format!("{prefix}-{}", s.name.get_ref()));
        tags.insert("tier".into(), tier_name(s.tier).into());
        out.push(Resource::new(
            address,
            Props::Subnet(Subnet {
                vpc_id: vpc_id.clone(),
                cidr_block: s.cidr.get_ref().to_string(),
                availability_zone: ctx.specs.stage.availability_zones[*s.az.get_ref()].clone(),
                // Nothing gets a public IP by default; load balancers bring their own.
                map_public_ip_on_launch: false,
                tags,
            }),
        ));
    }

    let igw = Address::new(Kind::InternetGateway, "main");
    out.push(Resource::new(
        igw.clone(),
        Props::InternetGateway(InternetGateway {
            vpc_id: vpc_id.clone(),
            tags: ctx.named_tags(&igw, &format!("{prefix}-igw")),
        }),
    ));

    let subnet_ref = |name: &str| format!("${{subnet.{name}.id}}");
    let mut route_tables = Vec::new();
    let public = Address::new(Kind::RouteTable, "public");
    out.push(Resource::new(
        public.clone(),
        Props::RouteTable(RouteTable {
            vpc_id: vpc_id.clone(),
            routes: vec![Route { destination_cidr_block: "0.0.0.0/0".into(), gateway_id: format!("${{{igw}.id}}") }],
            subnet_ids: net
                .subnets
                .iter()
                .filter(|s| s.tier == SubnetTier::Public)
                .map(|s| subnet_ref(s.name.get_ref()))
                .collect(),
            tags: ctx.named_tags(&public, &format!("{prefix}-public")),
        }),
    ));
    route_tables.push(public);
    // One private route table per private subnet, so each AZ can get its own egress later.
    for s in net.subnets.iter().filter(|s| s.tier == SubnetTier::Private) {
        let address = Address::new(Kind::RouteTable, s.name.get_ref());
        out.push(Resource::new(
            address.clone(),
            Props::RouteTable(RouteTable {
                vpc_id: vpc_id.clone(),
                routes: Vec::new(),
                subnet_ids: vec![subnet_ref(s.name.get_ref())],
                tags: ctx.named_tags(&address, &format!("{prefix}-{}", s.name.get_ref())),
            }),
        ));
        route_tables.push(address);
    }

    for service in &net.gateway_endpoints {
        let service = service.get_ref();
        let address = Address::new(Kind::VpcEndpoint, service);
        out.push(Resource::new(
            address.clone(),
            Props::VpcEndpoint(VpcEndpoint {
                vpc_id: vpc_id.clone(),
                service_name: format!("com.amazonaws.{}.{service}", ctx.region()),
                vpc_endpoint_type: "Gateway".into(),
                route_table_ids: route_tables.iter().map(|rt| format!("${{{rt}.id}}")).collect(),
                tags: ctx.named_tags(&address, &format!("{prefix}-{service}")),
            }),
        ));
    }
    out
}

fn tier_name(tier: SubnetTier) -> &'static str {
    match tier {
        SubnetTier::Public => "public",
        SubnetTier::Private => "private",
    }
}
