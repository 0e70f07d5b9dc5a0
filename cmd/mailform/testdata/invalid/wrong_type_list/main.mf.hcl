domain "corp" {
  name = "example.com"
}

department "sales" {
  name = "Sales"
}

account "a" {
  email       = "a@example.com"
  name        = "A"
  departments = "sales"
}

provider "sandbox" {}
