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

  # Offboarding comes from the last three columns, which `mailform offboard EMAIL
  # --handover-to … --retain-days …` fills in: frozen now, deleted after the retention.
  status = each.value.status != "" ? each.value.status : "active"
  dynamic "offboarding" {
    for_each = each.value.status == "departed" ? [each.value] : []
    content {
      handover_to = offboarding.value.handover_to
      retain_days = tonumber(offboarding.value.retain_days)
    }
  }

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

# The archive mailbox receives the Finance backups (policies.mf.hcl); nobody logs in
# to it day to day, so it gets a large quota and no department.
account "archive" {
  email                 = "archive@harbourtrade.example"
  name                  = "Mail Archive"
  position              = "Compliance archive"
  quota_mb              = 65536
  password              = var.initial_password
  force_password_change = true
  # The password is only the first one: changing var.initial_password for the next
  # hires must not reset everyone's password.
  lifecycle {
    ignore_changes = [password]
  }
}
