# The domain and its mailboxes: one per row of the staff CSV, keyed by email so that
# reordering the file changes nothing, and the archive mailbox.

# Exmail can neither create nor list domains: add the domain in the admin console
# first. This block declares it, so every address below is checked against it.
domain "main" {
  name = var.domain
}

locals {
  staff = { for r in var.staff : r.email => r }

  # Every department id by its key, whatever its level, so the CSV can place a person
  # in a division, a function or a region.
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
  quota_mb    = var.staff_quota_mb

  # Offboarding comes from the status, handover_to and retain_days columns when the
  # CSV has them; `mailform offboard EMAIL --handover-to … --retain-days …` fills them
  # in: frozen now, deleted after the retention.
  status = can(each.value.status) ? (each.value.status != "" ? each.value.status : "active") : null
  dynamic "offboarding" {
    for_each = try(each.value.status, "") == "departed" ? [each.value] : []
    content {
      handover_to = offboarding.value.handover_to
      retain_days = tonumber(offboarding.value.retain_days)
    }
  }

  password              = var.initial_password
  force_password_change = var.force_password_change ? true : null
  # The password is only the first one: changing var.initial_password for the next
  # hires must not reset everyone's password.
  lifecycle {
    ignore_changes = [password]
  }
  imap_smtp          = var.exmail_client_policy ? false : null
  pop_smtp           = var.exmail_client_policy ? false : null
  force_secure_login = var.exmail_client_policy ? true : null
}

# The archive mailbox receives the backups; nobody logs in to it day to day, so it
# gets a large quota (where the API can set one) and no department.
account "archive" {
  email                 = "archive@${var.domain}"
  name                  = "Mail Archive"
  position              = "Compliance archive"
  quota_mb              = var.archive_quota_mb
  password              = var.initial_password
  force_password_change = var.force_password_change ? true : null
  lifecycle {
    ignore_changes = [password]
  }
}
