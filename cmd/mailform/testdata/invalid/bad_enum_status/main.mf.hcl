domain "corp" {
  name = "example.com"
}

account "a" {
  email  = "a@example.com"
  name   = "A"
  status = "gone"
}

provider "sandbox" {}
