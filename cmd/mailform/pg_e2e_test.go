package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/state"
	"github.com/mailform/mailform/state/pgtest"
)

// pgSecret is a password written into the test's conn_str; the test server trusts
// local connections, so it is never checked, only required never to be printed.
const pgSecret = "hunter2-never-printed"

// storedSerial reads the serial of a workspace's row straight from the database.
func storedSerial(t *testing.T, connStr, schema, workspace string) int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, connStr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var serial int64
	err = conn.QueryRow(ctx, `SELECT serial FROM `+pgx.Identifier{schema, "mailform_states"}.Sanitize()+` WHERE name = $1`, workspace).Scan(&serial)
	if err != nil {
		t.Fatalf("reading the state row of workspace %s: %v", workspace, err)
	}
	return serial
}

// TestPGBackend applies the company with its state in PostgreSQL: apply, a plan with
// no changes, a second apply refused while another run holds the lock, force-unlock,
// and the connection string taken from MAILFORM_PG_CONN_STR.
func TestPGBackend(t *testing.T) {
	srv := pgtest.Start1(t, "cmd/mailform")
	connStr := srv.ConnStr() + " password=" + pgSecret
	dir := company(t, false)
	writeFile(t, dir, "backend.mf.hcl", `mailform {
  backend "pg" {
    conn_str    = "`+connStr+`"
    schema_name = "e2e"
  }
}
`)
	var outputs []result
	step := func(code int, args ...string) result {
		t.Helper()
		r := mustRun(t, dir, code, args...)
		outputs = append(outputs, r)
		return r
	}

	r := step(0, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "Apply complete! 10 added") {
		t.Fatalf("apply output:\n%s", r)
	}
	if exists(dir, "mailform.state") {
		t.Fatal("with the pg backend no local state file may be written")
	}
	serial := storedSerial(t, srv.ConnStr(), "e2e", "default")
	if serial == 0 {
		t.Fatal("the applied state is not in e2e.mailform_states")
	}
	r = step(0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan after apply should find no changes:\n%s", r)
	}

	// Another run holds the lock: apply is refused and names it.
	holder, err := state.NewPG(state.PGConfig{ConnStr: srv.ConnStr(), Schema: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	info := state.NewLockInfo("apply")
	if err := holder.Lock(info, 0); err != nil {
		t.Fatal(err)
	}
	editFile(t, dir, "main.mf.hcl", `name        = "Alice Archer"`, `name        = "Alice Archer-Smith"`)
	r = step(1, "apply", "-auto-approve")
	for _, want := range []string{info.Who, "apply since", "lock ID " + info.ID, "mailform force-unlock " + info.ID} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, r)
		}
	}
	if got := storedSerial(t, srv.ConnStr(), "e2e", "default"); got != serial {
		t.Fatalf("the refused apply changed the state: serial %d → %d", serial, got)
	}

	r = step(1, "force-unlock", "0123456789abcdef")
	if !strings.Contains(r.stderr, "locked with ID "+info.ID) {
		t.Fatalf("force-unlock with a wrong ID must refuse and name the real one:\n%s", r)
	}
	r = step(0, "force-unlock", info.ID)
	if !strings.Contains(r.stdout, "lock was removed") {
		t.Fatalf("force-unlock:\n%s", r)
	}
	if err := holder.Unlock(info.ID); err == nil || !strings.Contains(err.Error(), "lost") {
		t.Fatalf("the force-unlocked holder must learn its lock is gone, got %v", err)
	}
	r = step(0, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "1 changed") {
		t.Fatalf("apply after force-unlock:\n%s", r)
	}
	if got := storedSerial(t, srv.ConnStr(), "e2e", "default"); got <= serial {
		t.Fatalf("the apply did not save: serial %d after %d", got, serial)
	}

	// Without conn_str the connection string comes from the environment; another
	// workspace of the same schema is a separate, empty state.
	writeFile(t, dir, "backend.mf.hcl", `mailform {
  backend "pg" {
    schema_name = "e2e"
    workspace   = "staging"
  }
}
`)
	r = mustRunEnv(t, dir, []string{state.PGConnStrEnv + "=" + connStr}, 2, "plan", "-detailed-exitcode")
	outputs = append(outputs, r)
	// Its state is empty, so every live object is adopted by its natural key.
	if n := strings.Count(r.stdout, "will be recorded in state"); n != 10 {
		t.Fatalf("a new workspace must start from an empty state and adopt all 10 objects, got %d:\n%s", n, r)
	}
	r = mustRunEnv(t, dir, []string{"PGHOST=/nonexistent-mailform-pg"}, 1, "plan")
	outputs = append(outputs, r)
	if !strings.Contains(r.stderr, "cannot connect to the pg backend") || !strings.Contains(r.stderr, "MAILFORM_PG_CONN_STR") {
		t.Fatalf("without a connection string the error must say where to give one:\n%s", r)
	}

	for _, o := range outputs {
		if strings.Contains(o.output(), pgSecret) {
			t.Fatalf("the connection password was printed:\n%s", o)
		}
	}
}

// TestPGBackendConfigErrors checks that a wrong backend "pg" block is reported as a
// configuration error naming the problem, without the password and without a server.
func TestPGBackendConfigErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"bad conn_str", `conn_str = "postgres://mf:` + pgSecret + `@db.example:notaport/mail"`, "Invalid pg backend"},
		{"local attribute", `path = "x.state"`, `An argument named "path" is not expected here`},
		{"not a string", `schema_name = ["a"]`, "string required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := company(t, false)
			writeFile(t, dir, "backend.mf.hcl", "mailform {\n  backend \"pg\" {\n    "+tc.body+"\n  }\n}\n")
			r := mustRun(t, dir, 1, "plan")
			if !strings.Contains(r.stderr, tc.want) || strings.Contains(r.output(), pgSecret) {
				t.Fatalf("want %q without the password:\n%s", tc.want, r)
			}
		})
	}
}

// TestPGKillDuringApply SIGKILLs an apply whose state is in PostgreSQL: the server
// ends the dead run's session and with it the lock, so the next apply needs no
// force-unlock, finishes the job from the durable steps, and duplicates nothing.
func TestPGKillDuringApply(t *testing.T) {
	srv := pgtest.Start1(t, "cmd/mailform")
	dir := copyDir(t, "large")
	writeFile(t, dir, "backend.mf.hcl", "mailform {\n  backend \"pg\" {\n    conn_str = \""+srv.ConnStr()+"\"\n  }\n}\n")
	const n = 20
	if done := applyAndKill(t, dir, n); done < n {
		t.Fatalf("apply ended after %d completed steps, before the kill at %d", done, n)
	}
	if got := len(strings.Fields(mustRun(t, dir, 0, "state", "list").stdout)); got < n {
		t.Fatalf("state lists %d resources after %d completed steps: a completed step was not durable", got, n)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if r := mustRun(t, dir, 0, "plan", "-detailed-exitcode"); !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan after the recovery apply:\n%s", r)
	}
	for typ, want := range largeCounts {
		if got := len(sandboxItems(t, dir, typ)); got != want {
			t.Errorf("sandbox has %d %s objects, want %d (duplicates or lost objects)", got, typ, want)
		}
	}
}
