domain "corp" {
  name = "example.com"
}

acount "a" {
  email = "a@example.com"
  name  = "A"
}

provider "sandbox" {}
