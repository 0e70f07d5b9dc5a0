package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
)

func acct(addr, name string) *Resource {
	return &Resource{Address: addr, Type: "account", Provider: "sandbox", ID: addr, Attrs: model.Object{"name": name}}
}

// Commits are journaled, not written whole; a crash (no Close) leaves a journal that
// Load replays; Close folds it into the state file and removes it.
func TestJournalReplayAndClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mailform.state")
	b := NewLocal(path)
	st, _ := b.Load()
	if err := b.Save(st); err != nil { // a state file at serial 1
		t.Fatal(err)
	}
	w := NewWriter(b, st)
	for i, n := range []string{"a", "b", "c"} {
		if err := w.Commit(func(s *State) { s.Set(acct("account."+n, n)) }); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := w.Commit(func(s *State) { s.Remove("account.a") }); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := os.Stat(path + ".journal"); err != nil {
		t.Fatalf("no journal after commits: %v", err)
	}
	onDisk, err := decodeFile(path)
	if err != nil || len(onDisk.Resources) != 0 {
		t.Fatalf("the state file was rewritten per commit (%d resources, %v); commits should go to the journal", len(onDisk.Resources), err)
	}
	// A new process (a new backend) after a crash sees every committed change.
	got, err := NewLocal(path).Load()
	if err != nil {
		t.Fatal(err)
	}
	if a := strings.Join(got.Addresses(), ","); a != "account.b,account.c" || got.Serial != 5 {
		t.Fatalf("replayed state = %s at serial %d, want account.b,account.c at serial 5", a, got.Serial)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".journal"); !os.IsNotExist(err) {
		t.Fatalf("journal still there after Close: %v", err)
	}
	final, err := decodeFile(path)
	if err != nil || strings.Join(final.Addresses(), ",") != "account.b,account.c" {
		t.Fatalf("state file after Close = %v, %v", final, err)
	}
}

func decodeFile(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeState(data)
}

// A line cut short by a crash was never acknowledged and is ignored; damage before
// the last line, or a journal of another lineage, is an error that names the file.
func TestJournalDamage(t *testing.T) {
	setup := func(t *testing.T) (string, *State) {
		path := filepath.Join(t.TempDir(), "mailform.state")
		b := NewLocal(path)
		st, _ := b.Load()
		w := NewWriter(b, st)
		for _, n := range []string{"a", "b"} {
			if err := w.Commit(func(s *State) { s.Set(acct("account."+n, n)) }); err != nil {
				t.Fatal(err)
			}
		}
		return path, st
	}
	t.Run("torn last line", func(t *testing.T) {
		path, _ := setup(t)
		f, _ := os.OpenFile(path+".journal", os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString(`{"lineage":"x","serial":9,"ops":[{"set":{"addr`)
		f.Close()
		got, err := NewLocal(path).Load()
		if err != nil || strings.Join(got.Addresses(), ",") != "account.a,account.b" {
			t.Fatalf("Load = %v, %v; want the two complete commits", got, err)
		}
	})
	t.Run("damaged middle", func(t *testing.T) {
		path, _ := setup(t)
		data, _ := os.ReadFile(path + ".journal")
		os.WriteFile(path+".journal", append([]byte("garbage\n"), data...), 0o600)
		if _, err := NewLocal(path).Load(); err == nil || !strings.Contains(err.Error(), "damaged at line 1") {
			t.Fatalf("Load = %v, want damage at line 1", err)
		}
	})
	t.Run("other lineage", func(t *testing.T) {
		path, _ := setup(t)
		other := filepath.Join(filepath.Dir(path), "other.state")
		ob := NewLocal(other)
		ost, _ := ob.Load()
		ob.Save(ost)
		data, _ := os.ReadFile(path + ".journal")
		os.WriteFile(other+".journal", data, 0o600)
		if _, err := NewLocal(other).Load(); err == nil || !strings.Contains(err.Error(), "belongs to lineage") {
			t.Fatalf("Load = %v, want a lineage error", err)
		}
	})
}

// A change made behind Set/Remove cannot be journaled: the Writer saves whole.
func TestJournalFallsBackToFullSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mailform.state")
	b := NewLocal(path)
	st, _ := b.Load()
	w := NewWriter(b, st)
	if err := w.Commit(func(s *State) { s.Set(acct("account.a", "A")) }); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(func(s *State) { s.Resources[0].Attrs["name"] = "Changed" }); err != nil {
		t.Fatal(err)
	}
	onDisk, err := decodeFile(path)
	if err != nil || len(onDisk.Resources) != 1 || onDisk.Resources[0].Attrs.Str("name") != "Changed" {
		t.Fatalf("state file after an unrecorded change = %+v, %v; want a full save", onDisk, err)
	}
	if _, err := os.Stat(path + ".journal"); !os.IsNotExist(err) {
		t.Error("the full save left the journal behind")
	}
}
