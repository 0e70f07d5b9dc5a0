domain "corp" {
  name = "example.com"
}

group "board" {
  email   = "board@example.com"
  name    = "Board"
  senders = "list"
}

provider "sandbox" {}
