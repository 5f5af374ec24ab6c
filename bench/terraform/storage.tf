# The seven buckets (FR-418): SSE-KMS with the classification key and a Bucket Key, versioning,
# all four public-access-block flags, the TLS/encryption deny statements, lifecycle, and Object
# Lock on the trail bucket (crates/stack/src/storage.rs). With provider 5.x each of these is its
# own resource.

locals {
  buckets = {
    iceberg            = { classification = "financial", glacier = 90, expire = 2555, object_lock = false, deny_delete = false, cloudtrail = null }
    "firehose-landing" = { classification = "operational", glacier = null, expire = 1, object_lock = false, deny_delete = false, cloudtrail = null }
    documents          = { classification = "pii", glacier = 365, expire = 2555, object_lock = false, deny_delete = false, cloudtrail = null }
    artefacts          = { classification = "operational", glacier = null, expire = 90, object_lock = false, deny_delete = false, cloudtrail = null }
    reports            = { classification = "financial", glacier = 365, expire = 2555, object_lock = false, deny_delete = false, cloudtrail = null }
    cloudtrail         = { classification = "operational", glacier = 90, expire = 2555, object_lock = true, deny_delete = true, cloudtrail = "bank-platform" }
    "pulumi-state"     = { classification = "operational", glacier = null, expire = null, object_lock = false, deny_delete = false, cloudtrail = null }
  }
  bucket_names = { for purpose, b in local.buckets : purpose => "bank-${purpose}-${var.stage}" }
  # Incomplete multipart uploads are cleaned up after this many days on every lifecycle rule.
  abort_multipart_days = 7
}

resource "aws_s3_bucket" "this" {
  for_each            = local.buckets
  bucket              = local.bucket_names[each.key]
  object_lock_enabled = each.value.object_lock
  # The stage's purge_data_on_destroy: destroy empties the buckets first.
  force_destroy = var.purge_data_on_destroy
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = local.buckets
  bucket   = aws_s3_bucket.this[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets
  bucket   = aws_s3_bucket.this[each.key].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.classification[each.value.classification].arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each                = local.buckets
  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_policy" "this" {
  for_each = local.buckets
  bucket   = aws_s3_bucket.this[each.key].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:*"
          Resource  = ["arn:aws:s3:::${local.bucket_names[each.key]}", "arn:aws:s3:::${local.bucket_names[each.key]}/*"]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
        {
          Sid       = "DenyUnencryptedPut"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:PutObject"
          Resource  = "arn:aws:s3:::${local.bucket_names[each.key]}/*"
          Condition = { Null = { "s3:x-amz-server-side-encryption" = "true" } }
        },
        {
          Sid       = "DenyIncorrectEncryption"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:PutObject"
          Resource  = "arn:aws:s3:::${local.bucket_names[each.key]}/*"
          Condition = {
            StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
            Null            = { "s3:x-amz-server-side-encryption" = "false" }
          }
        },
        {
          Sid       = "DenyWrongKmsKey"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:PutObject"
          Resource  = "arn:aws:s3:::${local.bucket_names[each.key]}/*"
          Condition = {
            StringNotEqualsIfExists = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = aws_kms_key.classification[each.value.classification].arn }
          }
        },
      ],
      each.value.deny_delete ? [{
        Sid       = "DenyObjectDelete"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
        Resource  = "arn:aws:s3:::${local.bucket_names[each.key]}/*"
      }] : [],
      each.value.cloudtrail != null ? [
        {
          Sid       = "AWSCloudTrailAclCheck"
          Effect    = "Allow"
          Principal = { Service = "cloudtrail.amazonaws.com" }
          Action    = "s3:GetBucketAcl"
          Resource  = "arn:aws:s3:::${local.bucket_names[each.key]}"
          Condition = { StringEquals = { "aws:SourceArn" = "arn:aws:cloudtrail:${local.region}:${local.account}:trail/${each.value.cloudtrail}" } }
        },
        {
          Sid       = "AWSCloudTrailWrite"
          Effect    = "Allow"
          Principal = { Service = "cloudtrail.amazonaws.com" }
          Action    = "s3:PutObject"
          Resource  = "arn:aws:s3:::${local.bucket_names[each.key]}/AWSLogs/${local.account}/*"
          Condition = {
            StringEquals = {
              "s3:x-amz-acl"  = "bucket-owner-full-control"
              "aws:SourceArn" = "arn:aws:cloudtrail:${local.region}:${local.account}:trail/${each.value.cloudtrail}"
            }
          }
        },
      ] : [],
    )
  })

  # S3 refuses concurrent configuration changes of one bucket (OperationAborted) on AWS.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = { for purpose, b in local.buckets : purpose => b if b.glacier != null || b.expire != null }
  bucket   = aws_s3_bucket.this[each.key].id

  rule {
    id     = "retention"
    status = "Enabled"
    filter {}

    dynamic "transition" {
      for_each = each.value.glacier != null ? [each.value.glacier] : []
      content {
        days          = transition.value
        storage_class = "GLACIER"
      }
    }

    dynamic "expiration" {
      for_each = each.value.expire != null ? [each.value.expire] : []
      content {
        days = expiration.value
      }
    }

    # Versioned buckets keep old versions after expiry; they go after the same period.
    dynamic "noncurrent_version_expiration" {
      for_each = each.value.expire != null ? [each.value.expire] : []
      content {
        noncurrent_days = noncurrent_version_expiration.value
      }
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = local.abort_multipart_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_object_lock_configuration" "this" {
  for_each = { for purpose, b in local.buckets : purpose => b if b.object_lock }
  bucket   = aws_s3_bucket.this[each.key].id

  rule {
    default_retention {
      mode  = "GOVERNANCE"
      years = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}
