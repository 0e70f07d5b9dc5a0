domain "corp" {
  name = "example.com"
}

provider "sandbox" {}
