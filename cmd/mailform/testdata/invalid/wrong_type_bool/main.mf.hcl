domain "corp" {
  name = "example.com"
}

account "a" {
  email     = "a@example.com"
  name      = "A"
  imap_smtp = "maybe"
}

provider "sandbox" {}
