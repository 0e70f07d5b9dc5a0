# Harbour Trade: a small cross-border trading company (Shenzhen head office, sales
# teams for EMEA, APAC and the Americas) whose mail is hosted on Tencent Exmail.
#
# This example runs against the embedded sandbox tenant, so it needs no credentials.
# To manage the real tenant, add `provider "exmail" {}` for the directory (EXMAIL_*
# variables) and `provider "dnspod" {}` for the zone (TENCENTCLOUD_SECRET_ID and
# TENCENTCLOUD_SECRET_KEY; the zone must already exist in that DNSPod account), or
# "rfc2136" for your own DNS server. Keep `provider "sandbox" {}` only while
# policies.mf.hcl is here: no API manages send restrictions or backup rules, so the
# sandbox is what serves them. examples/exmail shows the whole setup.

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

domain "main" {
  name = "harbourtrade.example"
}

output "mail_domain" {
  description = "The domain the MX, SPF, DKIM and DMARC records are published for."
  value       = domain.main.name
}

output "mailbox_count" {
  description = "How many staff mailboxes the CSV declares."
  value       = length(account.staff) + 1
}
