package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInvalidConfigurations runs validate and plan on every malformed configuration
// under testdata/invalid. Each must exit 1 with a diagnostic holding every line of
// the case's expect.txt (the file:line and the key phrase; a line "!text" must not
// appear), and must neither create
// nor change the state or the sandbox: first in an empty directory, then next to the
// state and sandbox of a real applied configuration.
func TestInvalidConfigurations(t *testing.T) {
	cases, err := os.ReadDir(filepath.Join("testdata", "invalid"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 30 {
		t.Fatalf("the corpus has %d cases, want at least 30", len(cases))
	}
	applied := company(t, true)
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			src := filepath.Join("invalid", c.Name())
			expect := strings.Split(strings.TrimSpace(readFile(t, filepath.Join("testdata", src), "expect.txt")), "\n")
			if len(expect) < 2 || !strings.Contains(expect[0], ".mf.hcl line ") {
				t.Fatalf("expect.txt must start with the file:line and hold a key phrase, has %q", expect)
			}

			fresh := copyDir(t, src)
			os.Remove(filepath.Join(fresh, "expect.txt"))
			seeded := copyDir(t, src)
			os.Remove(filepath.Join(seeded, "expect.txt"))
			copyTree(t, filepath.Join(applied, ".sandbox"), filepath.Join(seeded, ".sandbox"))
			writeFile(t, seeded, "mailform.state", readFile(t, applied, "mailform.state"))

			for _, dir := range []string{fresh, seeded} {
				before := snapshot(t, dir)
				for _, cmd := range [][]string{{"validate"}, {"plan"}, {"apply", "-auto-approve"}} {
					r := run(t, dir, cmd...)
					if r.code != 1 {
						t.Fatalf("%s: want exit 1, got %s", cmd[0], r)
					}
					for _, want := range expect {
						// A line "!text" is what the output must not say.
						if unwanted, ok := strings.CutPrefix(want, "!"); ok {
							if strings.Contains(r.stderr, unwanted) {
								t.Errorf("%s: stderr says %q:\n%s", cmd[0], unwanted, r.stderr)
							}
							continue
						}
						if !strings.Contains(r.stderr, want) {
							t.Errorf("%s: stderr lacks %q:\n%s", cmd[0], want, r.stderr)
						}
					}
					if strings.Contains(r.stdout, "Success!") || strings.Contains(r.stdout, "Plan:") {
						t.Errorf("%s: an invalid configuration must not look successful:\n%s", cmd[0], r)
					}
				}
				if after := snapshot(t, dir); after != before {
					t.Fatalf("validate/plan/apply changed the directory:\nbefore:\n%s\nafter:\n%s", before, after)
				}
			}
		})
	}
}

// snapshot lists every file under dir with a hash of its contents.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		rel, _ := filepath.Rel(dir, p)
		b.WriteString(rel + " " + hex.EncodeToString(sum[:8]) + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// copyTree copies the regular files under src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o700); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}
