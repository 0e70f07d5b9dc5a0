domain "corp" {
  name = "example.com"
}

department "sales" {
  name = var.sales_name
}

provider "sandbox" {}
