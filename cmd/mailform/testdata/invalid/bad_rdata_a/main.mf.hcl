domain "corp" {
  name = "example.com"
}

dns_record "www" {
  zone    = "example.com"
  name    = "www"
  type    = "A"
  records = ["999.1.1.1"]
}

provider "sandbox" {}
