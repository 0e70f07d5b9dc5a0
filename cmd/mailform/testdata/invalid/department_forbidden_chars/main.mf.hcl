domain "corp" {
  name = "example.com"
}

department "sales" {
  name = "Sales: EMEA"
}

provider "sandbox" {}
