domain "corp" {
  name = "example.com"
}

account "a" {
  email = "a@example.com"
  nmae  = "A"
}

department "sales" {
  name = "Sales|EMEA"
}

group "g" {
  email   = "g@other.org"
  name    = "G"
  senders = "everybody"
}

provider "sandbox" {}
