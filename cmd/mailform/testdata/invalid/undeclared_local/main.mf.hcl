domain "corp" {
  name = "example.com"
}

department "sales" {
  name = local.sales_name
}

provider "sandbox" {}
