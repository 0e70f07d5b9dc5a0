domain "corp" {
  name = "example.com"
}

account "a" {
  email = "a@example.com"
}

provider "sandbox" {}
