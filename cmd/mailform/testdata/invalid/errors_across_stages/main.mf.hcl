# Errors found by different stages (references, cycles, values, cross-checks) are all
# reported in one run.
domain "corp" {
  name = "example.com"
}

account "a" {
  email = "a@example.com"
  nmae  = "A"
}

account "b" {
  email = "b@other.org"
  name  = "B"
}

department "s" {
  name = var.nope
}

department "x" {
  name   = "X"
  parent = department.y.id
}

department "y" {
  name   = "Y"
  parent = department.x.id
}

provider "sandbox" {}
