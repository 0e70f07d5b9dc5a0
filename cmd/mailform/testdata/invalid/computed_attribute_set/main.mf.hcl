domain "corp" {
  name = "example.com"
}

department "sales" {
  id   = "5"
  name = "Sales"
}

provider "sandbox" {}
