package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/state/pgtest"
)

// The test cluster is started by the first test that needs it and stopped after all.
var (
	pgOnce   sync.Once
	pgServer *pgtest.Server
	pgErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgServer != nil {
		pgServer.Stop()
	}
	os.Exit(code)
}

// pgConnStr returns the shared test cluster's connection string, skipping the test
// when PostgreSQL is not installed (failing it when MAILFORM_REQUIRE_PG=1).
func pgConnStr(t *testing.T) string {
	t.Helper()
	pgOnce.Do(func() { pgServer, pgErr = pgtest.Start() })
	pgtest.Skip(t, "state", pgErr)
	return pgServer.ConnStr()
}

// newPG returns a backend on the test cluster for schema and workspace, closed when
// the test ends.
func newPG(t *testing.T, schema, workspace string) *PG {
	t.Helper()
	p, err := NewPG(PGConfig{ConnStr: pgConnStr(t), Schema: schema, Workspace: workspace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// adminExec runs sql on the test cluster as the superuser.
func adminExec(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgConnStr(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func sampleResources() []*Resource {
	frozen := time.Date(2027, 1, 21, 9, 0, 0, 0, time.UTC)
	return []*Resource{
		{Address: "department.sales", Type: "department", Provider: "sandbox", ID: "d1", MatchKey: "Sales",
			Attrs: model.Object{"name": "Sales"}},
		{Address: `account.staff["bob@example.com"]`, Type: "account", Provider: "sandbox", ID: "a2",
			Attrs:          model.Object{"email": "bob@example.com", "name": "Bob", "departments": []string{"d1"}, "quota_mb": int64(2048)},
			PreventDestroy: true, FrozenAt: &frozen},
	}
}

func TestPGLoadEmpty(t *testing.T) {
	p := newPG(t, "", t.Name())
	st, err := p.Load()
	if err != nil {
		t.Fatal(err)
	}
	if st.Serial != 0 || st.Lineage == "" || len(st.Resources) != 0 || st.Version != Version {
		t.Fatalf("a workspace without a row must load as a new empty state, got %+v", st)
	}
}

func TestPGSaveLoadRoundTrip(t *testing.T) {
	p := newPG(t, "", t.Name())
	st, err := p.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sampleResources() {
		st.Set(r)
	}
	for want := uint64(1); want <= 2; want++ {
		if err := p.Save(st); err != nil {
			t.Fatal(err)
		}
		if st.Serial != want {
			t.Fatalf("Save must bump the serial to %d, got %d", want, st.Serial)
		}
	}
	// A second backend is a second run: it reads what the first one stored.
	got, err := newPG(t, "", t.Name()).Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.Lineage != st.Lineage || got.Serial != 2 || len(got.Resources) != 2 {
		t.Fatalf("loaded %s serial %d with %d resources, want %s serial 2 with 2", got.Lineage, got.Serial, len(got.Resources), st.Lineage)
	}
	for _, want := range sampleResources() {
		r := got.Find(want.Address)
		if r == nil {
			t.Fatalf("%s was not loaded", want.Address)
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("%s round trip:\n got %#v\nwant %#v", want.Address, r, want)
		}
	}
	// Workspaces and schemas are separate states.
	other, err := newPG(t, "team_b", t.Name()).Load()
	if err != nil {
		t.Fatal(err)
	}
	if other.Serial != 0 || len(other.Resources) != 0 {
		t.Fatalf("schema team_b sees another schema's state: %+v", other)
	}
}

func TestPGSaveConflicts(t *testing.T) {
	a, b := newPG(t, "", t.Name()), newPG(t, "", t.Name())
	stA, _ := a.Load()
	stB, _ := b.Load()
	stB.Lineage = stA.Lineage
	if err := a.Save(stA); err != nil {
		t.Fatal(err)
	}
	// Both started from no row: the second first save must not overwrite the first.
	err := b.Save(stB)
	if err == nil || !strings.Contains(err.Error(), "changed by another run") {
		t.Fatalf("a second first save must be refused as a concurrent change, got %v", err)
	}
	if stB.Serial != 0 {
		t.Fatalf("a refused save must leave the serial as it was, got %d", stB.Serial)
	}

	stA2, _ := a.Load()
	stB2, _ := b.Load()
	stA2.Set(sampleResources()[0])
	if err := a.Save(stA2); err != nil {
		t.Fatal(err)
	}
	err = b.Save(stB2)
	if err == nil || !strings.Contains(err.Error(), "changed by another run") || !strings.Contains(err.Error(), "run plan again") {
		t.Fatalf("a save from an old serial must be refused, got %v", err)
	}
	if stB2.Serial != 1 {
		t.Fatalf("a refused save must leave the serial as it was, got %d", stB2.Serial)
	}

	foreign, _ := b.Load()
	foreign.Lineage = "another-lineage"
	err = b.Save(foreign)
	if err == nil || !strings.Contains(err.Error(), "belongs to lineage "+stA.Lineage) {
		t.Fatalf("a state of another lineage must be refused, got %v", err)
	}
	final, _ := a.Load()
	if final.Serial != 2 || final.Find("department.sales") == nil {
		t.Fatalf("refused saves changed the stored state: %+v", final)
	}
}

func TestPGLoadBadRow(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"corrupt", `{"version": 1, "serial": 1}`, "is corrupt (no lineage)"},
		{"newer", `{"version": 99, "lineage": "x", "serial": 1}`, "newer mailform (format version 99"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPG(t, "", t.Name())
			if _, err := p.Load(); err != nil { // creates the tables
				t.Fatal(err)
			}
			adminExec(t, `INSERT INTO mailform_states (name, data, lineage, serial) VALUES ($1, $2::jsonb, 'x', 1)`, t.Name(), tc.data)
			_, err := p.Load()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `workspace "`+t.Name()+`"`) {
				t.Fatalf("want an error naming the row and %q, got %v", tc.want, err)
			}
		})
	}
}

func TestPGWriterGroupCommit(t *testing.T) {
	p := newPG(t, "", t.Name())
	st, err := p.Load()
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(p, st)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- w.Commit(func(s *State) {
				s.Set(&Resource{Address: fmt.Sprintf("department.d%02d", i), Type: "department", Provider: "sandbox",
					ID: fmt.Sprint(i), Attrs: model.Object{"name": fmt.Sprint("D", i)}})
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := newPG(t, "", t.Name()).Load()
	if err != nil {
		t.Fatal(err)
	}
	snap := w.Snapshot()
	if len(got.Resources) != n || got.Serial != snap.Serial || got.Serial == 0 || got.Serial > n {
		t.Fatalf("stored %d resources at serial %d; the writer has serial %d after %d commits", len(got.Resources), got.Serial, snap.Serial, n)
	}
	// The writer's state stays saveable after group commits: its serial is the row's.
	if err := w.Commit(nil); err != nil {
		t.Fatalf("a commit after the group commits: %v", err)
	}
}

func TestNewPGConfig(t *testing.T) {
	t.Setenv(PGConnStrEnv, "")
	t.Setenv("PGUSER", "envuser")
	t.Setenv("PGHOST", "/nonexistent-mailform-socket-dir")
	t.Setenv("PGPORT", "6543")
	t.Setenv("PGDATABASE", "envdb")
	tests := []struct {
		name, env string
		cfg       PGConfig
		want      string
	}{
		{"PG* variables", "", PGConfig{}, `PostgreSQL envuser@/nonexistent-mailform-socket-dir:6543/envdb table public.mailform_states workspace "default"`},
		{"MAILFORM_PG_CONN_STR", "user=mf password=s3cret-pw dbname=mfdb", PGConfig{Schema: "ops", Workspace: "prod"},
			`PostgreSQL mf@/nonexistent-mailform-socket-dir:6543/mfdb table ops.mailform_states workspace "prod"`},
		{"conn_str wins", "user=mf dbname=mfdb", PGConfig{ConnStr: "postgres://cfg:s3cret-pw@/cfgdb?host=/nonexistent-mailform-socket-dir"},
			`PostgreSQL cfg@/nonexistent-mailform-socket-dir:6543/cfgdb`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(PGConnStrEnv, tc.env)
			p, err := NewPG(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if d := p.Describe(); !strings.HasPrefix(d, tc.want) {
				t.Fatalf("Describe() = %s, want prefix %s", d, tc.want)
			}
			_, err = p.Load()
			if err == nil || !strings.Contains(err.Error(), "cannot connect to the pg backend") || strings.Contains(err.Error(), "s3cret-pw") {
				t.Fatalf("an unreachable server must be a clear error without the password, got %v", err)
			}
		})
	}
	_, err := NewPG(PGConfig{ConnStr: "postgres://u:s3cret-pw@host:notaport/db"})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "invalid PostgreSQL connection string") {
		t.Fatalf("a bad connection string must be a clear error without the password, got %v", err)
	}
}

func TestPGHidesPassword(t *testing.T) {
	p, err := NewPG(PGConfig{ConnStr: "host=/tmp user=u password=s3cret-pw"})
	if err != nil {
		t.Fatal(err)
	}
	err = p.fail("cannot save the state", errors.New(`server said: password "s3cret-pw" rejected`))
	if strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "********") {
		t.Fatalf("the password must be masked: %v", err)
	}
}
