package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// fiftyObjects is a 50-object company: 4 departments, 44 accounts, 2 groups.
const fiftyObjects = `
provider "exmail" {
  endpoint = "%s"
  corp_id  = "` + e2eCorp + `"
  # Five applies and five servers share the test machine: a call's answers can take
  # seconds each when it is busy, which is slowness, not the failure under test.
  retry_timeout = "3m"
}

variable "initial_password" {
  type      = string
  sensitive = true
  default   = "Initial-Passw0rd!"
}

domain "corp" {
  name = "example.com"
}

locals {
  teams = ["sales", "ops", "finance"]
  staff = { for i in range(44) : format("user%%02d", i) => local.teams[i %% 3] }
}

department "top" {
  name = "Company"
}

department "team" {
  for_each = toset(local.teams)
  name     = title(each.key)
  parent   = department.top.id
}

account "staff" {
  for_each    = local.staff
  email       = "${each.key}@example.com"
  name        = "User ${each.key}"
  departments = [department.team[each.value].id]
  password    = var.initial_password
  imap_smtp   = true
}

group "all" {
  email              = "all@example.com"
  name               = "All"
  member_departments = [department.top.id]
}

group "sales" {
  email   = "sales@example.com"
  name    = "Sales"
  members = [for k, t in local.staff : account.staff[k].email if t == "sales"]
}
`

// A 50-object apply succeeds against a sandbox that throttles 30 % of calls (45009)
// and whose tokens live 2 s, in 5 runs of 5 (five seeds of the faults), each
// followed by an empty plan: token expiry is always recoverable and throttling only
// slows the run down.
func TestThrottledApplyWithShortTokens(t *testing.T) {
	env := []string{"EXMAIL_CONTACTS_SECRET=" + e2eContacts, "EXMAIL_OPTIONS_SECRET=" + e2eOptions}
	type run struct {
		seed        int
		apply, plan result
		server      string
	}
	runs := make([]run, 5)
	var wg sync.WaitGroup
	for i := range runs {
		dir := t.TempDir()
		s := startServe(t, dir, nil, "--faults", "0.3", "--fault-kinds", "throttle", "--token-ttl", "2s",
			"--latency", "20ms", "--seed", fmt.Sprint(i+1))
		writeFile(t, dir, "main.mf.hcl", fmt.Sprintf(fiftyObjects, s.url))
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i].seed = i + 1
			runs[i].apply = runEnvNoFatal(dir, env, "apply", "-auto-approve")
			runs[i].plan = runEnvNoFatal(dir, env, "plan", "-detailed-exitcode")
			runs[i].server = s.stop(t)
		}()
	}
	wg.Wait()
	for _, r := range runs {
		if r.apply.code != 0 || !strings.Contains(r.apply.stdout, "50 added, 0 changed, 0 destroyed") {
			t.Errorf("seed %d: apply:\n%s", r.seed, r.apply)
			continue
		}
		if r.plan.code != 0 {
			t.Errorf("seed %d: the plan after apply is not empty:\n%s", r.seed, r.plan)
		}
		if servedCount(t, r.server, "fault:throttle") < 10 || servedCount(t, r.server, "gettoken") < 3 {
			t.Errorf("seed %d: the run was not throttled or its tokens never expired:\n%s", r.seed, r.server)
		}
	}
}
