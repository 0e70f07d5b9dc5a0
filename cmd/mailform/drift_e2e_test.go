package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/sandbox/tenant"
	"github.com/mailform/mailform/state"
)

var updateGolden = flag.Bool("update", false, "rewrite docs/quickstart-plan.md from examples/quickstart")

const driftCompany = `
domain "corp" {
  name = "example.com"
}

department "sales" {
  name = "Sales"
}

account "alice" {
  email       = "alice@example.com"
  name        = "Alice"
  departments = [department.sales.id]
  password    = "Initial-Passw0rd!"
}

account "bob" {
  email = "bob@example.com"
  name  = "Bob"
}

group "all" {
  email   = "all@example.com"
  name    = "All"
  members = [account.alice.email, account.bob.email]
}

dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}
`

// sandboxCompany is driftCompany served by the sandbox.
const sandboxCompany = driftCompany + `
provider "sandbox" {}
`

// jsonDrift is the part of drift -json (docs/drift-json.md) the tests read.
type jsonDrift struct {
	FormatVersion string `json:"format_version"`
	Drift         bool
	Summary       map[string]int
	Items         []struct {
		Kind, Address, Type, ID, Reason string
		Attributes                      []map[string]any
		Adopt                           string
	}
}

func driftJSON(t *testing.T, dir string, wantCode int, args ...string) jsonDrift {
	t.Helper()
	r := mustRun(t, dir, wantCode, append([]string{"drift", "-json"}, args...)...)
	var d jsonDrift
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("drift -json is not JSON: %v\n%s", err, r)
	}
	if d.FormatVersion != "1" {
		t.Errorf("format_version %q", d.FormatVersion)
	}
	return d
}

