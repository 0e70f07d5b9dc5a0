domain "corp" {
  name = "example.com"
}

department "d" {
  for_each = null
  name     = "D"
}

provider "sandbox" {}
