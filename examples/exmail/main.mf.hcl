# Harbour Trade (the quickstart company) managed on Tencent Exmail itself: departments,
# mailboxes and groups through the Exmail open API, the mail DNS records on the
# company's own authoritative server through RFC 2136.
#
# No credential is written here. The exmail provider reads EXMAIL_CORP_ID,
# EXMAIL_CONTACTS_SECRET and EXMAIL_OPTIONS_SECRET; the rfc2136 provider reads
# MAILFORM_TSIG_SECRET. README.md shows how to rehearse all of it against
# `mailform sandbox serve` before pointing it at the real tenant.

variable "exmail_endpoint" {
  description = "Base URL of the Exmail API; a `mailform sandbox serve` address for a rehearsal."
  type        = string
  default     = "https://api.exmail.qq.com/cgi-bin/"
}

variable "dns_server" {
  description = "host:port of the authoritative server that takes UPDATE and AXFR for the zone."
  type        = string
  default     = "127.0.0.1:5353"
}

variable "tsig_key_name" {
  description = "Name of the TSIG key the DNS server accepts."
  type        = string
  default     = "mailform-key"
}

provider "exmail" {
  endpoint = var.exmail_endpoint
  # The API publishes no limit; stay well below what a tenant tolerates.
  rate_limit = 20
}

provider "rfc2136" {
  server   = var.dns_server
  key_name = var.tsig_key_name
}

variable "initial_password" {
  description = "Password every new mailbox starts with; users must change it at first login."
  type        = string
  sensitive   = true
  # No default: a real tenant's password comes from MAILFORM_VAR_initial_password.

  validation {
    condition     = strlen(var.initial_password) >= 12
    error_message = "initial_password must be at least 12 characters (Exmail rejects short passwords)."
  }
}

# Everything the company has comes from the module the quickstart uses too, with what
# the Exmail API cannot manage left out: no quotas, no send restrictions or backup
# rules (README.md). The module uses this file's providers: the exmail provider serves
# the directory, rfc2136 the DNS records.
module "company" {
  source = "../modules/company-baseline"
  # Exmail can neither create nor list domains: add the domain in the admin console
  # first. The module declares it, so every address is checked against it.
  domain = "harbourtrade.example"

  departments = csvdecode(file("departments.csv"))
  staff       = csvdecode(file("accounts.csv"))

  initial_password      = var.initial_password
  force_password_change = true
  # Staff use the Exmail app and webmail; plain IMAP/POP clients are not supported.
  exmail_client_policy = true

  # The console generates the DKIM key pair per tenant: paste the public key it shows
  # (selector "exmail").
  dkim_public_key = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtHAnw6Y7ir2ZJ2uePQyTjC2wSToBaeLi0z4hNFXo10Px2LFvKl16UE4y1rQaW65VmbgcOAvKzJAjsdgqsbVOZQVQ0GIBTqILIjOWpyGEeustQgJ/v8dUFLWfurZWXr4k7At6CNzEwnoBD4tT4FfcC0pd6QPgC0uf1FGhVRvDdqBAwgdJZQ4XtBmPA0Y2lkQGIXK0S51wZii41v+xHf3Mk9YrQCn+7FD7eOps6o6/xctHMt/PosNaPeQNbvTlW3/OORYNI+uYZZuGCQ0mwwxhel/jm+TbuSun12zP0H6v66AzrXemWxqTVSZD6GPUR2OF0q6rc0HpQXUQFdhtML6tVQIDAQAB"

  dmarc_report_readers = ["zhou.tao@harbourtrade.example"]
  managers = [
    "zhang.wei@harbourtrade.example", # general manager
    "liu.yang@harbourtrade.example",  # CFO
    "li.na@harbourtrade.example",     # sales director
    "zhou.tao@harbourtrade.example",  # head of product
  ]
  management_senders = ["zhang.wei@harbourtrade.example", "liu.yang@harbourtrade.example"]
}

output "mail_domain" {
  description = "The domain the MX, SPF, DKIM and DMARC records are published for."
  value       = module.company.mail_domain
}

output "mailbox_count" {
  description = "How many staff mailboxes the CSV declares."
  value       = module.company.mailbox_count
}