// items renders the JSON items as "kind address attr:applied->other" lines.
func (d jsonDrift) items() []string {
	var out []string
	for _, it := range d.Items {
		s := it.Kind + " " + it.Address
		for _, a := range it.Attributes {
			other := a["live"]
			if it.Kind == "not_applied" {
				other = a["configured"]
			}
			s += fmt.Sprintf(" %s:%v->%v", a["name"], a["applied"], other)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// console changes the sandbox tenant of dir as an administrator would.
func console(t *testing.T, dir string, change func(s *tenant.Store) error) {
	t.Helper()
	s, err := tenant.Open(filepath.Join(dir, ".sandbox"), tenant.Options{})
	if err != nil {
		t.Fatalf("opening the sandbox tenant: %v", err)
	}
	defer s.Close()
	if err := change(s); err != nil {
		t.Fatalf("console change: %v", err)
	}
}

func TestDriftCommand(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": sandboxCompany})
	mustRun(t, dir, 0, "apply", "-auto-approve")
	r := mustRun(t, dir, 0, "drift")
	if !strings.Contains(r.stdout, "No drift.") {
		t.Fatalf("right after apply: %s", r)
	}

	// Four differences, one of each kind of change: two in the console, one new
	// mailbox there, and one merged configuration edit nobody applied.
	console(t, dir, func(s *tenant.Store) error {
		if _, err := s.UpdateAccount("alice@example.com", func(o model.Object) error { o["name"] = "Alice Smith"; return nil }); err != nil {
			return err
		}
		if _, err := s.UpdateAccount("bob@example.com", func(o model.Object) error { o["status"] = "frozen"; return nil }); err != nil {
			return err
		}
		_, err := s.Create("account", "", model.Object{"email": "eve@example.com", "name": "Eve", "status": "active"})
		return err
	})
	editFile(t, dir, "main.mf.hcl", `name    = "All"`, `name    = "Everyone"`)
	stateBefore := readFile(t, dir, "mailform.state")

	r = mustRun(t, dir, 2, "drift")
	for _, want := range []string{
		"Drift detected: 2 changed outside mailform, 1 not yet applied, 1 unmanaged.",
		`name: "Alice" -> "Alice Smith"`,
		`status: "active" -> "frozen"`,
		`name: "All" -> "Everyone"`,
		`account "eve@example.com" (provider sandbox)`,
		"to = account.eve",
		"run: mailform plan, then mailform apply",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("drift output lacks %q:\n%s", want, r)
		}
	}
	sections := map[string]string{}
	parts := strings.Split(r.stdout, "\n\n")
	for _, p := range parts {
		switch {
		case strings.HasPrefix(p, "Changed outside"):
			sections["changed"] = p
		case strings.HasPrefix(p, "Not yet applied"):
			sections["not_applied"] = p
		case strings.HasPrefix(p, "Unmanaged"):
			sections["unmanaged"] = p
		}
	}
	if s := sections["changed"]; !strings.Contains(s, "account.alice") || !strings.Contains(s, "account.bob") || strings.Contains(s, "group.all") {
		t.Errorf("changed-outside section:\n%s", s)
	}
	if s := sections["not_applied"]; !strings.Contains(s, "group.all") || strings.Contains(s, "account.") {
		t.Errorf("not-applied section:\n%s", s)
	}
	if s := sections["unmanaged"]; !strings.Contains(s, "eve@example.com") {
		t.Errorf("unmanaged section:\n%s", s)
	}

	d := driftJSON(t, dir, 2)
	want := []string{
		"changed_outside account.alice name:Alice->Alice Smith",
		"changed_outside account.bob status:active->frozen",
		"not_applied group.all name:All->Everyone",
		"unmanaged account.eve",
	}
	if got := d.items(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("drift -json items:\n got %q\nwant %q", got, want)
	}
	if !d.Drift || d.Summary["changed_outside"] != 2 || d.Summary["not_applied"] != 1 || d.Summary["unmanaged"] != 1 {
		t.Errorf("summary %v", d.Summary)
	}
	if got := readFile(t, dir, "mailform.state"); got != stateBefore {
		t.Error("drift changed the state file")
	}
	if names := sandboxAttr(t, dir, "account", "name"); !contains(names, "Alice Smith") {
		t.Errorf("drift changed a live object: names %v", names)
	}

	// Ignore rules silence known differences, from the command line and the settings.
	d = driftJSON(t, dir, 2, "-ignore", "account.alice.name", "-ignore", "account.bob")
	if got := d.items(); len(got) != 2 || d.Summary["ignored"] != 2 {
		t.Errorf("with -ignore: %q, ignored %d", got, d.Summary["ignored"])
	}

	// Apply puts the console changes back and applies the edit; the new mailbox is
	// still unmanaged until the configuration adopts it with the printed snippet.
	mustRun(t, dir, 0, "apply", "-auto-approve")
	d = driftJSON(t, dir, 2)
	if got := d.items(); len(got) != 1 || got[0] != "unmanaged account.eve" {
		t.Fatalf("after apply: %q", got)
	}
	writeFile(t, dir, "adopted.mf.hcl", d.Items[0].Adopt)
	r = mustRun(t, dir, 0, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "account.eve") {
		t.Errorf("apply did not adopt account.eve:\n%s", r)
	}
	r = mustRun(t, dir, 0, "drift")
	if !strings.Contains(r.stdout, "No drift.") {
		t.Errorf("after adopting: %s", r)
	}
	if st := readFile(t, dir, "mailform.state"); !strings.Contains(st, `"account.eve"`) {
		t.Error("account.eve is not in state after the adopting apply")
	}
}

func TestDriftIgnoreSetting(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": sandboxCompany})
	mustRun(t, dir, 0, "apply", "-auto-approve")
	console(t, dir, func(s *tenant.Store) error {
		_, err := s.Create("account", "", model.Object{"email": "scanner@example.com", "name": "Scanner", "status": "active"})
		return err
	})
	mustRun(t, dir, 2, "drift")
	writeFile(t, dir, "settings.mf.hcl", "mailform {\n  drift {\n    ignore = [\"account.scanner\"]\n  }\n}\n")
	r := mustRun(t, dir, 0, "drift")
	if !strings.Contains(r.stdout, "1 ignored") {
		t.Errorf("ignored count missing:\n%s", r)
	}
	r = mustRun(t, dir, 1, "drift", "-ignore", "account.alice.colour")
	if !strings.Contains(r.stderr, `account has no attribute "colour"`) {
		t.Errorf("bad -ignore entry:\n%s", r)
	}
}

// TestDriftProviderErrors checks that an unreachable or busy provider is an error,
// exit 1, never drift and never an empty report.
func TestDriftProviderErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	t.Run("rfc2136 server not listening", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"main.mf.hcl": `
provider "sandbox" {}
provider "rfc2136" {
  server    = "` + closed + `"
  transport = "tcp"
  timeout   = "2s"
}
` + driftCompany})
		for _, args := range [][]string{{"drift"}, {"drift", "-json"}} {
			r := run(t, dir, args...)
			if r.code != 1 {
				t.Fatalf("mailform %v: want exit 1, got %s", args, r)
			}
			if strings.TrimSpace(r.stdout) != "" || !strings.Contains(r.stderr, "Cannot read live objects") || !strings.Contains(r.stderr, "rfc2136") {
				t.Errorf("mailform %v: want the error on stderr and no report:\n%s", args, r)
			}
		}
	})

	t.Run("sandbox held by another process", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"main.mf.hcl": "provider \"sandbox\" {\n  lock_timeout = 1\n}\n" + driftCompany})
		mustRun(t, dir, 0, "apply", "-auto-approve")
		s, err := tenant.Open(filepath.Join(dir, ".sandbox"), tenant.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		r := run(t, dir, "drift")
		if r.code != 1 || strings.Contains(r.stdout, "drift") || !strings.Contains(r.stderr, "Cannot read live objects") {
			t.Errorf("drift of a busy sandbox: want exit 1 and an error, got %s", r)
		}
	})
}

