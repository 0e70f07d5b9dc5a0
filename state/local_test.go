package state

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
)

func newLocal(t *testing.T) (*Local, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mailform.state")
	return NewLocal(path).(*Local), path
}

func TestLoadMissingIsNewState(t *testing.T) {
	l, _ := newLocal(t)
	st, err := l.Load()
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != Version || st.Serial != 0 || len(st.Resources) != 0 {
		t.Errorf("new state = %+v", st)
	}
	if len(st.Lineage) != 36 || strings.Count(st.Lineage, "-") != 4 {
		t.Errorf("lineage %q is not UUID-shaped", st.Lineage)
	}
	other, _ := l.Load()
	if other.Lineage == st.Lineage {
		t.Error("two new states share a lineage")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	l, path := newLocal(t)
	st, _ := l.Load()
	frozen := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	st.Set(&Resource{Address: `account.staff["b@x.com"]`, Type: "account", Provider: "sandbox", ID: "b@x.com",
		MatchKey: "b@x.com", FrozenAt: &frozen,
		Attrs: model.Object{
			"email": "b@x.com", "name": "B", "quota_mb": int64(2048), "imap_smtp": true,
			"departments": []string{"1", "2"}, "password": HashSecret("pw"),
			"offboarding": model.Object{"handover_to": "a@x.com", "retain_days": int64(45)},
		}})
	st.Set(&Resource{Address: "dns_record.mx", Type: "dns_record", Provider: "rfc2136.corp", ID: "x.com/@/MX",
		Attrs: model.Object{"zone": "x.com", "name": "@", "type": "MX", "records": []string{"5 mxbiz1.qq.com."}, "ttl": int64(600)}})
	st.Set(&Resource{Address: "department.d", Type: "department", Pending: "create", Attrs: model.Object{"name": "D", "order": int64(0)}})
	if err := l.Save(st); err != nil {
		t.Fatal(err)
	}
	if st.Serial != 1 {
		t.Errorf("Serial after first Save = %d, want 1", st.Serial)
	}
	got, err := NewLocal(path).Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.Lineage != st.Lineage || got.Serial != 1 {
		t.Errorf("lineage/serial = %s/%d, want %s/1", got.Lineage, got.Serial, st.Lineage)
	}
	for _, want := range st.Resources {
		r := got.Find(want.Address)
		if r == nil {
			t.Fatalf("%s missing after load", want.Address)
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("%s round-tripped as\n%#v\nwant\n%#v", want.Address, r, want)
		}
	}
	if err := l.Save(got); err != nil || got.Serial != 2 {
		t.Errorf("second Save: err %v, serial %d, want 2", err, got.Serial)
	}
}

func TestSaveFileModeOrderAndBackup(t *testing.T) {
	l, path := newLocal(t)
	st := New()
	st.Resources = []*Resource{res("z"), res("a"), res("m")} // deliberately unsorted
	if err := l.Save(st); err != nil {
		t.Fatal(err)
	}
	if st.Resources[0].Address != "z" {
		t.Error("Save reordered the caller's slice")
	}
	first, _ := os.ReadFile(path)
	var raw struct {
		Resources []struct{ Address string } `json:"resources"`
	}
	if err := json.Unmarshal(first, &raw); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range raw.Resources {
		order = append(order, r.Address)
	}
	if !reflect.DeepEqual(order, []string{"a", "m", "z"}) {
		t.Errorf("file order = %v, want sorted", order)
	}
	if !strings.Contains(string(first), "\n  \"lineage\"") {
		t.Error("state file is not indented")
	}
	if _, err := os.Stat(path + ".backup"); err == nil {
		t.Error("a backup exists before there was a previous state")
	}
	st.Set(res("b"))
	if err := l.Save(st); err != nil {
		t.Fatal(err)
	}
	backup, err := os.ReadFile(path + ".backup")
	if err != nil {
		t.Fatal(err)
	}
	if string(backup) != string(first) {
		t.Error("backup is not the previous state file")
	}
	for _, p := range []string{path, path + ".backup"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", p, fi.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 2 {
		t.Errorf("left-over files beside the state: %v", entries)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		backup   bool
		wantErrs []string
	}{
		{"corrupt with backup", `{"version": 1, "lineage": "x", "resou`, true, []string{"mailform.state is corrupt", "last good copy is at", "mailform.state.backup"}},
		{"corrupt without backup", `not json`, false, []string{"is corrupt", "restore it from"}},
		{"not a state", `{}`, false, []string{"not a mailform state file"}},
		{"no lineage", `{"version": 1, "resources": []}`, false, []string{"no lineage"}},
		{"newer version", `{"version": 99, "lineage": "x"}`, false, []string{"written by a newer mailform", "version 99", "upgrade mailform"}},
		{"unknown type", `{"version": 1, "lineage": "x", "resources": [{"address": "mystery.a", "type": "mystery"}]}`, false, []string{`unknown type "mystery"`, "mystery.a"}},
		{"mistyped attribute", `{"version": 1, "lineage": "x", "resources": [{"address": "account.a", "type": "account", "attributes": {"quota_mb": "lots"}}]}`, false, []string{"account.a", "quota_mb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, path := newLocal(t)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.backup {
				if err := os.WriteFile(path+".backup", []byte(`{"version":1,"lineage":"x"}`), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := l.Load()
			if err == nil {
				t.Fatal("Load succeeded, want error")
			}
			for _, want := range tt.wantErrs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestSaveDoesNotBackUpACorruptFile(t *testing.T) {
	l, path := newLocal(t)
	good := `{"version": 1, "lineage": "x", "serial": 3, "resources": []}`
	os.WriteFile(path+".backup", []byte(good), 0o600)
	os.WriteFile(path, []byte("garbage"), 0o600)
	if err := l.Save(New()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path + ".backup"); string(b) != good {
		t.Errorf("the good backup was replaced by %q", b)
	}
}

func TestSaveRefusesUnknownAndKeepsSerial(t *testing.T) {
	l, path := newLocal(t)
	st := New()
	st.Set(&Resource{Address: "department.d", Type: "department", Attrs: model.Object{"id": model.Unknown}})
	err := l.Save(st)
	if err == nil || !strings.Contains(err.Error(), "department.d.id is still unknown") {
		t.Errorf("Save = %v, want an error naming department.d.id", err)
	}
	if st.Serial != 0 {
		t.Errorf("Serial = %d after a failed Save, want 0", st.Serial)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a failed Save wrote the file")
	}
}

func TestSaveIntoMissingDirectoryFails(t *testing.T) {
	l := NewLocal(filepath.Join(t.TempDir(), "no", "such", "mailform.state"))
	st := New()
	err := l.Save(st)
	if err == nil || !strings.Contains(err.Error(), "cannot write state file") {
		t.Errorf("Save = %v, want cannot write state file", err)
	}
	if st.Serial != 0 {
		t.Errorf("Serial = %d after a failed Save, want 0", st.Serial)
	}
}

func TestMarshalStateMatchesMarshalIndent(t *testing.T) {
	for _, n := range []int{0, 1, 3, 3001} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			st := New()
			st.Serial = 42
			for i := 0; i < n; i++ {
				st.Set(&Resource{Address: fmt.Sprintf("account.a%05d", i), Type: "account", ID: "<&>",
					Attrs: model.Object{"email": "a@x", "aliases": []string{"b@x"}, "offboarding": model.Object{"retain_days": int64(3)}}})
			}
			got, err := marshalState(st)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.MarshalIndent(st, "", "  ")
			if string(got) != string(want) {
				t.Errorf("marshalState differs from json.MarshalIndent:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestSaveRefusesForeignOrOlderState(t *testing.T) {
	l, path := newLocal(t)
	st, _ := l.Load()
	if err := l.Save(st); err != nil {
		t.Fatal(err)
	}
	// A second run loads the same file and saves first.
	other := NewLocal(path)
	theirs, _ := other.Load()
	if err := other.Save(theirs); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		l    Backend
		st   *State
		want string
	}{
		{"other lineage", l, New(), "belongs to lineage " + st.Lineage},
		// A copy taken before l's own save at serial 1 would overwrite it. (A save by
		// another process is kept out by the lock, not by this check.)
		{"stale copy", l, &State{Version: 1, Lineage: st.Lineage}, "already at serial 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.st.Serial
			err := tt.l.Save(tt.st)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Save = %v, want error containing %q", err, tt.want)
			}
			if tt.st.Serial != before {
				t.Errorf("serial changed to %d by a refused Save", tt.st.Serial)
			}
		})
	}
	if got, _ := NewLocal(path).Load(); got.Serial != 2 {
		t.Errorf("file at serial %d, want 2 untouched", got.Serial)
	}
}
