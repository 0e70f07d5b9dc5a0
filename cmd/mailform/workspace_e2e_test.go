package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailform/mailform/state"
	"github.com/mailform/mailform/state/pgtest"
)

// workspaceConfig keeps each workspace's objects in its own sandbox directory and
// names the workspace in a DNS record and an output, through mailform.workspace.
const workspaceConfig = `
provider "sandbox" {
  dir = ".sandbox-${mailform.workspace}"
}
domain "corp" { name = "example.com" }
dns_record "env" {
  zone    = "example.com"
  name    = "env"
  type    = "TXT"
  records = ["env=${mailform.workspace}"]
}
output "ws" { value = mailform.workspace }
`

// workspaceFlow runs the workspace commands against the backend dir is configured
// with; stateOf tells whether a workspace's state holds resources.
func workspaceFlow(t *testing.T, dir string, stored func(ws string) bool) {
	t.Helper()
	if r := mustRun(t, dir, 0, "workspace", "show"); r.stdout != "default\n" {
		t.Fatalf("workspace show in a fresh directory = %q", r.stdout)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if r := mustRun(t, dir, 0, "output", "-raw", "ws"); r.stdout != "default" {
		t.Errorf("output ws in default = %q", r.stdout)
	}

	r := mustRun(t, dir, 0, "workspace", "new", "staging")
	if !strings.Contains(r.stdout, `Created and switched to workspace "staging"`) {
		t.Errorf("workspace new: %s", r)
	}
	if r := mustRun(t, dir, 0, "workspace", "show"); r.stdout != "staging\n" {
		t.Errorf("workspace show after new = %q", r.stdout)
	}
	if stored("staging") {
		t.Error("a new workspace's state already holds resources")
	}
	if r := mustRun(t, dir, 1, "workspace", "new", "staging"); !strings.Contains(r.stderr, "already exists") {
		t.Errorf("second workspace new: %s", r)
	}
	// The staging state is empty: everything is planned anew, in its own sandbox.
	r = mustRun(t, dir, 0, "plan")
	if !strings.Contains(r.stdout, "Plan: 2 to add") || !strings.Contains(r.stdout, `env=staging`) {
		t.Errorf("plan in a new workspace:\n%s", r)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if _, err := os.Stat(filepath.Join(dir, ".sandbox-staging")); err != nil {
		t.Errorf("the staging workspace did not use its own sandbox: %v", err)
	}
	if r := mustRun(t, dir, 0, "output", "-raw", "ws"); r.stdout != "staging" {
		t.Errorf("output ws in staging = %q", r.stdout)
	}
	if !stored("staging") || !stored("default") {
		t.Error("both workspaces should hold their applied state")
	}
	if r := mustRun(t, dir, 0, "plan", "-detailed-exitcode"); !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("re-plan in staging:\n%s", r)
	}
	// MAILFORM_WORKSPACE overrides the selection.
	if r := runEnv(t, dir, []string{"MAILFORM_WORKSPACE=default"}, "output", "-raw", "ws"); r.code != 0 || r.stdout != "default" {
		t.Errorf("MAILFORM_WORKSPACE=default output ws: %s", r)
	}
	if r := runEnv(t, dir, []string{"MAILFORM_WORKSPACE=prod"}, "plan"); r.code != 1 || !strings.Contains(r.stderr, `workspace "prod" (selected by MAILFORM_WORKSPACE) does not exist`) {
		t.Errorf("plan in a workspace that does not exist: %s", r)
	}
	if r := runEnv(t, dir, []string{"MAILFORM_WORKSPACE=../x"}, "plan"); r.code != 1 || !strings.Contains(r.stderr, "invalid workspace name") {
		t.Errorf("plan with an invalid workspace name: %s", r)
	}

	r = mustRun(t, dir, 0, "workspace", "list")
	if r.stdout != "  default\n* staging\n" {
		t.Errorf("workspace list = %q", r.stdout)
	}
	if r := mustRun(t, dir, 1, "workspace", "select", "stagin"); !strings.Contains(r.stderr, `Did you mean "staging"?`) {
		t.Errorf("select a misspelt workspace: %s", r)
	}
	if r := mustRun(t, dir, 1, "workspace", "delete", "staging"); !strings.Contains(r.stderr, "is the selected workspace") {
		t.Errorf("delete the selected workspace: %s", r)
	}
	mustRun(t, dir, 0, "workspace", "select", "default")
	if r := mustRun(t, dir, 1, "workspace", "delete", "default"); !strings.Contains(r.stderr, "cannot be deleted") {
		t.Errorf("delete default: %s", r)
	}
	if r := mustRun(t, dir, 1, "workspace", "delete", "staging"); !strings.Contains(r.stderr, "still manages 2 resources") || !strings.Contains(r.stderr, "-force") {
		t.Errorf("delete a non-empty workspace: %s", r)
	}
	if !stored("staging") {
		t.Fatal("a refused delete removed the state")
	}
	mustRun(t, dir, 0, "workspace", "delete", "-force", "staging")
	if r := mustRun(t, dir, 0, "workspace", "list"); r.stdout != "* default\n" {
		t.Errorf("workspace list after delete = %q", r.stdout)
	}
	if stored("staging") {
		t.Error("the deleted workspace's state is still there")
	}
	if r := mustRun(t, dir, 0, "plan", "-detailed-exitcode"); !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("the default workspace changed:\n%s", r)
	}
	// An empty workspace is deleted without -force.
	mustRun(t, dir, 0, "workspace", "new", "tmp")
	mustRun(t, dir, 0, "workspace", "select", "default")
	mustRun(t, dir, 0, "workspace", "delete", "tmp")
	if r := mustRun(t, dir, 1, "workspace", "delete", "tmp"); !strings.Contains(r.stderr, `workspace "tmp" does not exist`) {
		t.Errorf("delete a deleted workspace: %s", r)
	}
}

