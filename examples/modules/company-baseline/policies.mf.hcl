# Send restrictions and backup rules, from the nested module ./policies, only when the
# `policies` input is set (Exmail has no API for them; the sandbox and the postfix provider
# serve them).

module "policies" {
  for_each = { for k, p in { company = var.policies } : k => p if p != null }
  source   = "./policies"

  confidential_departments = [for d in each.value.confidential_divisions : department.division[d].id]
  allowed_domains          = each.value.allowed_domains
  archived_departments     = [for d in each.value.archived_divisions : department.division[d].id]
  archive                  = account.archive.email
}
