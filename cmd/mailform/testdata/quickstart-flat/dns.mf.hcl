# The mail records of the domain. Exmail expects exactly this MX pair and an SPF that
# includes spf.mail.qq.com; `mailform validate` warns when either is missing.

dns_record "mx" {
  zone    = domain.main.name
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}

# ~all rather than -all while the DMARC reports are still being reviewed.
dns_record "spf" {
  zone    = domain.main.name
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}

# The public half of the DKIM key Exmail signs with (selector "exmail"); paste it as the
# admin console shows it. At 392 bytes it is longer than one 255-byte TXT string:
# mailform splits it when writing and joins it when comparing.
dns_record "dkim" {
  zone    = domain.main.name
  name    = "exmail._domainkey"
  type    = "TXT"
  ttl     = 3600
  records = ["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtHAnw6Y7ir2ZJ2uePQyTjC2wSToBaeLi0z4hNFXo10Px2LFvKl16UE4y1rQaW65VmbgcOAvKzJAjsdgqsbVOZQVQ0GIBTqILIjOWpyGEeustQgJ/v8dUFLWfurZWXr4k7At6CNzEwnoBD4tT4FfcC0pd6QPgC0uf1FGhVRvDdqBAwgdJZQ4XtBmPA0Y2lkQGIXK0S51wZii41v+xHf3Mk9YrQCn+7FD7eOps6o6/xctHMt/PosNaPeQNbvTlW3/OORYNI+uYZZuGCQ0mwwxhel/jm+TbuSun12zP0H6v66AzrXemWxqTVSZD6GPUR2OF0q6rc0HpQXUQFdhtML6tVQIDAQAB"]
}

# Quarantine rather than reject until the aggregate reports show every sender aligned.
dns_record "dmarc" {
  zone    = domain.main.name
  name    = "_dmarc"
  type    = "TXT"
  ttl     = 3600
  records = ["v=DMARC1; p=quarantine; pct=100; adkim=r; aspf=r; rua=mailto:dmarc-reports@harbourtrade.example"]
}
