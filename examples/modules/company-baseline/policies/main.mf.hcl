# The company's mail policies, a module of its own so that company-baseline declares
# them only when asked (for_each over its `policies` input). Send restrictions and
# backup rules are known by their names, so the names are fixed here; what they apply
# to is input. Exmail has no API for them; the sandbox and the postfix provider (enforced by
# mailform policy-server and milter) serve them.

variable "confidential_departments" {
  description = "Ids of the departments whose mail must stay inside the company."
  type        = list(string)
}

variable "allowed_domains" {
  description = "Outside domains the confidential departments may still write to."
  type        = list(string)
}

variable "archived_departments" {
  description = "Ids of the departments whose outbound mail with attachments is copied to the archive."
  type        = list(string)
}

variable "archive" {
  description = "The archive mailbox's address."
  type        = string
}

send_restriction "confidential" {
  departments     = var.confidential_departments
  external        = "deny"
  allowed_domains = var.allowed_domains
}

backup_rule "finance_outbound" {
  destination = var.archive
  departments = var.archived_departments
  direction   = "outbound"

  match {
    has_attachment = true
  }
}
