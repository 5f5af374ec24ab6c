# MOD-104, stage `local`, written for Terraform: the same AWS resources bankinfra deploys from
# specs/mod-104.toml and specs/stages/local.toml (`bankinfra plan --stage local --json`), so that
# scripts/bench_terraform.py can measure Terraform on the same stack, against the same emulator.
# See README.md in this directory for what is covered, what is left out, and why.

terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}