// TestDriftIgnoresStateLock checks that drift reads the state while an apply holds
// the lock: saves are atomic renames, so the read is consistent and drift never waits.
func TestDriftIgnoresStateLock(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": sandboxCompany})
	mustRun(t, dir, 0, "apply", "-auto-approve")
	b := state.NewLocal(filepath.Join(dir, "mailform.state"))
	info := state.NewLockInfo("apply")
	if err := b.Lock(info, 0); err != nil {
		t.Fatal(err)
	}
	defer b.Unlock(info.ID)
	mustRun(t, dir, 0, "drift")
	if _, err := os.Stat(filepath.Join(dir, "mailform.state.lock")); err != nil {
		t.Logf("lock file: %v", err)
	}
	mustRun(t, dir, 1, "plan") // plan does take the lock
}

func TestAutomationFlags(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": sandboxCompany})
	r := mustRun(t, dir, 1, "apply", "-input=false")
	if !strings.Contains(r.stderr, "input is off") || !strings.Contains(r.stderr, "-auto-approve") {
		t.Errorf("apply -input=false:\n%s", r)
	}
	r = runEnv(t, dir, []string{"MAILFORM_IN_AUTOMATION=1"}, "apply")
	if r.code != 1 || !strings.Contains(r.stderr, "input is off") {
		t.Errorf("apply in automation: want exit 1, got %s", r)
	}
	if sandboxAttr(t, dir, "account", "email") != nil {
		t.Error("a refused apply created accounts")
	}
	r = runEnv(t, dir, []string{"MAILFORM_IN_AUTOMATION=true"}, "plan", "-out", "tfplan")
	if r.code != 0 || strings.Contains(r.stdout, "run: mailform apply") {
		t.Errorf("plan -out in automation must not print the next-command hint: %s", r)
	}
	r = mustRun(t, dir, 0, "plan", "-out", "tfplan2")
	if !strings.Contains(r.stdout, "run: mailform apply tfplan2") {
		t.Errorf("plan -out at a desk prints the hint: %s", r)
	}
	mustRun(t, dir, 0, "apply", "-input=false", "tfplan") // a saved plan needs no confirmation
	mustRun(t, dir, 0, "apply", "-input=false", "-auto-approve")
	mustRun(t, dir, 0, "drift")
	r = runEnv(t, dir, []string{"MAILFORM_IN_AUTOMATION=1"}, "drift")
	if r.code != 0 {
		t.Errorf("drift in automation: %s", r)
	}
	console(t, dir, func(s *tenant.Store) error {
		_, err := s.UpdateAccount("bob@example.com", func(o model.Object) error { o["name"] = "Robert"; return nil })
		return err
	})
	r = runEnv(t, dir, []string{"MAILFORM_IN_AUTOMATION=1"}, "drift")
	if r.code != 2 || strings.Contains(r.stdout, "mailform plan") || !strings.Contains(r.stdout, `"Bob" -> "Robert"`) {
		t.Errorf("drift in automation: want exit 2 without hints, got %s", r)
	}
}

