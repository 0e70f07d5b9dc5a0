domain "corp" {
  name = "example.com"
}

variable "company" {
  type    = string
  default = "ACME"
  validation {
    condition     = lower(var.company) == var.company
    error_message = "The company name must be lower case."
  }
}

department "d" {
  name = var.company
}

provider "sandbox" {}
