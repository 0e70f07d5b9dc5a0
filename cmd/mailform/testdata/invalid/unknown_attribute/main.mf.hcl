domain "corp" {
  name = "example.com"
}

account "a" {
  email = "a@example.com"
  nmae  = "A"
}

provider "sandbox" {}
