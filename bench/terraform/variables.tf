# Stage `local` (specs/stages/local.toml). The benchmark runs each measurement on its own fresh
# emulator, so the names are bankinfra's own (no extra suffix); set `stage` to something else to
# deploy next to a bankinfra stage on a shared emulator.

variable "endpoint" {
  description = "The emulator's URL (every service is served there)."
  type        = string
  default     = "https://127.0.0.1:5000"
}

variable "stage" {
  type    = string
  default = "local"
}

variable "account_id" {
  description = "The emulator's account (stage local's account_id); the provider does not ask for it."
  type        = string
  default     = "123456789012"
}

variable "region" {
  type    = string
  default = "ap-southeast-2"
}

variable "availability_zones" {
  type    = list(string)
  default = ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"]
}

variable "org_id" {
  type    = string
  default = "o-1gqwjyxxhw"
}

variable "tenant_id" {
  type    = string
  default = "totara-bank"
}

variable "extra_tags" {
  description = "The stage file's [tags]."
  type        = map(string)
  default     = { cost_center = "platform-engineering" }
}

# The stage's [switches].
variable "cognito_deletion_protection" {
  type    = bool
  default = false
}

variable "purge_data_on_destroy" {
  type    = bool
  default = true
}

variable "kms_deletion_window_days" {
  type    = number
  default = 7
}
