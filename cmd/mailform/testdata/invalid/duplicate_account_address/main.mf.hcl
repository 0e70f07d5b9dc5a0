domain "corp" {
  name = "example.com"
}

account "a" {
  email = "a@example.com"
  name  = "A"
}

account "b" {
  email = "A@Example.com"
  name  = "B"
}

provider "sandbox" {}
