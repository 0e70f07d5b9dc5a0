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

# Exmail can neither create nor list domains: add the domain in the admin console
# first. This block declares it, so every address below is checked against it.
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
