# example.com's mail DNS on your own authoritative server (Knot, BIND, PowerDNS …),
# changed with RFC 2136 UPDATE and read with AXFR, both signed with a TSIG key.
# README.md shows how to make the key and run a local Knot to try it.

variable "dns_server" {
  description = "host:port of the primary server that takes UPDATE and AXFR."
  type        = string
  default     = "127.0.0.1:5353"
}

variable "tsig_key_name" {
  description = "Name of the TSIG key the server accepts for UPDATE and AXFR."
  type        = string
  default     = "mailform-key"
}

provider "rfc2136" {
  server   = var.dns_server
  key_name = var.tsig_key_name
  # key_secret is left out: it comes from MAILFORM_TSIG_SECRET, so it is never in
  # a file that goes to git.
}
