# The mail records of the domain. Exmail expects exactly this MX pair and an SPF that
# includes spf.mail.qq.com; `mailform validate` warns when either is missing.

locals {
  exmail_records = merge(
    {
      mx = { name = "@", type = "MX", ttl = null, records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."] }
      # ~all rather than -all while the DMARC reports are still being reviewed.
      spf = { name = "@", type = "TXT", ttl = null, records = ["v=spf1 include:spf.mail.qq.com ~all"] }
      # Quarantine rather than reject until the aggregate reports show every sender aligned.
      dmarc = { name = "_dmarc", type = "TXT", ttl = 3600, records = ["v=DMARC1; p=quarantine; pct=100; adkim=r; aspf=r; rua=mailto:dmarc-reports@${var.domain}"] }
    },
    # A DKIM key is longer than one 255-byte TXT string: mailform splits it when
    # writing and joins it when comparing.
    var.dkim_public_key == "" ? {} : {
      dkim = { name = "exmail._domainkey", type = "TXT", ttl = 3600, records = [var.dkim_public_key] }
    },
  )
}

dns_record "exmail" {
  for_each = var.exmail_dns ? local.exmail_records : {}
  zone     = domain.main.name
  name     = each.value.name
  type     = each.value.type
  ttl      = each.value.ttl
  records  = each.value.records
}
