domain "corp" {
  name = "example.com"
}

dns_record "www" {
  zone    = "example.com"
  name    = "www"
  type    = "AXX"
  records = ["1.2.3.4"]
}

provider "sandbox" {}
