# The eight system-domain event buses (FR-417), each with its cross-account resource policy, a
# 30-day archive and a KMS-encrypted dead-letter queue for its rules
# (crates/stack/src/eventbridge.rs). Bus names carry no stage suffix, as in the design.

locals {
  buses = {
    "bank-core"          = "Core banking: ledger, accounts, FX"
    "bank-kyc"           = "Know-your-customer and onboarding"
    "bank-aml"           = "Anti-money-laundering monitoring"
    "bank-payments"      = "Payments"
    "bank-credit"        = "Credit and lending"
    "bank-risk-platform" = "Risk platform"
    "bank-platform"      = "Platform: CDC, usage, notifications"
    "bank-app"           = "Customer and staff applications"
  }
  archive_retention_days     = 30
  dead_letter_retention_days = 14
  dead_letter_queue_names    = { for domain, _ in local.buses : domain => "${domain}-events-dlq-${var.stage}" }
}

resource "aws_cloudwatch_event_bus" "domain" {
  for_each = local.buses
  name     = each.key
}

# PutEvents for the account itself and for any principal of the organization.
resource "aws_cloudwatch_event_bus_policy" "domain" {
  for_each       = local.buses
  event_bus_name = aws_cloudwatch_event_bus.domain[each.key].name

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AllowAccountPutEvents"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.account}:root" }
        Action    = "events:PutEvents"
        Resource  = "arn:aws:events:${local.region}:${local.account}:event-bus/${each.key}"
      },
      {
        Sid       = "AllowOrganizationPutEvents"
        Effect    = "Allow"
        Principal = "*"
        Action    = "events:PutEvents"
        Resource  = "arn:aws:events:${local.region}:${local.account}:event-bus/${each.key}"
        Condition = { StringEquals = { "aws:PrincipalOrgID" = var.org_id } }
      },
    ]
  })
}

resource "aws_cloudwatch_event_archive" "domain" {
  for_each         = local.buses
  name             = "${each.key}-archive"
  event_source_arn = aws_cloudwatch_event_bus.domain[each.key].arn
  description      = "${local.archive_retention_days} day archive of ${each.key} events"
  retention_days   = local.archive_retention_days
}

# EventBridge may deliver failed events from this domain's rules; nothing travels without TLS.
resource "aws_sqs_queue" "dead_letter" {
  for_each                          = local.buses
  name                              = local.dead_letter_queue_names[each.key]
  kms_master_key_id                 = aws_kms_key.classification["operational"].arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = local.dead_letter_retention_days * 86400

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AllowEventBridgeDeadLetters"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = "arn:aws:sqs:${local.region}:${local.account}:${local.dead_letter_queue_names[each.key]}"
        Condition = { ArnLike = { "aws:SourceArn" = "arn:aws:events:${local.region}:${local.account}:rule/${each.key}/*" } }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = "arn:aws:sqs:${local.region}:${local.account}:${local.dead_letter_queue_names[each.key]}"
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}
