# VPC, six subnets over the stage's AZs, internet gateway, one public and three private route
# tables, S3 and DynamoDB gateway endpoints; no NAT gateway (crates/stack/src/network.rs).

locals {
  subnets = {
    "public-a"  = { tier = "public", cidr = "10.40.0.0/22", az = 0 }
    "public-b"  = { tier = "public", cidr = "10.40.4.0/22", az = 1 }
    "public-c"  = { tier = "public", cidr = "10.40.8.0/22", az = 2 }
    "private-a" = { tier = "private", cidr = "10.40.32.0/19", az = 0 }
    "private-b" = { tier = "private", cidr = "10.40.64.0/19", az = 1 }
    "private-c" = { tier = "private", cidr = "10.40.96.0/19", az = 2 }
  }
  public_subnets    = [for name, s in local.subnets : name if s.tier == "public"]
  private_subnets   = [for name, s in local.subnets : name if s.tier == "private"]
  gateway_endpoints = ["s3", "dynamodb"]
}

resource "aws_vpc" "main" {
  cidr_block           = "10.40.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = local.prefix }
}

resource "aws_subnet" "this" {
  for_each                = local.subnets
  vpc_id                  = aws_vpc.main.id
  cidr_block              = each.value.cidr
  availability_zone       = var.availability_zones[each.value.az]
  map_public_ip_on_launch = false
  tags                    = { Name = "${local.prefix}-${each.key}", tier = each.value.tier }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = "${local.prefix}-igw" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  tags = { Name = "${local.prefix}-public" }
}

resource "aws_route_table_association" "public" {
  for_each       = toset(local.public_subnets)
  subnet_id      = aws_subnet.this[each.key].id
  route_table_id = aws_route_table.public.id
}

# One private route table per private subnet, so each AZ can get its own egress later.
resource "aws_route_table" "private" {
  for_each = toset(local.private_subnets)
  vpc_id   = aws_vpc.main.id
  tags     = { Name = "${local.prefix}-${each.key}" }
}

resource "aws_route_table_association" "private" {
  for_each       = toset(local.private_subnets)
  subnet_id      = aws_subnet.this[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}

resource "aws_vpc_endpoint" "gateway" {
  for_each          = toset(local.gateway_endpoints)
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = concat([aws_route_table.public.id], [for name in local.private_subnets : aws_route_table.private[name].id])
  tags              = { Name = "${local.prefix}-${each.key}" }
}
