package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const offboardPeople = `# People of the company.
account "alice" {
  email = "alice@example.com" # keep this comment
  name  = "Alice"
}

account "bob" {
  email  = "Bob@Example.com"
  name   = "Bob"
  status = "active"
}

# Everyone from the HR export.
account "staff" {
  for_each = toset(["carol@example.com"])
  email    = "carol@example.com"
  name     = each.key
}
`

// writeDir writes files into a fresh directory.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestOffboardAccount(t *testing.T) {
	tests := []struct {
		name, email, handover string
		retain                int
		file, addr            string
		want                  []string // fragments of the rewritten block, in order
	}{
		{name: "handover to a declared account", email: "bob@example.com", handover: "alice@example.com", retain: 30,
			file: "people.mf.hcl", addr: "account.bob",
			want: []string{`account "bob" {`, `status = "departed"`, "offboarding {", "handover_to = account.alice.email", "retain_days = 30"}},
		{name: "handover to an outside address", email: "alice@example.com", handover: "boss@partner.com", retain: 90,
			file: "people.mf.hcl", addr: "account.alice",
			want: []string{`account "alice" {`, `email  = "alice@example.com" # keep this comment`, `status = "departed"`, `handover_to = "boss@partner.com"`, "retain_days = 90"}},
		{name: "handover matched case-insensitively", email: "ALICE@example.com", handover: "bob@example.com", retain: 1,
			file: "people.mf.hcl", addr: "account.alice",
			want: []string{`account "alice" {`, "handover_to = account.bob.email", "retain_days = 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"people.mf.hcl": offboardPeople, "other.mf.hcl": `domain "corp" { name = "example.com" }` + "\n"})
			ed, err := OffboardAccount(dir, tt.email, tt.handover, tt.retain)
			if err != nil {
				t.Fatal(err)
			}
			if ed.File != filepath.Join(dir, tt.file) || ed.Address != tt.addr {
				t.Errorf("edit = %+v, want %s in %s", ed, tt.addr, tt.file)
			}
			b, _ := os.ReadFile(ed.File)
			out := string(b)
			pos := 0
			for _, w := range tt.want {
				i := strings.Index(out[pos:], w)
				if i < 0 {
					t.Fatalf("rewritten file lacks %q after offset %d:\n%s", w, pos, out)
				}
				pos += i + len(w)
			}
			for _, keep := range []string{"# People of the company.", "# keep this comment", "# Everyone from the HR export."} {
				if !strings.Contains(out, keep) {
					t.Errorf("comment %q lost:\n%s", keep, out)
				}
			}
			if strings.Count(out, `status = "departed"`) != 1 || strings.Count(out, "offboarding {") != 1 {
				t.Errorf("want exactly one departed status and one offboarding block:\n%s", out)
			}
			// The result still loads and decodes.
			c, diags := Load(dir)
			if diags.HasErrors() {
				t.Fatalf("rewritten configuration: %s", diags.Error())
			}
			if other, _ := os.ReadFile(filepath.Join(dir, "other.mf.hcl")); string(other) != `domain "corp" { name = "example.com" }`+"\n" {
				t.Errorf("other file changed: %q", other)
			}
			if c.Resource(tt.addr) == nil {
				t.Errorf("%s gone after the rewrite", tt.addr)
			}
		})
	}
}

// An account already departing gets its offboarding block replaced, not a second one.
func TestOffboardAccountReplacesBlock(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.mf.hcl": `account "bob" {
  email  = "bob@example.com"
  name   = "Bob"
  status = "departed"
  offboarding {
    handover_to = "old@example.com"
    retain_days = 5
  }
}
`})
	if _, err := OffboardAccount(dir, "bob@example.com", "new@example.com", 60); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "a.mf.hcl"))
	out := string(b)
	if strings.Count(out, "offboarding {") != 1 || strings.Contains(out, "old@example.com") || !strings.Contains(out, `handover_to = "new@example.com"`) || !strings.Contains(out, "retain_days = 60") {
		t.Errorf("rewritten block:\n%s", out)
	}
}

func TestOffboardAccountErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		email string
		want  string
	}{
		{name: "for_each account", files: map[string]string{"a.mf.hcl": offboardPeople}, email: "carol@example.com",
			want: `set its status to "departed" there`},
		{name: "no such account", files: map[string]string{"a.mf.hcl": offboardPeople}, email: "zed@example.com",
			want: `no account block has email = "zed@example.com"`},
		{name: "computed email", files: map[string]string{"a.mf.hcl": `account "a" {
  email = "${var.user}@example.com"
  name  = "A"
}`}, email: "a@example.com", want: "no account block has email"},
		{name: "syntax error", files: map[string]string{"a.mf.hcl": `account "a" {`}, email: "a@example.com", want: "a.mf.hcl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, tt.files)
			before, _ := os.ReadFile(filepath.Join(dir, "a.mf.hcl"))
			ed, err := OffboardAccount(dir, tt.email, "x@example.com", 30)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("OffboardAccount = %+v, %v; want error %q", ed, err, tt.want)
			}
			if after, _ := os.ReadFile(filepath.Join(dir, "a.mf.hcl")); string(after) != string(before) {
				t.Errorf("file changed on error:\n%s", after)
			}
		})
	}
}
