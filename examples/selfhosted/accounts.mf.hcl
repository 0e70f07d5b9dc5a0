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
  quota_mb    = 2048

  # Stored only as a {BLF-CRYPT} hash that Dovecot checks at login. It is only the
  # first password: changing var.initial_password must not reset everyone's.
  password = var.initial_password
  lifecycle {
    ignore_changes = [password]
  }
}

# The archive mailbox: nobody logs in to it day to day, so it gets a large quota and
# no department.
account "archive" {
  email    = "archive@harbourtrade.example"
  name     = "Mail Archive"
  position = "Compliance archive"
  quota_mb = 65536
  password = var.initial_password
  lifecycle {
    ignore_changes = [password]
  }
}
