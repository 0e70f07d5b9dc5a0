package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// binary is the real mailform built once by TestMain; the end-to-end tests run it as
// a user would, so flag parsing, exit codes and output streams are all exercised.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mailform-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "mailform")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building mailform:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

// output is stdout and stderr together, for assertions that do not care which.
func (r result) output() string { return r.stdout + r.stderr }

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// baseEnv is the environment of every run: no terminal colours, no inherited
// MAILFORM_* settings that would change what a test sees.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "MAILFORM_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NO_COLOR=1")
}

// command prepares the binary to run in dir with extra environment entries.
func command(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(baseEnv(), env...)
	cmd.Stdin = nil // not a terminal: apply must not wait for an answer
	return cmd
}

// runEnv runs the binary in dir with extra environment entries and returns its result.
func runEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	r := runEnvNoFatal(dir, env, args...)
	if r.code == -1 {
		t.Fatalf("running mailform %s: %s", strings.Join(args, " "), r.stderr)
	}
	return r
}

// run runs the binary in dir.
func run(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return runEnv(t, dir, nil, args...)
}

// mustRun runs the binary and fails the test unless it exits with code.
func mustRun(t *testing.T, dir string, code int, args ...string) result {
	t.Helper()
	r := run(t, dir, args...)
	if r.code != code {
		t.Fatalf("mailform %s: want exit %d, got %s", strings.Join(args, " "), code, r)
	}
	return r
}

// writeFiles creates a fresh directory holding files (name → content).
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		writeFile(t, dir, name, content)
	}
	return dir
}

// writeFile writes one file into dir, creating parent directories.
func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// editFile replaces old with new in dir/name and fails when old is not there, so a
// test never silently runs against an unchanged configuration.
func editFile(t *testing.T, dir, name, old, new string) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sandboxItems lists the live objects of type typ in dir's sandbox tenant, read
// through the tenant store as the console would see them.
func sandboxItems(t *testing.T, dir, typ string) []tenant.Item {
	t.Helper()
	s, err := tenant.Open(filepath.Join(dir, ".sandbox"), tenant.Options{})
	if err != nil {
		t.Fatalf("opening the sandbox tenant: %v", err)
	}
	defer s.Close()
	items, err := s.List(typ)
	if err != nil {
		t.Fatalf("listing %s: %v", typ, err)
	}
	return items
}

// sandboxAttr returns attribute name of every live object of type typ.
func sandboxAttr(t *testing.T, dir, typ, name string) []string {
	t.Helper()
	var out []string
	for _, it := range sandboxItems(t, dir, typ) {
		out = append(out, fmt.Sprint(it.Attrs[name]))
	}
	return out
}

// lines returns the lines of s that contain sub.
func lines(s, sub string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}

// copyDir copies the flat fixture directory testdata/<name> into a fresh directory.
func copyDir(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("testdata", name)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, e.Name(), string(b))
	}
	return dir
}

// company is the small company configuration of testdata/company, applied when
// applied is true.
func company(t *testing.T, applied bool) string {
	t.Helper()
	dir := copyDir(t, "company")
	if applied {
		mustRun(t, dir, 0, "apply", "-auto-approve")
	}
	return dir
}

// readFile returns dir/name as a string.
func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runEnvNoFatal is runEnv for goroutines, where t.Fatal must not be called: a
// failure to start the binary is reported as exit code -1.
func runEnvNoFatal(dir string, env []string, args ...string) result {
	cmd := command(dir, env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		r.code, r.stderr = -1, r.stderr+err.Error()
	}
	return r
}

// unaligned undoes the alignment of "=" in plan blocks, so a test can look for one
// attribute line ("~ name = ...") whatever the widest name of its block.
func unaligned(s string) string { return alignedEquals.ReplaceAllString(s, "$1 = ") }

var alignedEquals = regexp.MustCompile(`(\S) {2,}= `)
