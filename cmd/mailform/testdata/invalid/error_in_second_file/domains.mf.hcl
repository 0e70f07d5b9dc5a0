domain "corp" {
  name = "example.com"
}
