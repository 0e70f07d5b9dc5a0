# An MX value without its priority: one error, and no misleading "no MX record"
# warning about the same domain.
domain "corp" {
  name = "example.com"
}

dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["mx.example.org."]
}

dns_record "spf" {
  zone    = "example.com"
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}

provider "sandbox" {}
