# IAM (FR-420): the eight domain Lambda execution roles, the GitHub OIDC provider and CI/CD role,
# the MFA-guarded break-glass role and the bank-secrets-read managed policy
# (crates/stack/src/iam.rs). Inline policies and managed-policy attachments are their own
# resources (provider 5.x deprecates aws_iam_role's inline_policy and managed_policy_arns).

locals {
  github_issuer = "token.actions.githubusercontent.com"
  lambda_managed_policies = [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
  ]
  administrator_access = "arn:aws:iam::aws:policy/AdministratorAccess"

  lambda_roles = {
    "bank-core"          = { role = "BankCoreRole", decrypt = ["financial"], grants = [] }
    "bank-kyc"           = { role = "BankKycRole", decrypt = ["pii", "financial"], grants = [] }
    "bank-aml"           = { role = "BankAmlRole", decrypt = ["pii", "financial"], grants = ["aml-appconfig", "aml-core-bus-rules"] }
    "bank-payments"      = { role = "BankPaymentsRole", decrypt = ["pii", "financial"], grants = ["payments-fx-invoke"] }
    "bank-credit"        = { role = "BankCreditRole", decrypt = ["pii", "financial"], grants = [] }
    "bank-risk-platform" = { role = "BankRiskRole", decrypt = ["financial"], grants = [] }
    "bank-platform"      = { role = "BankPlatformRole", decrypt = ["financial", "operational"], grants = [] }
    "bank-app"           = { role = "BankAppRole", decrypt = ["pii"], grants = [] }
  }

  grant_statements = {
    # ADR-033: live rule parameters (MOD-016 typology engine, MOD-018 SAR thresholds).
    "aml-appconfig" = {
      Sid      = "LiveRuleParameters"
      Effect   = "Allow"
      Action   = ["appconfigdata:GetLatestConfiguration", "appconfig:StartConfigurationSession"]
      Resource = "arn:aws:appconfig:${local.region}:${local.account}:application/*"
    }
    # Provisions its own rules on bank-core's bus.
    "aml-core-bus-rules" = {
      Sid      = "CoreBusRuleProvisioning"
      Effect   = "Allow"
      Action   = ["events:PutRule", "events:PutTargets", "events:DescribeRule", "events:ListTargetsByRule"]
      Resource = "arn:aws:events:${local.region}:${local.account}:rule/bank-core/bank-aml-mod-*"
    }
    # FR-142: MOD-025 confirms an FX rate with MOD-004 before persisting a payment leg.
    "payments-fx-invoke" = {
      Sid      = "ConfirmFxConversion"
      Effect   = "Allow"
      Action   = "lambda:InvokeFunction"
      Resource = "arn:aws:lambda:*:${local.account}:function:bank-core-mod-004-*FxConversionHandler*"
    }
  }

  lambda_policy_attachments = {
    for pair in setproduct(keys(local.lambda_roles), local.lambda_managed_policies) :
    "${pair[0]}/${basename(pair[1])}" => { domain = pair[0], policy = pair[1] }
  }
}

resource "aws_iam_role" "lambda" {
  for_each             = local.lambda_roles
  name                 = each.value.role
  description          = "Lambda execution role of the ${each.key} domain"
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "LambdaInThisAccount"
        Effect    = "Allow"
        Principal = { Service = "lambda.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
      },
      {
        Sid       = "ModuleTaggedSessions"
        Effect    = "Allow"
        Principal = { Service = "lambda.amazonaws.com" }
        Action    = "sts:TagSession"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account }
          Null         = { "aws:RequestTag/module_id" = "false" }
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "lambda" {
  for_each = local.lambda_roles
  name     = "${each.key}-domain-permissions"
  role     = aws_iam_role.lambda[each.key].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid    = "DomainLogs"
          Effect = "Allow"
          Action = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = [
            "arn:aws:logs:${local.region}:${local.account}:log-group:/aws/lambda/${each.key}-*",
            "arn:aws:logs:${local.region}:${local.account}:log-group:/aws/lambda/${each.key}-*:*",
          ]
        },
        {
          Sid      = "DomainSecretsRead"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
          Resource = ["arn:aws:secretsmanager:${local.region}:${local.account}:secret:${each.key}/*"]
        },
        {
          Sid      = "SharedInfraDiscovery"
          Effect   = "Allow"
          Action   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
          Resource = "arn:aws:ssm:${local.region}:${local.account}:parameter/bank/*"
        },
        {
          Sid      = "PublishDomainEvents"
          Effect   = "Allow"
          Action   = "events:PutEvents"
          Resource = aws_cloudwatch_event_bus.domain[each.key].arn
        },
        {
          Sid      = "PublishAlerts"
          Effect   = "Allow"
          Action   = "sns:Publish"
          Resource = "arn:aws:sns:${local.region}:${local.account}:bank-*"
        },
        {
          Sid       = "PublishToEncryptedAlerts"
          Effect    = "Allow"
          Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
          Resource  = aws_kms_key.classification["operational"].arn
          Condition = { StringEquals = { "kms:ViaService" = "sns.${local.region}.amazonaws.com" } }
        },
        {
          Sid      = "DecryptClassifiedData"
          Effect   = "Allow"
          Action   = "kms:Decrypt"
          Resource = [for class in each.value.decrypt : aws_kms_key.classification[class].arn]
        },
        {
          Sid      = "Tracing"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = "*"
        },
      ],
      [for grant in each.value.grants : local.grant_statements[grant]],
    )
  })
}

resource "aws_iam_role_policy_attachment" "lambda" {
  for_each   = local.lambda_policy_attachments
  role       = aws_iam_role.lambda[each.value.domain].name
  policy_arn = each.value.policy
}

resource "aws_iam_openid_connect_provider" "github" {
  url             = "https://${local.github_issuer}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

resource "aws_iam_role" "cicd" {
  name                 = "bank-platform-cicd"
  description          = "GitHub Actions deployments (OIDC)"
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActions"
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "${local.github_issuer}:aud" = "sts.amazonaws.com" }
        StringLike   = { "${local.github_issuer}:sub" = "repo:totara-bank/bank-platform:*" }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "cicd" {
  role       = aws_iam_role.cicd.name
  policy_arn = local.administrator_access
}

resource "aws_iam_role" "break_glass" {
  name                 = "bank-platform-break-glass"
  description          = "Ops incident response only"
  max_session_duration = 1 * 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountWithMfa"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${local.account}:root" }
      Action    = "sts:AssumeRole"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "break_glass" {
  role       = aws_iam_role.break_glass.name
  policy_arn = local.administrator_access
}

resource "aws_iam_policy" "secrets_read" {
  name        = "bank-secrets-read"
  description = "Read bank-*/* secrets and decrypt them with the classification CMKs"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadBankSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = "arn:aws:secretsmanager:${local.region}:${local.account}:secret:bank-*/*"
      },
      {
        Sid      = "DecryptWithClassificationKeys"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = [for class in ["pii", "financial", "operational"] : aws_kms_key.classification[class].arn]
      },
    ]
  })
}
