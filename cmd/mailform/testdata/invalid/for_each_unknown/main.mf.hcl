domain "corp" {
  name = "example.com"
}

department "parent" {
  name = "Parent"
}

department "d" {
  for_each = toset([department.parent.id])
  name     = "D"
}

provider "sandbox" {}
