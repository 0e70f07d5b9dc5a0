package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const mainHCL = `
variable "endpoint" {
  type = string
}

variable "rate" {
  type    = number
  default = 20
}

variable "initial_password" {
  type      = string
  sensitive = true
  default   = "Bench-Passw0rd-2026"
}

provider "exmail" {
  endpoint   = var.endpoint
  corp_id    = "` + benchCorp + `"
  rate_limit = var.rate
}

domain "bench" {
  name = "bench.example"
}

locals {
  departments = { for r in csvdecode(file("departments.csv")) : r.key => r }
  users       = { for r in csvdecode(file("accounts.csv")) : r.email => r }
  groups      = { for r in csvdecode(file("groups.csv")) : r.email => r }
}

department "d" {
  for_each = local.departments
  name     = each.value.name
}

# Only new accounts declare a password: the adopted ones keep theirs.
account "u" {
  for_each    = local.users
  email       = each.value.email
  name        = each.value.name
  departments = [department.d[each.value.dept].id]
  password    = each.value.new == "1" ? var.initial_password : null
}

group "g" {
  for_each = local.groups
  email    = each.value.email
  name     = each.value.name
  members  = [account.u[each.value.member].email]
}
`

// writeConfig writes the configuration of a tenant with sz.users accounts plus the
// first extra new ones.
func writeConfig(dir string, sz sizes, extra int) error {
	var d, a, g strings.Builder
	d.WriteString("key,name\n")
	for i := 0; i < sz.departments; i++ {
		fmt.Fprintf(&d, "d%d,%s\n", i, deptName(i))
	}
	a.WriteString("email,name,dept,new\n")
	for i := 0; i < sz.users+extra; i++ {
		isNew := 0
		if i >= sz.users {
			isNew = 1
		}
		fmt.Fprintf(&a, "%s,User %d,d%d,%d\n", userEmail(i), i, i%sz.departments, isNew)
	}
	g.WriteString("email,name,member\n")
	for i := 0; i < sz.groups; i++ {
		fmt.Fprintf(&g, "%s,Group %d,%s\n", groupEmail(i), i, userEmail(i%sz.users))
	}
	for name, content := range map[string]string{"main.mf.hcl": mainHCL, "departments.csv": d.String(),
		"accounts.csv": a.String(), "groups.csv": g.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
