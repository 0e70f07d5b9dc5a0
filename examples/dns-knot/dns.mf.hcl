locals {
  zone = "example.com"
}

# Tencent Exmail's mail exchangers.
dns_record "mx" {
  zone    = local.zone
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}

dns_record "spf" {
  zone    = local.zone
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}

# A 2048-bit DKIM key is longer than 255 bytes: write it in one piece, mailform
# splits it into DNS strings and joins them again when it reads the zone.
dns_record "dkim" {
  zone    = local.zone
  name    = "s2026._domainkey"
  type    = "TXT"
  records = ["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2Ijhje0H/zTAnVF+5ZZZd8wtcRYu9jnd7Qjex5YotHH4QsnCA7BzH2135iZAlBOHVobLjykMNNufpE6xwHdaaKAC7Rhp73lI9YAALInnq/xa+VVc0hyTa713onFkLZGJ1Ugwif6NPQCxJQP7G2NlZaOaIlPVPP3L+Adowpj0NQOi9VhQ9fQGc9hNeVLW6q53mDCojF3cVOQYmLGrF7OGKTlLNLzN5HVWzjW1R8dz6jth8lAWgwmwXlKsUqn/v1eah7qUVg3ASPF6QLepwLHxnJk4bqSegV8STP6w4w2zgvqApci1nC0ODh28id0DgWqfXkAex4+3+jt1rCZAP4DTBwIDAQAB"]
}

dns_record "dmarc" {
  zone    = local.zone
  name    = "_dmarc"
  type    = "TXT"
  records = ["v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.com"]
  ttl     = 3600
}

# Autodiscovery for mail clients.
dns_record "imaps" {
  zone    = local.zone
  name    = "_imaps._tcp"
  type    = "SRV"
  records = ["0 5 993 imap.exmail.qq.com."]
}
