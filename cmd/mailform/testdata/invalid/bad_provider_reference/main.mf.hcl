domain "corp" {
  name = "example.com"
}

department "sales" {
  name     = "Sales"
  provider = exmail.corp
}

provider "sandbox" {}
