domain "corp" { name = "example.com" }
variable "pw" {
  sensitive = true
  default   = "x"
}
