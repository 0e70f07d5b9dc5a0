variable "initial_password" {
  type      = string
  sensitive = true
  default   = "Initial-Passw0rd!"
}

domain "corp" {
  name = "example.com"
}

department "sales" {
  name = "Sales"
}

department "emea" {
  name   = "EMEA"
  parent = department.sales.id
}

department "finance" {
  name = "Finance"
}

account "alice" {
  email       = "alice@example.com"
  name        = "Alice Archer"
  departments = [department.emea.id]
  password    = var.initial_password
}

account "bob" {
  email       = "bob@example.com"
  name        = "Bob Baker"
  departments = [department.finance.id]
}

group "all" {
  email   = "all@example.com"
  name    = "Everyone"
  members = [account.alice.email]
  senders = "organization"
}

send_restriction "finance" {
  departments     = [department.finance.id]
  external        = "deny"
  allowed_domains = ["partner.com"]
}

dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}

dns_record "spf" {
  zone    = "example.com"
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}

provider "sandbox" {}
