domain "corp" {
  name = "example.com"
}

department "sales" {
  name       = "Sales"
  depends_on = [department.hr]
}

provider "sandbox" {}
