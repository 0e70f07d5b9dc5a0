# The company: its domain, departments, mailboxes and groups come from the module the
# quickstart and examples/exmail use too, examples/modules/company-baseline, with the
# inputs of a self-hosted server: quotas, and no Exmail DNS records or client settings.
# The module uses the postfix provider of main.mf.hcl.

module "company" {
  source = "../modules/company-baseline"
  domain = "harbourtrade.example"

  departments = csvdecode(file("departments.csv"))
  staff       = csvdecode(file("accounts.csv"))

  # Stored only as a {BLF-CRYPT} hash that Dovecot checks at login. It is only the
  # first password: changing var.initial_password must not reset everyone's.
  initial_password = var.initial_password
  staff_quota_mb   = 2048
  archive_quota_mb = 65536
  exmail_dns       = false

  dmarc_report_readers = ["zhou.tao@harbourtrade.example"]
  managers = [
    "zhang.wei@harbourtrade.example", # general manager
    "liu.yang@harbourtrade.example",  # CFO
    "li.na@harbourtrade.example",     # sales director
    "zhou.tao@harbourtrade.example",  # head of product
  ]
  management_senders = ["zhang.wei@harbourtrade.example", "liu.yang@harbourtrade.example"]

  # Enforced in the mail path by `mailform policy-server` (Finance and R&D write outside
  # only to the bank and the auditors) and `mailform milter` (a copy of Finance's
  # outbound mail with attachments goes to the archive mailbox), both started by run.sh.
  policies = {
    confidential_divisions = ["finance", "rnd"]
    allowed_domains        = ["pacificbank.example", "auditpartners.example"]
    archived_divisions     = ["finance"]
  }
}

output "mail_domain" {
  value = module.company.mail_domain
}

output "mailbox_count" {
  value = module.company.mailbox_count
}
