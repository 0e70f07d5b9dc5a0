domain "corp" {
  name = "example.com"
}

department "sales" {
  name = "Sales"
  lifecycle {
    ignore_changes = [nmae]
  }
}

provider "sandbox" {}
