domain "corp" {
  name = "example.com"
}

department "sales" {
  count = 2
  name  = "Sales"
}

provider "sandbox" {}
