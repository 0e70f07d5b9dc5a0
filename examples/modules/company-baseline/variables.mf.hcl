# The inputs of a company's mail baseline. What differs between mail systems (Exmail's
# client settings, quotas, the Exmail DNS records, policies, which Exmail has no API for) is
# an input; the rest is the same everywhere. Providers are the caller's: a module
# declares none and uses the root module's.

variable "domain" {
  description = "The company's mail domain; every address below is in it."
  type        = string
}

variable "departments" {
  description = "Rows of departments.csv (key, name, parent): a division has no parent, a function's parent is a division, a region's parent is a function."

  validation {
    condition = length([for r in var.departments : r.key if !(r.parent == "" ||
      contains([for d in var.departments : d.key if d.parent == ""], r.parent) ||
    contains([for f in var.departments : f.key if f.parent != "" && contains([for d in var.departments : d.key if d.parent == ""], f.parent)], r.parent))]) == 0
    error_message = "Every department's parent must be a division (no parent) or a function (a division's child): the chart has at most three levels, and each parent must be a key of departments.csv."
  }
}

variable "staff" {
  description = "Rows of accounts.csv: email, name, department (a key of departments.csv), position, mobile; with status, handover_to and retain_days columns, `mailform offboard` can mark leavers."
}

variable "initial_password" {
  description = "Password every new mailbox starts with."
  type        = string
  sensitive   = true
}

variable "force_password_change" {
  description = "Make users change the initial password at first login (Exmail)."
  type        = bool
  default     = false
}

variable "exmail_client_policy" {
  description = "Exmail only: staff use the Exmail app and webmail, not plain IMAP/POP clients."
  type        = bool
  default     = false
}

variable "staff_quota_mb" {
  description = "Mailbox quota of each staff member; null leaves the provider's default."
  type        = number
  default     = null
}

variable "archive_quota_mb" {
  description = "Quota of the archive mailbox; null where the API cannot set quotas (Exmail)."
  type        = number
  default     = null
}

variable "exmail_dns" {
  description = "Declare the MX, SPF and DMARC records Tencent Exmail needs (and DKIM when dkim_public_key is set)."
  type        = bool
  default     = true
}

variable "dkim_public_key" {
  description = "The public half of the DKIM key Exmail signs with (selector \"exmail\"), as the admin console shows it; empty for none."
  type        = string
  default     = ""
}

variable "sales_division" {
  description = "Key of the division whose people (in any of its functions and regions) receive sales@."
  type        = string
  default     = "sales"
}

variable "finance_division" {
  description = "Key of the division whose people are on finance-close@."
  type        = string
  default     = "finance"
}

variable "managers" {
  description = "Members of management@."
  type        = list(string)
  default     = []
}

variable "management_senders" {
  description = "Who may write to management@."
  type        = list(string)
  default     = []
}

variable "dmarc_report_readers" {
  description = "Members of dmarc-reports@, where receivers send DMARC aggregate reports."
  type        = list(string)
  default     = []
}

variable "policies" {
  description = "The mail policies, or null for none: { confidential_divisions = [division keys whose mail stays internal], allowed_domains = [outside domains they may still write to], archived_divisions = [division keys whose outbound attachments are copied to the archive] }. Exmail has no API for them; the sandbox and the postfix provider (enforced by mailform policy-server and milter) serve them."
  default     = null
}
