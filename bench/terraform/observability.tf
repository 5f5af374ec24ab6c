# The shared infrastructure log group, the alerts topic and the default X-Ray sampling rule,
# encrypted with the operational key (crates/stack/src/observability.rs).

resource "aws_cloudwatch_log_group" "bank_platform" {
  name              = "/aws/bank-platform/${var.stage}"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.classification["operational"].arn
}

resource "aws_sns_topic" "alerts" {
  name              = "bank-platform-alerts-${var.stage}"
  display_name      = "bank-platform alerts (${var.stage})"
  kms_master_key_id = aws_kms_key.classification["operational"].arn
}

resource "aws_xray_sampling_rule" "default" {
  rule_name      = "bank-platform-default-${var.stage}"
  priority       = 9000
  version        = 1
  fixed_rate     = 0.05
  reservoir_size = 1
  service_name   = "*"
  service_type   = "*"
  host           = "*"
  http_method    = "*"
  url_path       = "*"
  resource_arn   = "*"
}
