# Staff mailboxes come from accounts.csv, which HR exports; one row per person, keyed by
# email so that reordering the file changes nothing.

locals {
  staff = { for r in csvdecode(file("accounts.csv")) : r.email => r }

  # Every department id by its key in departments.mf.hcl, whatever its level, so the CSV
  # can place a person in a division, a function or a region.
  department_ids = merge(
    { for k, d in department.division : k => d.id },
    { for k, d in department.function : k => d.id },
    { for k, d in department.region : k => d.id },
  )
}

account "staff" {
  for_each    = local.staff
  email       = each.value.email
  name        = each.value.name
  departments = [local.department_ids[each.value.department]]
  position    = each.value.position
  mobile      = each.value.mobile

  password              = var.initial_password
  force_password_change = true
  # The password is only the first one: changing var.initial_password for the next
  # hires must not reset everyone's password.
  lifecycle {
    ignore_changes = [password]
  }
  # Staff use the Exmail app and webmail; plain IMAP/POP clients are not supported.
  imap_smtp          = false
  pop_smtp           = false
  force_secure_login = true
}

# The archive mailbox receives the Finance backups; nobody logs in to it day to day.
# Its large quota (64 GB) and the backup rule that feeds it are set in the admin
# console: the Exmail API has neither (see README.md).
account "archive" {
  email                 = "archive@harbourtrade.example"
  name                  = "Mail Archive"
  position              = "Compliance archive"
  password              = var.initial_password
  force_password_change = true
  # The password is only the first one: changing var.initial_password for the next
  # hires must not reset everyone's password.
  lifecycle {
    ignore_changes = [password]
  }
}
