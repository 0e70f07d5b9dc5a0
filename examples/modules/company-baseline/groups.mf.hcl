# Mail groups. `senders` decides who may write to a group, so each one is set on purpose.
# Members are taken from the account blocks (not typed again) so a group is only
# written after its members' mailboxes exist.

# Company-wide announcements reach everyone, but only staff may send to it, so a leaked
# address does not become a spam channel into every inbox.
group "all_staff" {
  email              = "all@${var.domain}"
  name               = "All Staff"
  member_departments = values(department.division)[*].id
  senders            = "organization"
}

# The address on the website and on every quotation: customers anywhere must reach it.
group "sales_inquiries" {
  email   = "sales@${var.domain}"
  name    = "Sales Inquiries"
  members = [for k, a in account.staff : a.email if lookup(local.division_of, local.staff[k].department, "") == var.sales_division]
  senders = "anyone"
}

# Receivers of our mail send DMARC aggregate reports from their own domains.
group "dmarc_reports" {
  email   = "dmarc-reports@${var.domain}"
  name    = "DMARC Reports"
  members = [for e in var.dmarc_report_readers : account.staff[e].email]
  senders = "anyone"
}

# Month-end close: only the people in the thread may post to it.
group "finance_close" {
  email   = "finance-close@${var.domain}"
  name    = "Finance Month-End Close"
  members = [for k, a in account.staff : a.email if lookup(local.division_of, local.staff[k].department, "") == var.finance_division]
  senders = "members"
}

# Management briefings go out from the management senders only.
group "management" {
  email           = "management@${var.domain}"
  name            = "Management Briefing"
  members         = [for e in var.managers : account.staff[e].email]
  senders         = "list"
  allowed_senders = var.management_senders
}
