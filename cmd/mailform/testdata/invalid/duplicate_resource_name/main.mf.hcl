domain "corp" {
  name = "example.com"
}

department "sales" {
  name = "Sales"
}

department "sales" {
  name = "Sales 2"
}

provider "sandbox" {}
