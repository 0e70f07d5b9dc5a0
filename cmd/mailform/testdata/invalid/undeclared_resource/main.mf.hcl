domain "corp" {
  name = "example.com"
}

account "a" {
  email       = "a@example.com"
  name        = "A"
  departments = [department.sales.id]
}

provider "sandbox" {}