func TestPlanMarkdown(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": sandboxCompany})
	r := mustRun(t, dir, 0, "plan", "-markdown", "-out", "pr.plan")
	if !strings.HasPrefix(r.stdout, "### mailform plan: 6 to add, 0 to change, 0 to destroy") || strings.Contains(r.stdout, "Initial-Passw0rd") {
		t.Errorf("plan -markdown:\n%s", r)
	}
	s := mustRun(t, dir, 0, "show", "-format=markdown", "pr.plan")
	if s.stdout != r.stdout {
		t.Errorf("show -format=markdown differs from plan -markdown:\n%s\n---\n%s", s.stdout, r.stdout)
	}
	j := mustRun(t, dir, 0, "show", "-format=json", "pr.plan")
	if !json.Valid([]byte(j.stdout)) || !strings.Contains(j.stdout, `"format_version"`) {
		t.Errorf("show -format=json:\n%s", j)
	}
	if r := mustRun(t, dir, 1, "show", "-format=markdown"); !strings.Contains(r.stderr, "PLANFILE") {
		t.Errorf("show -format=markdown without a plan: %s", r)
	}
	if r := mustRun(t, dir, 1, "show", "-format=yaml", "pr.plan"); !strings.Contains(r.stderr, "human, json or markdown") {
		t.Errorf("show -format=yaml: %s", r)
	}
}

// TestQuickstartPlanMarkdown keeps docs/quickstart-plan.md, the pull-request comment
// of the quickstart's first plan, in step with the code: go test ./cmd/mailform -run
// QuickstartPlanMarkdown -update rewrites it.
func TestQuickstartPlanMarkdown(t *testing.T) {
	dir := exampleCopy(t, "quickstart", configOnly) // no state, no sandbox: the first plan
	r := mustRun(t, dir, 0, "plan", "-markdown")
	golden := filepath.Join("..", "..", "docs", "quickstart-plan.md")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/mailform -run QuickstartPlanMarkdown -update)", err)
	}
	if r.stdout != string(want) {
		t.Errorf("the quickstart's first plan no longer matches docs/quickstart-plan.md; if the change is intended, rerun with -update.\n--- got\n%s", r.stdout)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDriftCronScript runs examples/ci/drift-cron.sh as cron would: silent without
// drift, the report and exit 2 with drift, exit 1 on an error.
func TestDriftCronScript(t *testing.T) {
	script, err := filepath.Abs(filepath.Join("..", "..", "examples", "ci", "drift-cron.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh to run the cron wrapper with")
	}
	dir := writeFiles(t, map[string]string{"main.mf.hcl": sandboxCompany})
	mustRun(t, dir, 0, "apply", "-auto-approve")
	cron := func() result {
		t.Helper()
		cmd := exec.Command("/bin/sh", script, dir)
		cmd.Env = append(baseEnv(), "PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"))
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		r := result{stdout: out.String(), stderr: errb.String()}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := cron(); r.code != 0 || r.output() != "" {
		t.Errorf("no drift: want exit 0 and no output (no mail), got %s", r)
	}
	console(t, dir, func(s *tenant.Store) error {
		_, err := s.UpdateAccount("bob@example.com", func(o model.Object) error { o["name"] = "Robert"; return nil })
		return err
	})
	r := cron()
	if r.code != 2 || !strings.Contains(r.stdout, "differs from its configuration") || !strings.Contains(r.stdout, `"Bob" -> "Robert"`) || strings.Contains(r.stdout, "run: mailform plan") {
		t.Errorf("drift: want exit 2 and the report without hints, got %s", r)
	}
	writeFile(t, dir, "main.mf.hcl", "this is not HCL {")
	if r := cron(); r.code != 1 || !strings.Contains(r.stdout, "FAILED") {
		t.Errorf("error: want exit 1 and FAILED, got %s", r)
	}
}