// TestWorkspacesLocal: Terraform's layout (mailform.state, mailform.state.d/NAME/),
// selection remembered in .mailform/environment, per-workspace locks.
func TestWorkspacesLocal(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": workspaceConfig})
	stored := func(ws string) bool {
		p := filepath.Join(dir, "mailform.state")
		if ws != "default" {
			p = filepath.Join(dir, "mailform.state.d", ws, "mailform.state")
		}
		data, err := os.ReadFile(p)
		return err == nil && strings.Contains(string(data), `"address"`)
	}
	workspaceFlow(t, dir, stored)
	if _, err := os.Stat(filepath.Join(dir, "mailform.state.d", "staging")); !os.IsNotExist(err) {
		t.Errorf("the deleted workspace's directory is still there: %v", err)
	}

	// Locks are per workspace: a lock held on default does not stop staging.
	mustRun(t, dir, 0, "workspace", "new", "staging")
	holder := state.NewLocal(filepath.Join(dir, "mailform.state"))
	info := state.NewLockInfo("apply")
	if err := holder.Lock(info, 0); err != nil {
		t.Fatal(err)
	}
	defer holder.Unlock(info.ID)
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if r := runEnv(t, dir, []string{"MAILFORM_WORKSPACE=default"}, "plan"); r.code != 1 || !strings.Contains(r.stderr, "state is locked") {
		t.Errorf("plan in the locked default workspace: %s", r)
	}
	if got := readFile(t, dir, ".mailform/environment"); got != "staging\n" {
		t.Errorf(".mailform/environment = %q", got)
	}
	// delete takes the workspace's lock: a run holding it keeps its state.
	mustRun(t, dir, 0, "workspace", "select", "default")
	busy := state.NewLocal(filepath.Join(dir, "mailform.state.d", "staging", "mailform.state"))
	binfo := state.NewLockInfo("apply")
	if err := busy.Lock(binfo, 0); err != nil {
		t.Fatal(err)
	}
	if r := mustRun(t, dir, 1, "workspace", "delete", "-force", "staging"); !strings.Contains(r.stderr, "state is locked") {
		t.Errorf("delete of a locked workspace: %s", r)
	}
	busy.Unlock(binfo.ID)
	if !stored("staging") {
		t.Error("a refused delete removed the state of a locked workspace")
	}

	// A saved plan is applied only in the workspace it was made in.
	editFile(t, dir, "main.mf.hcl", `records = ["env=${mailform.workspace}"]`, `records = ["env=${mailform.workspace}", "v=2"]`)
	mustRun(t, dir, 0, "workspace", "select", "staging")
	mustRun(t, dir, 0, "plan", "-out", "staging.plan")
	mustRun(t, dir, 0, "workspace", "select", "default")
	if r := mustRun(t, dir, 1, "apply", "staging.plan"); !strings.Contains(r.stderr, `was made in workspace "staging", and the selected workspace is "default"`) {
		t.Errorf("apply of another workspace's plan: %s", r)
	}
	if r := runEnv(t, dir, []string{"MAILFORM_WORKSPACE=staging"}, "apply", "staging.plan"); r.code != 0 {
		t.Errorf("apply of the plan in its workspace: %s", r)
	}
}

