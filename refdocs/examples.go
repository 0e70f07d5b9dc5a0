package refdocs

// examples are one short block per resource type, shown on its page.
var examples = map[string]string{
	"domain": `domain "corp" {
  name = "example.com"
}
`,
	"department": `department "sales" {
  name = "Sales"
}

department "emea" {
  name   = "EMEA"
  parent = department.sales.id
}
`,
	"account": `account "alice" {
  email       = "alice@example.com"
  name        = "Alice Archer"
  departments = [department.emea.id]
  password    = var.initial_password
  aliases     = ["a.archer@example.com"]
}
`,
	"group": `group "sales" {
  email   = "sales@example.com"
  name    = "Sales"
  members = [account.alice.email]
  senders = "organization"
}
`,
	"dns_record": `dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
  ttl     = 600
}
`,
	"send_restriction": `send_restriction "finance" {
  departments     = [department.finance.id]
  external        = "deny"
  allowed_domains = ["partner.com"]
}
`,
	"backup_rule": `backup_rule "finance" {
  destination = account.archive.email
  departments = [department.finance.id]
  direction   = "outbound"
  match {
    has_attachment = true
  }
}
`,
}

// permissions says what access each provider kind needs.
var permissions = map[string]string{
	"sandbox": "write access to its directory (default `.sandbox`, next to the configuration); no credentials.",
	"exmail":  "the company id and the secrets of two Tencent Exmail apps: the contacts app (departments, accounts, groups) and the user options app (IMAP/POP, secure login).",
	"rfc2136": "a TSIG key the server allows to UPDATE the zones and to TRANSFER them (AXFR) — for Knot an `acl` with `action: [update, transfer]`, for BIND `allow-update` and `allow-transfer`.",
	"dnspod":  "a Tencent Cloud API key (SecretId and SecretKey) whose CAM policy allows the DNSPod record actions (for example `QcloudDNSPodFullAccess`); the zones must already exist in that account.",
	"postfix": "a PostgreSQL role that can read and write the PostfixAdmin tables and the `mailform_*` tables.",
}
