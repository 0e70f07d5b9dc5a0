package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Applying a saved plan against Exmail reads again only the objects the plan
// changes (one user/get for an updated account, none for a created one; no
// user/list of the tenant), and stops an update with "changed since plan" when the
// object was changed in the console after the plan, leaving the console's value.
func TestSavedPlanRechecksOnlyWhatItChanges(t *testing.T) {
	dir := t.TempDir()
	env := []string{"EXMAIL_CONTACTS_SECRET=" + e2eContacts, "EXMAIL_OPTIONS_SECRET=" + e2eOptions}
	s := startServe(t, dir, nil)
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	// The plan file holds the configuration, endpoint included: each later server
	// listens where the first did, so that the counts are of one run each.
	serveAgain := func() *served { return startServe(t, dir, nil, "--http", u.Host) }
	must := func(code int, args ...string) result {
		t.Helper()
		r := runEnv(t, dir, env, args...)
		if r.code != code {
			t.Fatalf("mailform %s: want exit %d, got %s\n--- server\n%s", strings.Join(args, " "), code, r, s.out)
		}
		return r
	}
	config := fmt.Sprintf(exmailConfig, s.url)
	writeFile(t, dir, "main.mf.hcl", config)
	must(0, "apply", "-auto-approve")

	config = strings.Replace(config, `name        = "Bob Baker"`, `name        = "Bob B. Baker"`, 1) + `
account "gina" {
  email       = "gina@example.com"
  name        = "Gina"
  departments = [department.eng.id]
  password    = var.initial_password
}
`
	writeFile(t, dir, "main.mf.hcl", config)
	must(0, "plan", "-out", "one.mfplan")
	s.stop(t)

	s = serveAgain()
	r := must(0, "apply", "one.mfplan")
	if !strings.Contains(r.stdout, "1 added, 1 changed, 0 destroyed") {
		t.Fatalf("apply of the saved plan:\n%s", r)
	}
	out := s.stop(t)
	for endpoint, want := range map[string]int{"user/list": 0, "department/list": 0, "user/get": 1, "user/create": 1, "user/update": 1} {
		if n := servedCount(t, out, endpoint); n != want {
			t.Errorf("%s called %d times applying the saved plan, want %d\n%s", endpoint, n, want, out)
		}
	}

	s = serveAgain()
	writeFile(t, dir, "main.mf.hcl", strings.Replace(config, `name        = "Bob B. Baker"`, `name        = "Bobby"`, 1))
	must(0, "plan", "-out", "two.mfplan")
	s.call(t, http.MethodPost, "user/update", map[string]any{"userid": "bob@example.com", "name": "Robert (console)"})
	r = must(1, "apply", "two.mfplan")
	if !strings.Contains(r.output(), "changed since plan") || !strings.Contains(r.output(), "name changed outside mailform") {
		t.Errorf("apply of a plan whose account changed since:\n%s", r)
	}
	s.stop(t)
	for _, it := range sandboxItems(t, dir, "account") {
		if it.Attrs["email"] == "bob@example.com" && it.Attrs["name"] != "Robert (console)" {
			t.Errorf("bob's name is %v: the console's change was overwritten", it.Attrs["name"])
		}
	}
}
