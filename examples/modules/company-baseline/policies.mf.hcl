# Send restrictions and backup rules, by name. No API manages them (the sandbox
# serves them), so they are inputs that default to none.

send_restriction "policy" {
  for_each        = var.send_restrictions
  departments     = [for d in each.value.divisions : department.division[d].id]
  external        = each.value.external
  allowed_domains = each.value.allowed_domains
}

backup_rule "policy" {
  for_each    = var.backup_rules
  destination = each.value.destination == "archive" ? account.archive.email : each.value.destination
  departments = [for d in each.value.divisions : department.division[d].id]
  direction   = each.value.direction

  match {
    has_attachment = each.value.has_attachment
  }
}
