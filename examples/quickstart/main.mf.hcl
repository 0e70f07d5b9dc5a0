# Harbour Trade: a small cross-border trading company (Shenzhen head office, sales
# teams for EMEA, APAC and the Americas) whose mail is hosted on Tencent Exmail.
#
# This example runs against the embedded sandbox tenant, so it needs no credentials.
# To manage the real tenant, add `provider "exmail" {}` for the directory (EXMAIL_*
# variables) and `provider "dnspod" {}` for the zone (TENCENTCLOUD_SECRET_ID and
# TENCENTCLOUD_SECRET_KEY; the zone must already exist in that DNSPod account), or
# "rfc2136" for your own DNS server. Keep `provider "sandbox" {}` only while the
# policies below are here: no API manages send restrictions or backup rules, so the
# sandbox is what serves them. examples/exmail shows the whole setup.
#
# Everything the company has (domain, DNS records, departments, mailboxes, groups,
# policies) comes from the shared module examples/modules/company-baseline; this file
# gives it the company's data. The module uses this file's providers.

provider "sandbox" {}

variable "initial_password" {
  description = "Password every new mailbox starts with; users must change it at first login."
  type        = string
  sensitive   = true
  # Good enough for the sandbox; pass a real one with -var or MAILFORM_VAR_initial_password.
  default = "Harbour-Welcome-2026"

  validation {
    condition     = strlen(var.initial_password) >= 12
    error_message = "initial_password must be at least 12 characters (Exmail rejects short passwords)."
  }
}

module "company" {
  source = "../modules/company-baseline"
  domain = "harbourtrade.example"

  # The organisation chart (division → function → region) and the staff, one row per
  # person as HR exports it; the department column holds a key of departments.csv.
  departments = csvdecode(file("departments.csv"))
  staff       = csvdecode(file("accounts.csv"))

  initial_password      = var.initial_password
  force_password_change = true
  exmail_client_policy  = true
  archive_quota_mb      = 65536

  # The public half of the DKIM key Exmail signs with (selector "exmail"); paste it as
  # the admin console shows it.
  dkim_public_key = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtHAnw6Y7ir2ZJ2uePQyTjC2wSToBaeLi0z4hNFXo10Px2LFvKl16UE4y1rQaW65VmbgcOAvKzJAjsdgqsbVOZQVQ0GIBTqILIjOWpyGEeustQgJ/v8dUFLWfurZWXr4k7At6CNzEwnoBD4tT4FfcC0pd6QPgC0uf1FGhVRvDdqBAwgdJZQ4XtBmPA0Y2lkQGIXK0S51wZii41v+xHf3Mk9YrQCn+7FD7eOps6o6/xctHMt/PosNaPeQNbvTlW3/OORYNI+uYZZuGCQ0mwwxhel/jm+TbuSun12zP0H6v66AzrXemWxqTVSZD6GPUR2OF0q6rc0HpQXUQFdhtML6tVQIDAQAB"

  dmarc_report_readers = ["zhou.tao@harbourtrade.example"]
  managers = [
    "zhang.wei@harbourtrade.example", # general manager
    "liu.yang@harbourtrade.example",  # CFO
    "li.na@harbourtrade.example",     # sales director
    "zhou.tao@harbourtrade.example",  # head of product
  ]
  # Management briefings go out from the general manager and the CFO only.
  management_senders = ["zhang.wei@harbourtrade.example", "liu.yang@harbourtrade.example"]

  # Finance and R&D handle bank details and unreleased designs: their mail stays
  # inside the company, except to the bank and the auditors we work with. Invoices and
  # contracts leave Finance as attachments; a copy of each goes to the archive mailbox
  # so the tax audit trail does not depend on anyone's inbox.
  policies = {
    confidential_divisions = ["finance", "rnd"]
    allowed_domains        = ["pacificbank.example", "auditpartners.example"]
    archived_divisions     = ["finance"]
  }
}

output "mail_domain" {
  description = "The domain the MX, SPF, DKIM and DMARC records are published for."
  value       = module.company.mail_domain
}

output "mailbox_count" {
  description = "How many staff mailboxes the CSV declares."
  value       = module.company.mailbox_count
}
