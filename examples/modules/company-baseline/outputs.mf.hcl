output "mail_domain" {
  description = "The domain the records are published for."
  value       = domain.main.name
}

output "mailbox_count" {
  description = "How many mailboxes the baseline declares (staff and the archive)."
  value       = length(account.staff) + 1
}

output "archive" {
  description = "The archive mailbox's address."
  value       = account.archive.email
}

output "managers" {
  description = "The members of management@."
  value       = [for e in var.managers : account.staff[e].email]
}
