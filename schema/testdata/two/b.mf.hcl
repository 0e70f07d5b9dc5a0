account "alice" {
  email = "alice@example.com"
  name  = "Alice"
}
