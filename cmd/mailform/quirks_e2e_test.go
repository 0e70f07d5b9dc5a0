package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

const quirksConfig = `
provider "exmail" {
  endpoint   = "%s"
  corp_id    = "` + e2eCorp + `"
  rate_limit = 200
}

domain "corp" {
  name = "example.com"
}

department "eng" {
  name  = "Engineering"
  order = 5
}

department "web" {
  name   = "Web"
  parent = department.eng.id
  order  = 20000
}

account "alice" {
  email       = "alice@example.com"
  name        = "Alice"
  departments = [department.web.id]
  password    = "Initial-Passw0rd!"
}

account "bob" {
  email       = "bob@example.com"
  name        = "Bob"
  departments = [department.eng.id]
  password    = "Initial-Passw0rd!"
  status      = "frozen"
}

group "all" {
  email   = "all@example.com"
  name    = "Everyone"
  members = [account.alice.email, account.bob.email]
}
`

// TestExmailQuirksE2E runs the real binary against sandbox serve in both readings
// of what the API documentation leaves uncertain (--quirks off and on): big
// department ids, the order warning, a frozen account created frozen, tag members
// that survive an update, the empty re-plan, a group deleted in the console, and the
// recycle bin.
func TestExmailQuirksE2E(t *testing.T) {
	for _, quirks := range []bool{false, true} {
		t.Run(map[bool]string{false: "quirks off", true: "quirks on"}[quirks], func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--group-tags", "all@example.com=7"}
			if quirks {
				args = append(args, "--quirks")
			}
			s := startServe(t, dir, nil, args...)
			writeFile(t, dir, "main.mf.hcl", fmt.Sprintf(quirksConfig, s.url))
			env := []string{"EXMAIL_CONTACTS_SECRET=" + e2eContacts, "EXMAIL_OPTIONS_SECRET=" + e2eOptions}
			must := func(code int, args ...string) result {
				t.Helper()
				r := runEnv(t, dir, env, args...)
				if r.code != code {
					t.Fatalf("mailform %s: want exit %d, got %s\n--- server\n%s", strings.Join(args, " "), code, r, s.out)
				}
				return r
			}

			r := must(0, "validate")
			if n := strings.Count(r.output(), "Exmail may reset this order to 0"); n != 1 {
				t.Errorf("validate warns %d times about a reserved order, want once (order 5, not 20000):\n%s", n, r)
			}
			if !strings.Contains(r.output(), "main.mf.hcl line 14") {
				t.Errorf("the warning does not point at the order line:\n%s", r)
			}
			if r := must(0, "apply", "-auto-approve"); !strings.Contains(r.stdout, "5 added, 0 changed, 0 destroyed") {
				t.Fatalf("apply:\n%s", r)
			}
			if r := must(0, "plan", "-detailed-exitcode"); !strings.Contains(r.stdout, "No changes.") {
				t.Fatalf("re-plan after apply:\n%s", r)
			}

			// Big ids, exactly, in state and in -json output.
			var ids []string
			for _, d := range s.call(t, http.MethodGet, "department/list", nil)["department"].([]any) {
				if id := d.(map[string]any)["id"].(json.Number).String(); id != "1" {
					ids = append(ids, id)
				}
			}
			if len(ids) != 2 || ids[0] != "4913577855806636138" || ids[1] != "4913577855806636139" {
				t.Fatalf("department ids %v; want the sandbox's big neighbours", ids)
			}
			st := must(0, "show", "-json").stdout
			for _, id := range ids {
				if !strings.Contains(st, `"`+id+`"`) {
					t.Errorf("show -json of the state lacks department id %s exactly:\n%s", id, st)
				}
			}
			// …and in a plan file and its -json rendering: alice moves from web to eng.
			editFile(t, dir, "main.mf.hcl", "departments = [department.web.id]", "departments = [department.eng.id]")
			must(2, "plan", "-out", "move.mfplan", "-detailed-exitcode")
			shown := must(0, "show", "-json", "move.mfplan").stdout
			for _, id := range ids {
				if !strings.Contains(shown, `"`+id+`"`) {
					t.Errorf("show -json of the plan file lacks department id %s exactly:\n%s", id, shown)
				}
			}
			must(0, "apply", "move.mfplan")
			if u := s.call(t, http.MethodGet, "user/get?userid=alice@example.com", nil); fmt.Sprint(u["department"]) != "["+ids[0]+"]" {
				t.Errorf("alice after the move: %v, want department %s", u["department"], ids[0])
			}
			wantOrder := map[bool]string{false: "5", true: "0"}[quirks]
			eng := s.call(t, http.MethodGet, "department/list", nil)["department"].([]any)[1].(map[string]any)
			if eng["order"].(json.Number).String() != wantOrder {
				t.Errorf("the tenant holds order %v, want %s", eng["order"], wantOrder)
			}
			if u := s.call(t, http.MethodGet, "user/get?userid=bob@example.com", nil); fmt.Sprint(u["enable"]) != "0" {
				t.Errorf("bob was not created frozen: %v", u)
			}

			// A member change keeps the tag members.
			editFile(t, dir, "main.mf.hcl", "members = [account.alice.email, account.bob.email]", "members = [account.alice.email]")
			if r := must(0, "apply", "-auto-approve"); !strings.Contains(r.stdout, "0 added, 1 changed, 0 destroyed") {
				t.Fatalf("apply of a member change:\n%s", r)
			}
			g := s.call(t, http.MethodGet, "group/get?groupid=all@example.com", nil)
			if tags, has := g["taglist"]; has != quirks || (quirks && !strings.Contains(fmt.Sprint(tags), "7")) {
				t.Errorf("group/get after the update = %v; taglist 7 shown = %v, want %v", g, has, quirks)
			}
			must(0, "plan", "-detailed-exitcode")

			// A group and a department deleted in the console: drift names both as
			// deleted outside mailform (600008 and 60003 are "absent", not failures),
			// and plan creates them again.
			s.call(t, http.MethodGet, "group/delete?groupid=all@example.com", nil)
			s.call(t, http.MethodGet, "department/delete?id="+ids[1], nil)
			r = must(2, "drift")
			for _, addr := range []string{"group.all", "department.web"} {
				if !regexp.MustCompile(regexp.QuoteMeta(addr) + `.*deleted outside mailform`).MatchString(r.stdout) {
					t.Errorf("drift does not name %s as deleted outside mailform:\n%s", addr, r)
				}
			}
			r = must(2, "plan", "-detailed-exitcode")
			if !strings.Contains(r.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.") ||
				!strings.Contains(r.stdout, "department.web will be created") || !strings.Contains(r.stdout, "group.all will be created") {
				t.Fatalf("plan after the group and department were deleted in the console:\n%s", r)
			}

			// The recycle bin: an account deleted and declared again at once is refused.
			cfg := readFile(t, dir, "main.mf.hcl")
			start := strings.Index(cfg, `account "bob"`)
			end := start + strings.Index(cfg[start:], "\n}\n") + 3
			writeFile(t, dir, "main.mf.hcl", cfg[:start]+cfg[end:])
			if r := must(0, "apply", "-auto-approve", "-allow-delete=bob@example.com"); !strings.Contains(r.stdout, "2 added, 0 changed, 1 destroyed") {
				t.Fatalf("apply re-creating the group and deleting bob:\n%s", r)
			}
			writeFile(t, dir, "main.mf.hcl", cfg)
			r = must(1, "apply", "-auto-approve")
			if !strings.Contains(r.output(), "60116") || !strings.Contains(r.output(), "bob@example.com") {
				t.Errorf("re-creating a just-deleted account:\n%s", r)
			}
			s.stop(t)
		})
	}
}
