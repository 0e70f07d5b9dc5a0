# The organisation chart, three levels deep: division → function → region.
# Each level is its own block because a block cannot refer to its own instances;
# the keys are what accounts.csv uses in its department column.

locals {
  divisions = {
    sales      = "Sales"
    finance    = "Finance"
    rnd        = "R&D"
    operations = "Operations"
  }

  functions = {
    export     = { name = "Export Sales", division = "sales" }
    domestic   = { name = "Domestic Sales", division = "sales" }
    accounting = { name = "Accounting", division = "finance" }
    logistics  = { name = "Logistics", division = "operations" }
    purchasing = { name = "Purchasing", division = "operations" }
  }

  regions = {
    emea     = { name = "EMEA", function = "export" }
    apac     = { name = "APAC", function = "export" }
    americas = { name = "Americas", function = "export" }
  }
}

department "division" {
  for_each = local.divisions
  name     = each.value
}

department "function" {
  for_each = local.functions
  name     = each.value.name
  parent   = department.division[each.value.division].id
}

department "region" {
  for_each = local.regions
  name     = each.value.name
  parent   = department.function[each.value.function].id
}
