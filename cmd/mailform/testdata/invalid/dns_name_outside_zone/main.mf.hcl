domain "corp" {
  name = "example.com"
}

dns_record "www" {
  zone    = "example.com"
  name    = "www.other.org."
  type    = "A"
  records = ["192.0.2.1"]
}

provider "sandbox" {}
