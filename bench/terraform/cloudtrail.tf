# CloudTrail (FR-420, GOV-006): the multi-region trail with global service events, log-file
# validation, management read+write and S3 data events for all objects, into the Object-Locked
# trail bucket and a CloudWatch Logs group, with the role CloudTrail writes to the group with
# (crates/stack/src/cloudtrail.rs).

resource "aws_cloudwatch_log_group" "cloudtrail" {
  name              = "/aws/cloudtrail/bank-platform-${var.stage}"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.classification["operational"].arn
}

resource "aws_iam_role" "cloudtrail_logs" {
  name                 = "bank-platform-cloudtrail-logs-${var.stage}"
  description          = "CloudTrail bank-platform delivery to CloudWatch Logs"
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudTrailOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_iam_role_policy" "cloudtrail_logs" {
  name = "cloudtrail-to-cloudwatch-logs"
  role = aws_iam_role.cloudtrail_logs.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "DeliverTrailEvents"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.cloudtrail.arn}:log-stream:*"
    }]
  })
}

resource "aws_cloudtrail" "bank_platform" {
  name                          = "bank-platform"
  s3_bucket_name                = aws_s3_bucket.this["cloudtrail"].id
  kms_key_id                    = aws_kms_key.classification["operational"].arn
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.cloudtrail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.cloudtrail_logs.arn
  enable_logging                = true

  event_selector {
    read_write_type           = "All"
    include_management_events = true

    data_resource {
      type   = "AWS::S3::Object"
      values = ["arn:aws:s3"]
    }
  }

  # CloudTrail checks, when the trail is created, that it may write to the bucket and the group.
  depends_on = [aws_s3_bucket_policy.this, aws_iam_role_policy.cloudtrail_logs]
}
