domain "corp" {
  name = "example.com"
}

group "g" {
  email   = "g@example.com"
  name    = "G"
  senders = "everybody"
}

provider "sandbox" {}
