domain "corp" {
  name = "example.com"
}

account "a" {
  email   = "a@example.com"
  name    = "A"
  aliases = ["a1@example.com", "a2@example.com", "a3@example.com", "a4@example.com", "a5@example.com", "a6@example.com"]
}

provider "sandbox" {}