// TestWorkspacesPG: the same on the pg backend, each workspace one row, and a
// backend with its own workspace prefix keeps its rows apart.
func TestWorkspacesPG(t *testing.T) {
	srv := pgtest.Start1(t, "cmd/mailform")
	dir := writeFiles(t, map[string]string{"main.mf.hcl": workspaceConfig, "backend.mf.hcl": `mailform {
  backend "pg" {
    conn_str    = "` + srv.ConnStr() + `"
    schema_name = "ws"
  }
}
`})
	stored := func(ws string) bool {
		b, err := state.NewPG(state.PGConfig{ConnStr: srv.ConnStr(), Schema: "ws", Workspace: ws})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		st, err := b.Load()
		if err != nil {
			t.Fatal(err)
		}
		return len(st.Resources) > 0
	}
	workspaceFlow(t, dir, stored)
	if exists(dir, "mailform.state") || exists(dir, "mailform.state.d") {
		t.Error("the pg backend wrote local state")
	}

	// Per-workspace locks on the server.
	mustRun(t, dir, 0, "workspace", "new", "staging")
	holder, err := state.NewPG(state.PGConfig{ConnStr: srv.ConnStr(), Schema: "ws"})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	info := state.NewLockInfo("apply")
	if err := holder.Lock(info, 0); err != nil {
		t.Fatal(err)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if r := runEnv(t, dir, []string{"MAILFORM_WORKSPACE=default"}, "plan"); r.code != 1 || !strings.Contains(r.stderr, "state is locked") {
		t.Errorf("plan in the locked default workspace: %s", r)
	}
	holder.Unlock(info.ID)

	// A backend with workspace = "team" names its rows team and team/NAME.
	other := writeFiles(t, map[string]string{"main.mf.hcl": workspaceConfig, "backend.mf.hcl": `mailform {
  backend "pg" {
    conn_str    = "` + srv.ConnStr() + `"
    schema_name = "ws"
    workspace   = "team"
  }
}
`})
	if r := mustRun(t, other, 0, "workspace", "list"); r.stdout != "* default\n" {
		t.Errorf("workspace list of the prefixed backend = %q (another configuration's rows leaked in)", r.stdout)
	}
	mustRun(t, other, 0, "workspace", "new", "qa")
	mustRun(t, other, 0, "apply", "-auto-approve")
	if storedSerial(t, srv.ConnStr(), "ws", "team/qa") == 0 {
		t.Error("workspace qa of the prefixed backend is not row team/qa")
	}
	if r := mustRun(t, dir, 0, "workspace", "list"); r.stdout != "  default\n* staging\n" {
		t.Errorf("workspace list of the first configuration = %q", r.stdout)
	}
}
