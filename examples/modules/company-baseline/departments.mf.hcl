# The organisation chart from departments.csv, three levels deep: division → function
# → region. Each level is its own block because a block cannot refer to its own
# instances; the keys are what accounts.csv uses in its department column.

locals {
  divisions = { for r in var.departments : r.key => r.name if r.parent == "" }
  functions = { for r in var.departments : r.key => r if contains(keys(local.divisions), r.parent) }
  regions   = { for r in var.departments : r.key => r if contains(keys(local.functions), r.parent) }

  # The division each department key belongs to, whatever its level.
  division_of = merge(
    { for k, _ in local.divisions : k => k },
    { for k, f in local.functions : k => f.parent },
    { for k, r in local.regions : k => local.functions[r.parent].parent },
  )
}

department "division" {
  for_each = local.divisions
  name     = each.value
}

department "function" {
  for_each = local.functions
  name     = each.value.name
  parent   = department.division[each.value.parent].id
}

department "region" {
  for_each = local.regions
  name     = each.value.name
  parent   = department.function[each.value.parent].id
}
