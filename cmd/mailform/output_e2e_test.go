package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const outputConfig = `
provider "sandbox" {}
variable "pw" {
  type      = string
  sensitive = true
  default   = "Very-Secret-Passw0rd"
}
domain "corp" { name = "example.com" }
department "teams" {
  for_each = toset(["ops", "sales"])
  name     = each.key
}
account "a" {
  email    = "a@example.com"
  name     = "A"
  password = var.pw
}
output "team_count" { value = length(department.teams) }
output "ops_id"     { value = department.teams["ops"].id }
output "mx"         { value = ["mxbiz1.qq.com", "mxbiz2.qq.com"] }
output "contact" {
  value     = "postmaster@example.com"
  sensitive = true
}
output "pw" { value = var.pw }
`

// TestOutputCommand: apply stores the outputs in state; `output` prints them with
// sensitive ones hidden, by name, as -json and -raw; a secret is never stored.
func TestOutputCommand(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": outputConfig})
	r := mustRun(t, dir, 1, "output")
	if !strings.Contains(r.stderr, "no state yet") || !strings.Contains(r.stderr, "mailform apply") {
		t.Errorf("output before any apply: %s", r)
	}

	plan := mustRun(t, dir, 0, "plan", "-json")
	var jp struct {
		OutputChanges map[string]struct {
			Action       string          `json:"action"`
			After        json.RawMessage `json:"after"`
			AfterUnknown bool            `json:"after_unknown"`
			Sensitive    bool            `json:"sensitive"`
		} `json:"output_changes"`
	}
	if err := json.Unmarshal([]byte(plan.stdout), &jp); err != nil {
		t.Fatalf("plan -json: %v\n%s", err, plan.stdout)
	}
	if c := jp.OutputChanges["ops_id"]; c.Action != "create" || !c.AfterUnknown {
		t.Errorf("ops_id in plan JSON: %+v, want create, known after apply", c)
	}
	if c := jp.OutputChanges["team_count"]; c.Action != "create" || string(c.After) != "2" {
		t.Errorf("team_count in plan JSON: %+v", c)
	}
	if c := jp.OutputChanges["contact"]; !c.Sensitive || string(c.After) != "null" {
		t.Errorf("contact in plan JSON is not hidden: %+v", c)
	}
	if strings.Contains(plan.stdout, "postmaster@") || strings.Contains(plan.stdout, "Very-Secret") {
		t.Errorf("plan JSON shows a sensitive output:\n%s", plan.stdout)
	}

	mustRun(t, dir, 0, "apply", "-auto-approve")
	if st := readFile(t, dir, "mailform.state"); strings.Contains(st, "Very-Secret") || !strings.Contains(st, `"withheld": true`) {
		t.Errorf("state holds the password output in clear, or does not mark it withheld:\n%s", st)
	}

	r = mustRun(t, dir, 0, "output")
	for _, want := range []string{"team_count = 2\n", `ops_id = "`, "mx = [\"mxbiz1.qq.com\", \"mxbiz2.qq.com\"]", "contact = (sensitive)", "pw = (sensitive)"} {
		if !strings.Contains(unaligned(r.stdout), want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.output(), "postmaster@") {
		t.Errorf("output shows a sensitive value:\n%s", r)
	}

	show := mustRun(t, dir, 0, "show")
	if i := strings.Index(show.stdout, "\nOutputs:\n"); i < 0 || !strings.Contains(unaligned(show.stdout[i:]), "team_count = 2\n") ||
		!strings.Contains(unaligned(show.stdout[i:]), "contact = (sensitive)") || strings.Contains(show.output(), "postmaster@") {
		t.Errorf("show does not end with the outputs, sensitive ones hidden:\n%s", show)
	}

	if r := mustRun(t, dir, 0, "output", "team_count"); r.stdout != "2\n" {
		t.Errorf("output team_count = %q", r.stdout)
	}
	if r := mustRun(t, dir, 0, "output", "contact"); strings.TrimSpace(r.stdout) != "(sensitive)" {
		t.Errorf("output contact = %q, want (sensitive)", r.stdout)
	}
	if r := mustRun(t, dir, 0, "output", "-raw", "contact"); r.stdout != "postmaster@example.com" {
		t.Errorf("output -raw contact = %q", r.stdout)
	}
	if r := mustRun(t, dir, 0, "output", "-json", "mx"); strings.Join(strings.Fields(r.stdout), "") != `["mxbiz1.qq.com","mxbiz2.qq.com"]` {
		t.Errorf("output -json mx = %q", r.stdout)
	}
	all := mustRun(t, dir, 0, "output", "-json")
	var got map[string]struct {
		Sensitive bool            `json:"sensitive"`
		Value     json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(all.stdout), &got); err != nil {
		t.Fatalf("output -json: %v\n%s", err, all.stdout)
	}
	if string(got["contact"].Value) != `"postmaster@example.com"` || !got["contact"].Sensitive || string(got["pw"].Value) != "null" {
		t.Errorf("output -json: %s", all.stdout)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"output", "team_cont"}, `Did you mean "team_count"?`},
		{[]string{"output", "-raw", "mx"}, "-raw prints only strings, numbers and bools"},
		{[]string{"output", "-raw", "pw"}, "never stores secrets in clear"},
		{[]string{"output", "-raw"}, "give its name"},
	} {
		r := mustRun(t, dir, 1, c.args...)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("mailform %s: want %q in:\n%s", strings.Join(c.args, " "), c.want, r)
		}
		if strings.Contains(r.output(), "Very-Secret") {
			t.Errorf("mailform %s printed the secret", strings.Join(c.args, " "))
		}
	}

	// An output that changes with no resource change is stored by apply alone.
	editFile(t, dir, "main.mf.hcl", `output "mx"         { value = ["mxbiz1.qq.com", "mxbiz2.qq.com"] }`, `output "mx" { value = ["mxbiz1.qq.com"] }`)
	r = mustRun(t, dir, 0, "plan")
	if !strings.Contains(r.stdout, "Changes to Outputs:") || !strings.Contains(r.stdout, "~ mx = ") {
		t.Errorf("plan does not show the output change:\n%s", r.stdout)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if r := mustRun(t, dir, 0, "output", "-json", "mx"); strings.Join(strings.Fields(r.stdout), "") != `["mxbiz1.qq.com"]` {
		t.Errorf("after apply, output mx = %q", r.stdout)
	}
	if r := mustRun(t, dir, 0, "plan"); strings.Contains(r.stdout, "Changes to Outputs") {
		t.Errorf("re-plan still shows output changes:\n%s", r.stdout)
	}
}
