# Harbour Trade (the quickstart's company) on its own mail server: Postfix receives
# and sends, Dovecot stores and serves IMAP, and both read domains, mailboxes and
# aliases from PostgreSQL, in the tables the postfix provider writes (PostfixAdmin's
# schema, so PostfixAdmin can run beside it).
#
# ./run.sh starts PostgreSQL, Postfix and Dovecot on loopback ports and prints the
# MAILFORM_POSTFIX_DATABASE_URL to export; README.md walks through a rehearsal.

provider "postfix" {
  # database_url defaults to $MAILFORM_POSTFIX_DATABASE_URL; it is never printed.

  # When a departed account's retention ends, its rows are deleted and, with this
  # set, its mail too (run.sh keeps mail under .run/vmail):
  # maildir_delete_command = ["doveadm", "fs", "delete", "-R", "posix", "dirs", "/var/vmail/{maildir}"]
}

variable "initial_password" {
  description = "Password every new mailbox starts with."
  type        = string
  sensitive   = true
  # Good enough for a rehearsal on loopback; pass a real one with -var or
  # MAILFORM_VAR_initial_password.
  default = "Harbour-Welcome-2026"

  validation {
    condition     = strlen(var.initial_password) >= 12
    error_message = "initial_password must be at least 12 characters."
  }
}
