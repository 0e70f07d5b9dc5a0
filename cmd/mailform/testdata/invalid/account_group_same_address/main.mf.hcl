domain "corp" {
  name = "example.com"
}

account "a" {
  email = "team@example.com"
  name  = "A"
}

group "team" {
  email = "team@example.com"
  name  = "Team"
}

provider "sandbox" {}
