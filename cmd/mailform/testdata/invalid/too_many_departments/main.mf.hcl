domain "corp" {
  name = "example.com"
}

department "d" {
  for_each = toset([for i in range(21) : tostring(i)])
  name     = "D${each.key}"
}

account "a" {
  email       = "a@example.com"
  name        = "A"
  departments = [for d in department.d : d.id]
}

provider "sandbox" {}
