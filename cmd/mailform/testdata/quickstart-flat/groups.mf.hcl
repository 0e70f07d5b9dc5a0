# Mail groups. `senders` decides who may write to a group, so each one is set on purpose.
# Members are taken from the account blocks (not typed again) so a group is only
# written after its members' mailboxes exist.

# Company-wide announcements reach everyone, but only staff may send to it, so a leaked
# address does not become a spam channel into every inbox.
group "all_staff" {
  email              = "all@harbourtrade.example"
  name               = "All Staff"
  member_departments = values(department.division)[*].id
  senders            = "organization"
}

# The address on the website and on every quotation: customers anywhere must reach it.
group "sales_inquiries" {
  email   = "sales@harbourtrade.example"
  name    = "Sales Inquiries"
  members = [for k, a in account.staff : a.email if contains(["sales", "emea", "apac", "americas", "domestic"], local.staff[k].department)]
  senders = "anyone"
}

# Receivers of our mail send DMARC aggregate reports from their own domains.
group "dmarc_reports" {
  email   = "dmarc-reports@harbourtrade.example"
  name    = "DMARC Reports"
  members = [account.staff["zhou.tao@harbourtrade.example"].email]
  senders = "anyone"
}

# Month-end close: only the people in the thread may post to it.
group "finance_close" {
  email   = "finance-close@harbourtrade.example"
  name    = "Finance Month-End Close"
  members = [for k, a in account.staff : a.email if contains(["finance", "accounting"], local.staff[k].department)]
  senders = "members"
}

locals {
  managers = [
    "zhang.wei@harbourtrade.example", # general manager
    "liu.yang@harbourtrade.example",  # CFO
    "li.na@harbourtrade.example",     # sales director
    "zhou.tao@harbourtrade.example",  # head of product
  ]
}

# Management briefings go out from the general manager and the CFO only.
group "management" {
  email           = "management@harbourtrade.example"
  name            = "Management Briefing"
  members         = [for e in local.managers : account.staff[e].email]
  senders         = "list"
  allowed_senders = [local.managers[0], local.managers[1]]
}
