domain "corp" {
  name = "example.com"
}

variable "quota" {
  type    = number
  default = "lots"
}

account "a" {
  email    = "a@example.com"
  name     = "A"
  quota_mb = var.quota
}

provider "sandbox" {}
