# Every service at the emulator, with its fixed credentials; nothing asks AWS for the account or
# the instance metadata. The emulator serves HTTPS with a local CA: run Terraform with
# SSL_CERT_FILE=$HOME/.cache/bankinfra/tls/ca.pem (the provider is Go, which honours it).

provider "aws" {
  region     = var.region
  access_key = "bankinfra-local"
  secret_key = "bankinfra-local"

  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {
    cloudtrail    = var.endpoint
    cloudwatch    = var.endpoint
    cognitoidp    = var.endpoint
    dynamodb      = var.endpoint
    ec2           = var.endpoint
    events        = var.endpoint
    firehose      = var.endpoint
    iam           = var.endpoint
    kms           = var.endpoint
    logs          = var.endpoint
    organizations = var.endpoint
    s3            = var.endpoint
    sns           = var.endpoint
    sqs           = var.endpoint
    ssm           = var.endpoint
    sts           = var.endpoint
    xray          = var.endpoint
  }

  # The design's default tags (crates/stack/src/tags.rs). bankinfra adds its ownership tags
  # (bankinfra:stack, bankinfra:stage, bankinfra:address) because it keeps no state; Terraform
  # has its state file instead, so they are left out.
  default_tags {
    tags = local.default_tags
  }
}
