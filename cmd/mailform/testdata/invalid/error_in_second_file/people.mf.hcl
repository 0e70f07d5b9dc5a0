department "it" {
  name = "IT"
}

account "carol" {
  email       = "carol@example.com"
  name        = "Carol"
  departments = [department.it.id]
  quota_mb    = -5
}
