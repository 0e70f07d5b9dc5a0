domain "corp" {
  name = "example.com"
}

account "a" {
  email = "not-an-address"
  name  = "A"
}

provider "sandbox" {}
