domain "corp" {
  name = "example.com"
}

department "d" {
  for_each = ["a", "b"]
  name     = each.value
}

provider "sandbox" {}
