domain "corp" {
  name = "example.com"
}

account "alice" {
  email = "alice@example.com"
  name  = "Alice"
}
