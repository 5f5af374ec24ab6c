locals {
  account = var.account_id
  region  = var.region
  prefix  = "bank-platform-${var.stage}"

  default_tags = merge(var.extra_tags, {
    tenant_id   = var.tenant_id
    module_id   = "MOD-104"
    environment = var.stage
    system_id   = "SD07"
    managed_by  = "terraform"
  })
}
