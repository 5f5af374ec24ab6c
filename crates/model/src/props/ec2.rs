//! EC2 networking: VPC, subnets, internet gateway, route tables, gateway endpoints.

use serde::{Deserialize, Serialize};

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vpc {
    pub cidr_block: String,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subnet {
    pub vpc_id: String,
    pub cidr_block: String,
    pub availability_zone: String,
    pub map_public_ip_on_launch: bool,
    pub tags: Tags,
}

/// An internet gateway attached to one VPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternetGateway {
    pub vpc_id: String,
    pub tags: Tags,
}

/// A route to a gateway. The VPC's implicit `local` route is not modelled.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Route {
    /// IPv4 (or, when read, IPv6) destination.
    pub destination_cidr_block: String,
    /// The route's target: a gateway's ID as declared; when read, whatever the route points at
    /// (a NAT gateway, a peering connection, ...), so a foreign target shows as drift.
    pub gateway_id: String,
}

/// A route table with its routes and the subnets associated with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTable {
    pub vpc_id: String,
    /// Sorted.
    pub routes: Vec<Route>,
    /// Associated subnet IDs, sorted.
    pub subnet_ids: Vec<String>,
    pub tags: Tags,
}

/// A gateway VPC endpoint (S3, DynamoDB) routed from the given route tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcEndpoint {
    pub vpc_id: String,
    pub service_name: String,
    pub vpc_endpoint_type: String,
    /// Sorted.
    pub route_table_ids: Vec<String>,
    pub tags: Tags,
}

strings! {
    Vpc { cidr_block, enable_dns_support, enable_dns_hostnames, tags }
    Subnet { vpc_id, cidr_block, availability_zone, map_public_ip_on_launch, tags }
    InternetGateway { vpc_id, tags }
    Route { destination_cidr_block, gateway_id }
    RouteTable { vpc_id, routes, subnet_ids, tags }
    VpcEndpoint { vpc_id, service_name, vpc_endpoint_type, route_table_ids, tags }
}
