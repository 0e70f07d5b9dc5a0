domain "corp" {
  name = "example.com"
}

department "sales" {
  name  = "Sales"
  order = "first"
}

provider "sandbox" {}
