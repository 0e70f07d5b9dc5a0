domain "corp" {
  name = "example.com"
}

department "a" {
  name   = "A"
  parent = department.b.id
}

department "b" {
  name   = "B"
  parent = department.a.id
}

provider "sandbox" {}
