# The three classification CMKs (FR-419): alias, annual rotation, key policy
# (crates/stack/src/kms.rs).

locals {
  kms_keys = {
    pii         = { description = "bank PII classification CMK", services = [] }
    financial   = { description = "bank financial classification CMK", services = [] }
    operational = { description = "bank operational classification CMK", services = ["cloudtrail", "logs", "sns", "events", "cloudwatch"] }
  }

  # Per service principal, the statements it gets on a key that lists it.
  kms_service_statements = {
    cloudtrail = [
      {
        Sid       = "AllowCloudTrailEncryptLogs"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:GenerateDataKey*"
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account }
          StringLike   = { "kms:EncryptionContext:aws:cloudtrail:arn" = "arn:aws:cloudtrail:*:${local.account}:trail/*" }
        }
      },
      {
        Sid       = "AllowCloudTrailDecryptWithBucketKey"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:Decrypt"
        Resource  = "*"
      },
      {
        Sid       = "AllowCloudTrailDescribeKey"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:DescribeKey"
        Resource  = "*"
      },
    ]
    logs = [{
      Sid       = "AllowCloudWatchLogs"
      Effect    = "Allow"
      Principal = { Service = "logs.${local.region}.amazonaws.com" }
      Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      Resource  = "*"
      Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:${local.region}:${local.account}:*" } }
    }]
    sns = [{
      Sid       = "AllowSnsTopicEncryption"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
    events = [{
      Sid       = "AllowEventBridgeDeadLetterQueues"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
      Resource  = "*"
    }]
    cloudwatch = [{
      Sid       = "AllowCloudWatchAlarmsToEncryptedTopics"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
      Resource  = "*"
    }]
  }
}

resource "aws_kms_key" "classification" {
  for_each                 = local.kms_keys
  description              = each.value.description
  key_usage                = "ENCRYPT_DECRYPT"
  customer_master_key_spec = "SYMMETRIC_DEFAULT"
  is_enabled               = true
  enable_key_rotation      = true
  rotation_period_in_days  = 365
  deletion_window_in_days  = var.kms_deletion_window_days

  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "bank-${each.key}-key-policy"
    Statement = concat(
      [{
        Sid       = "EnableRootAccountPermissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.account}:root" }
        Action    = "kms:*"
        Resource  = "*"
      }],
      flatten([for service in each.value.services : local.kms_service_statements[service]]),
    )
  })
}

resource "aws_kms_alias" "classification" {
  for_each      = local.kms_keys
  name          = "alias/bank/${each.key}"
  target_key_id = aws_kms_key.classification[each.key].key_id
}
