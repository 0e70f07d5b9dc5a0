domain "corp" {
  name = "example.com"
}

backup_rule "b" {
  destination = "archive@example.com"
  direction   = "outbound"
}

provider "sandbox" {}
