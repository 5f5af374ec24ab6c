# Cognito (FR-420): the customer and staff user pools (TOTP MFA required, passwords with all
# character classes, immutable custom attributes, deletion protection from the stage's
# switches), public PKCE clients for the apps and confidential clients for back-office services
# (crates/stack/src/cognito.rs).

locals {
  user_pools = {
    customers = { name = "bank-customers-${var.stage}", minimum_password_length = 12, custom_attributes = ["user_id", "party_id", "jurisdiction"] }
    staff     = { name = "bank-staff-${var.stage}", minimum_password_length = 14, custom_attributes = ["staff_id"] }
  }
  user_pool_clients = {
    "customers-mobile" = {
      pool          = "customers"
      name          = "mobile"
      confidential  = false
      callback_urls = ["totarabank://auth/callback"]
      logout_urls   = ["totarabank://auth/signed-out"]
    }
    "customers-web" = {
      pool          = "customers"
      name          = "web"
      confidential  = false
      callback_urls = ["https://app.${var.stage}.totara-bank.internal/auth/callback"]
      logout_urls   = ["https://app.${var.stage}.totara-bank.internal/"]
    }
    "staff-back-office" = {
      pool          = "staff"
      name          = "back-office"
      confidential  = true
      callback_urls = ["https://backoffice.${var.stage}.totara-bank.internal/auth/callback"]
      logout_urls   = ["https://backoffice.${var.stage}.totara-bank.internal/"]
    }
    "staff-api-authoriser" = {
      pool          = "staff"
      name          = "api-authoriser"
      confidential  = true
      callback_urls = ["https://api.${var.stage}.totara-bank.internal/auth/callback"]
      logout_urls   = []
    }
  }
}

resource "aws_cognito_user_pool" "this" {
  for_each                 = local.user_pools
  name                     = each.value.name
  mfa_configuration        = "ON"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.cognito_deletion_protection ? "ACTIVE" : "INACTIVE"

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = each.value.minimum_password_length
    require_uppercase                = true
    require_lowercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 7
  }

  # Identifiers are set once, at sign-up or onboarding.
  dynamic "schema" {
    for_each = each.value.custom_attributes
    content {
      name                = schema.value
      attribute_data_type = "String"
      mutable             = false
      string_attribute_constraints {
        min_length = "1"
        max_length = "256"
      }
    }
  }
}

resource "aws_cognito_user_pool_client" "this" {
  for_each     = local.user_pool_clients
  name         = each.value.name
  user_pool_id = aws_cognito_user_pool.this[each.value.pool].id

  generate_secret                      = each.value.confidential
  explicit_auth_flows                  = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  callback_urls                        = each.value.callback_urls
  logout_urls                          = each.value.logout_urls
  supported_identity_providers         = ["COGNITO"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true
  access_token_validity                = 60
  id_token_validity                    = 60
  refresh_token_validity               = 30

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}
