# Firehose (FR-420): the CDC and usage DirectPut streams into the iceberg bucket under
# time-partitioned prefixes, 128 MiB / 300 s, GZIP, encrypted with the financial key (stream and
# objects), delivery errors to CloudWatch Logs and to an error prefix; the role they write with
# and their log group (crates/stack/src/firehose.rs). Stream names carry no stage suffix.

locals {
  firehose_streams = {
    cdc = {
      name                = "bank-cdc-stream"
      prefix              = "cdc/source=neon/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
      error_output_prefix = "errors/cdc/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
    }
    usage = {
      name                = "bank-usage-events"
      prefix              = "usage/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
      error_output_prefix = "errors/usage/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
    }
  }
  firehose_log_group = "/aws/kinesisfirehose/bank-platform-${var.stage}"
}

resource "aws_cloudwatch_log_group" "firehose" {
  name              = local.firehose_log_group
  retention_in_days = 365
  kms_key_id        = aws_kms_key.classification["operational"].arn
}

resource "aws_cloudwatch_log_stream" "firehose" {
  for_each       = local.firehose_streams
  name           = "${each.value.name}-delivery"
  log_group_name = aws_cloudwatch_log_group.firehose.name
}

resource "aws_iam_role" "firehose" {
  name                 = "bank-platform-firehose-${var.stage}"
  description          = "Kinesis Data Firehose delivery into the data lake"
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FirehoseOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "firehose.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = local.account } }
    }]
  })
}

resource "aws_iam_role_policy" "firehose" {
  name = "firehose-delivery"
  role = aws_iam_role.firehose.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "WriteDataLake"
        Effect = "Allow"
        Action = [
          "s3:AbortMultipartUpload",
          "s3:GetBucketLocation",
          "s3:GetObject",
          "s3:ListBucket",
          "s3:ListBucketMultipartUploads",
          "s3:PutObject",
        ]
        Resource = [aws_s3_bucket.this["iceberg"].arn, "${aws_s3_bucket.this["iceberg"].arn}/*"]
      },
      {
        Sid      = "EncryptObjects"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.classification["financial"].arn
        Condition = {
          StringEquals = {
            "kms:ViaService"                   = "s3.${local.region}.amazonaws.com"
            "kms:EncryptionContext:aws:s3:arn" = aws_s3_bucket.this["iceberg"].arn
          }
        }
      },
      {
        Sid      = "LogDeliveryErrors"
        Effect   = "Allow"
        Action   = "logs:PutLogEvents"
        Resource = "arn:aws:logs:${local.region}:${local.account}:log-group:${local.firehose_log_group}:log-stream:*"
      },
      {
        Sid      = "OwnStreams"
        Effect   = "Allow"
        Action   = ["firehose:DescribeDeliveryStream", "firehose:PutRecord", "firehose:PutRecordBatch"]
        Resource = [for s in local.firehose_streams : "arn:aws:firehose:${local.region}:${local.account}:deliverystream/${s.name}"]
      },
    ]
  })
}

resource "aws_kinesis_firehose_delivery_stream" "this" {
  for_each    = local.firehose_streams
  name        = each.value.name
  destination = "extended_s3"

  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = aws_kms_key.classification["financial"].arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.firehose.arn
    bucket_arn          = aws_s3_bucket.this["iceberg"].arn
    prefix              = each.value.prefix
    error_output_prefix = each.value.error_output_prefix
    buffering_size      = 128
    buffering_interval  = 300
    compression_format  = "GZIP"
    kms_key_arn         = aws_kms_key.classification["financial"].arn

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.firehose.name
      log_stream_name = aws_cloudwatch_log_stream.firehose[each.key].name
    }
  }

  # Firehose assumes the role when the stream is created.
  depends_on = [aws_iam_role_policy.firehose]
}
