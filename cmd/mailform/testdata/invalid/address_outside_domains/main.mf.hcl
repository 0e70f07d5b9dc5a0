domain "corp" {
  name = "example.com"
}

account "a" {
  email = "a@other.org"
  name  = "A"
}

provider "sandbox" {}
