package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Diagnostics never echo what is not configuration: links out of the tree, /proc
// files and FIFOs are refused by name, and a file that is not text is not quoted.
func TestHostileInputFiles(t *testing.T) {
	const secret = "EXMAIL_CONTACTS_SECRET=do-not-print-me-42"
	env := []string{secret}
	base := "provider \"sandbox\" {}\n"
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"link to the process environment", func(t *testing.T, dir string) {
			os.Symlink("/proc/self/environ", filepath.Join(dir, "leak.mf.hcl"))
		}, "leak.mf.hcl is a symbolic link to /proc/"},
		{"FIFO", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "x.mf.hcl"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "x.mf.hcl is a named pipe (FIFO), not a regular file"},
		{"file() of the environment", func(t *testing.T, dir string) {
			writeFile(t, dir, "leak.mf.hcl", "locals {\n  x = file(\"/proc/self/environ\")\n}\n")
		}, "cannot read /proc/self/environ"},
		{"csvdecode of a link out of the tree", func(t *testing.T, dir string) {
			out := t.TempDir()
			writeFile(t, out, "staff.csv", "email\n"+secret+"\n")
			os.Symlink(filepath.Join(out, "staff.csv"), filepath.Join(dir, "staff.csv"))
			writeFile(t, dir, "leak.mf.hcl", "locals {\n  x = csvdecode(file(\"staff.csv\"))\n}\n")
		}, "outside the configuration directory"},
		{"a binary file that fails to parse", func(t *testing.T, dir string) {
			writeFile(t, dir, "bin.mf.hcl", "\x00\x01"+secret+"\x00\n")
		}, "on bin.mf.hcl line 1:\n  (source code not available)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mf.hcl": base})
			tc.setup(t, dir)
			done := make(chan result, 1)
			go func() { done <- runEnv(t, dir, env, "validate") }()
			var r result
			select {
			case r = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("validate hangs")
			}
			flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
			if r.code != 1 || !strings.Contains(flat(r.stderr), flat(tc.want)) {
				t.Errorf("want exit 1 with %q, got %s", tc.want, r)
			}
			if strings.Contains(r.output(), "do-not-print-me-42") {
				t.Errorf("the secret was printed:\n%s", r)
			}
		})
	}
}
