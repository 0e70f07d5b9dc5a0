package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckWorkspaceName(t *testing.T) {
	for name, ok := range map[string]bool{
		"default": true, "staging": true, "hk-2": true, "a_b": true, "9": true,
		"": false, "../x": false, "a/b": false, "-x": false, "sp ace": false, strings.Repeat("a", 91): false,
	} {
		if err := CheckWorkspaceName(name); (err == nil) != ok {
			t.Errorf("CheckWorkspaceName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

// TestLocalWorkspaces: Terraform's layout, creation, listing, a refused and a
// forced delete.
func TestLocalWorkspaces(t *testing.T) {
	dir := t.TempDir()
	ws := LocalWorkspaces{Path: filepath.Join(dir, "mailform.state")}
	if names, err := ws.List(); err != nil || strings.Join(names, ",") != "default" {
		t.Fatalf("List of a fresh directory = %v, %v", names, err)
	}
	if err := CreateWorkspace(ws, "b"); err != nil {
		t.Fatal(err)
	}
	if err := CreateWorkspace(ws, "a"); err != nil {
		t.Fatal(err)
	}
	if err := CreateWorkspace(ws, "a"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("creating a twice: %v", err)
	}
	if names, _ := ws.List(); strings.Join(names, ",") != "default,a,b" {
		t.Errorf("List = %v", names)
	}
	if _, err := os.Stat(filepath.Join(dir, "mailform.state.d", "a", "mailform.state")); err != nil {
		t.Errorf("workspace a's state is not in Terraform's layout: %v", err)
	}
	b, _ := ws.Backend("a")
	st, _ := b.Load()
	st.Set(&Resource{Address: "domain.corp", Type: "domain", Provider: "sandbox", ID: "example.com"})
	if err := b.Save(st); err != nil {
		t.Fatal(err)
	}
	var notEmpty *NotEmptyError
	if err := DeleteWorkspace(ws, "a", false, 0); !errors.As(err, &notEmpty) || notEmpty.Resources != 1 {
		t.Errorf("deleting a non-empty workspace: %v", err)
	}
	if err := DeleteWorkspace(ws, "default", true, 0); err == nil {
		t.Error("the default workspace was deleted")
	}
	if err := DeleteWorkspace(ws, "a", true, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mailform.state.d", "a")); !os.IsNotExist(err) {
		t.Errorf("workspace a's directory is left: %v", err)
	}
	if err := DeleteWorkspace(ws, "a", true, 0); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("deleting a deleted workspace: %v", err)
	}
	if names, _ := ws.List(); strings.Join(names, ",") != "default,b" {
		t.Errorf("List after delete = %v", names)
	}
}

// TestOutputsRoundTrip: outputs survive the hand-written encoder, and a state
// without outputs has no outputs key, as before.
func TestOutputsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mailform.state")
	b := NewLocal(path)
	st, _ := b.Load()
	if err := b.Save(st); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), "outputs") {
		t.Errorf("a state without outputs has an outputs key:\n%s", data)
	}
	st.Outputs = map[string]*OutputValue{
		"n":  {Value: []byte("3"), Type: []byte(`"number"`)},
		"pw": {Value: []byte("null"), Type: []byte(`"string"`), Sensitive: true, Withheld: true},
	}
	if err := b.Save(st); err != nil {
		t.Fatal(err)
	}
	got, err := NewLocal(path).Load()
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Outputs["n"]; n == nil || string(n.Value) != "3" || string(n.Type) != `"number"` {
		t.Errorf("output n after a round trip: %+v", n)
	}
	if pw := got.Outputs["pw"]; pw == nil || !pw.Withheld || !pw.Sensitive {
		t.Errorf("output pw after a round trip: %+v", pw)
	}
	if c := got.Clone(); c.Outputs["n"] == got.Outputs["n"] || string(c.Outputs["n"].Value) != "3" {
		t.Error("Clone shares or loses the outputs")
	}
}
