domain "corp" {
  name = "example.com"
}

department "sales" {
  name = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
}

provider "sandbox" {}
