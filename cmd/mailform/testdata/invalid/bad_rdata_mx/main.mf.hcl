domain "corp" {
  name = "example.com"
}

dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["x"]
}

provider "sandbox" {}
