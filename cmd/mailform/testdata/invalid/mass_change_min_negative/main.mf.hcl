mailform {
  mass_change_percent = 20
  mass_change_min     = -1
}

domain "corp" {
  name = "example.com"
}

provider "sandbox" {}
