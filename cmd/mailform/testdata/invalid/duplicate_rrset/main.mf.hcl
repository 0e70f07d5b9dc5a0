domain "corp" {
  name = "example.com"
}

dns_record "mx1" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com."]
}

dns_record "mx2" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["10 mxbiz2.qq.com."]
}

provider "sandbox" {}
