# The SSM parameters under /bank/{stage}/ that downstream modules read: the consumer contract
# (specs/mod-104.toml [[outputs]], crates/stack/src/outputs.rs), 65 of them.

locals {
  private_subnet_ids = join(",", [for name in local.private_subnets : aws_subnet.this[name].id])
  public_subnet_ids  = join(",", [for name in local.public_subnets : aws_subnet.this[name].id])

  ssm_outputs = merge(
    {
      "network/vpc-id"             = { value = aws_vpc.main.id, description = "VPC ID" }
      "network/private-subnet-ids" = { value = local.private_subnet_ids, description = "CSV of the 3 private subnet IDs" }
      "network/public-subnet-ids"  = { value = local.public_subnet_ids, description = "CSV of the 3 public subnet IDs" }
      "kms/pii/arn"                = { value = aws_kms_key.classification["pii"].arn, description = "PII classification CMK ARN" }
      "kms/financial/arn"          = { value = aws_kms_key.classification["financial"].arn, description = "Financial classification CMK ARN" }
      "kms/operational/arn"        = { value = aws_kms_key.classification["operational"].arn, description = "Operational classification CMK ARN" }
      "s3/iceberg/name"            = { value = aws_s3_bucket.this["iceberg"].id, description = "Iceberg data lake bucket name" }
      "s3/iceberg/arn"             = { value = aws_s3_bucket.this["iceberg"].arn, description = "Iceberg data lake bucket ARN" }
      "s3/firehose-landing/name"   = { value = aws_s3_bucket.this["firehose-landing"].id, description = "Firehose landing bucket name" }
      "s3/documents/name"          = { value = aws_s3_bucket.this["documents"].id, description = "Customer documents bucket name" }
      "s3/artefacts/name"          = { value = aws_s3_bucket.this["artefacts"].id, description = "Build/deploy artefacts bucket name" }
      "s3/reports/name"            = { value = aws_s3_bucket.this["reports"].id, description = "Regulatory reports bucket name" }
      "s3/cloudtrail/name"         = { value = aws_s3_bucket.this["cloudtrail"].id, description = "CloudTrail log bucket name" }
      "s3/pulumi-state/name"       = { value = aws_s3_bucket.this["pulumi-state"].id, description = "Pulumi state bucket name" }
      "s3/pulumi-state/arn"        = { value = aws_s3_bucket.this["pulumi-state"].arn, description = "Pulumi state bucket ARN" }
    },
    { for domain, _ in local.buses : "eventbridge/${domain}/arn" => { value = aws_cloudwatch_event_bus.domain[domain].arn, description = "${domain} event bus ARN" } },
    { for domain, _ in local.buses : "eventbridge/${domain}/dlq-arn" => { value = aws_sqs_queue.dead_letter[domain].arn, description = "${domain} rule dead-letter queue ARN" } },
    { for domain, _ in local.buses : "eventbridge/${domain}/archive-arn" => { value = aws_cloudwatch_event_archive.domain[domain].arn, description = "${domain} event archive ARN" } },
    { for domain, _ in local.lambda_roles : "iam/lambda/${domain}/arn" => { value = aws_iam_role.lambda[domain].arn, description = "${domain} Lambda execution role ARN" } },
    {
      "iam/cicd/arn"              = { value = aws_iam_role.cicd.arn, description = "GitHub Actions CI/CD role ARN" }
      "iam/break-glass/arn"       = { value = aws_iam_role.break_glass.arn, description = "Break-glass role ARN (ops incident response only)" }
      "iam/secrets-read/arn"      = { value = aws_iam_policy.secrets_read.arn, description = "bank-secrets-read managed policy ARN" }
      "cloudtrail/arn"            = { value = aws_cloudtrail.bank_platform.arn, description = "CloudTrail trail ARN" }
      "cloudtrail/log-group-arn"  = { value = aws_cloudwatch_log_group.cloudtrail.arn, description = "CloudTrail CloudWatch Logs group ARN" }
      "logs/bank-platform/arn"    = { value = aws_cloudwatch_log_group.bank_platform.arn, description = "Shared infrastructure log group ARN" }
      "sns/alerts/arn"            = { value = aws_sns_topic.alerts.arn, description = "Platform alerts SNS topic ARN" }
      "xray/sampling/arn"         = { value = aws_xray_sampling_rule.default.arn, description = "Default X-Ray sampling rule ARN" }
      "firehose/cdc/arn"          = { value = aws_kinesis_firehose_delivery_stream.this["cdc"].arn, description = "CDC delivery stream ARN (MOD-042 producer)" }
      "firehose/usage/arn"        = { value = aws_kinesis_firehose_delivery_stream.this["usage"].arn, description = "Usage events delivery stream ARN (MOD-097 producer)" }
      "cognito/customers/pool-id" = { value = aws_cognito_user_pool.this["customers"].id, description = "Customer user pool ID (JWT issuer)" }
      "cognito/customers/arn"     = { value = aws_cognito_user_pool.this["customers"].arn, description = "Customer user pool ARN" }
      "cognito/staff/pool-id"     = { value = aws_cognito_user_pool.this["staff"].id, description = "Staff user pool ID" }
      "cognito/staff/arn"         = { value = aws_cognito_user_pool.this["staff"].arn, description = "Staff user pool ARN" }
    },
    {
      for key, c in local.user_pool_clients : "cognito/${c.pool}/client/${c.name}" => {
        value       = aws_cognito_user_pool_client.this[key].id
        description = "${c.pool == "customers" ? "Customer" : "Staff"} app client ID (${c.name})"
      }
    },
  )
}

resource "aws_ssm_parameter" "output" {
  for_each    = local.ssm_outputs
  name        = "/bank/${var.stage}/${each.key}"
  type        = "String"
  value       = each.value.value
  description = each.value.description
}
