# Two subsidiaries of Harbour Trade, Hong Kong and Singapore, each with its own mail
# domain, from one reviewed module: examples/modules/company-baseline with for_each.
# Each subsidiary's addresses are module.subsidiary["hk"]… and module.subsidiary["sg"]…,
# so `mailform plan -target 'module.subsidiary["hk"]'` plans one of them alone.
#
# It runs against the embedded sandbox tenant, so it needs no credentials; the module
# uses this file's provider.

provider "sandbox" {}

variable "initial_password" {
  description = "Password every new mailbox starts with; users must change it at first login."
  type        = string
  sensitive   = true
  default     = "Harbour-Welcome-2026"
}

locals {
  # One entry per subsidiary: its domain and the folder of its HR exports.
  subsidiaries = {
    hk = { domain = "hk.harbourtrade.example", data = "hk" }
    sg = { domain = "sg.harbourtrade.example", data = "sg" }
  }
  # Each subsidiary's general managers run its management@ list.
  general_managers = { for k, s in local.subsidiaries : k => [
    for r in csvdecode(file("${s.data}-accounts.csv")) : r.email if r.position == "General Manager"
  ] }
}

module "subsidiary" {
  for_each = local.subsidiaries
  source   = "../modules/company-baseline"
  domain   = each.value.domain

  departments = csvdecode(file("${each.value.data}-departments.csv"))
  staff       = csvdecode(file("${each.value.data}-accounts.csv"))

  initial_password      = var.initial_password
  force_password_change = true
  exmail_client_policy  = true
  archive_quota_mb      = 65536
  managers              = local.general_managers[each.key]
  management_senders    = local.general_managers[each.key]
}

# The group's management reaches both general managers.
domain "group" {
  name = "harbourtrade.example"
}

group "general_managers" {
  email   = "general-managers@harbourtrade.example"
  name    = "General Managers"
  members = flatten([for s in module.subsidiary : s.managers])
  senders = "organization"
}

output "mailboxes" {
  description = "Mailboxes per subsidiary."
  value       = { for k, s in module.subsidiary : k => s.mailbox_count }
}
