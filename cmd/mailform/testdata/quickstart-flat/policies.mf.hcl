# Finance and R&D handle bank details and unreleased designs: their mail stays inside
# the company, except to the bank and the auditors we work with.
send_restriction "confidential" {
  departments     = [department.division["finance"].id, department.division["rnd"].id]
  external        = "deny"
  allowed_domains = ["pacificbank.example", "auditpartners.example"]
}

# Invoices and contracts leave Finance as attachments; a copy of each goes to the
# archive mailbox so the tax audit trail does not depend on anyone's inbox.
backup_rule "finance_outbound" {
  destination = account.archive.email
  departments = [department.division["finance"].id]
  direction   = "outbound"

  match {
    has_attachment = true
  }
}
