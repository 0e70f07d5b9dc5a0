package main

import (
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailform/mailform/providers/dnstest"
)

// TestBinaryConfig: the configuration declares every RRset once, and the changed one
// carries generation-1 values for every tenth RRset only.
func TestBinaryConfig(t *testing.T) {
	srv := &dnstest.Server{Addr: "127.0.0.1:5353", KeyName: "k."}
	base, changed := binaryConfig(srv, 30, 0), binaryConfig(srv, 30, 30)
	for _, c := range []string{base, changed} {
		if n := strings.Count(c, "= { type = "); n != 30 {
			t.Fatalf("%d RRsets declared, want 30:\n%s", n, c)
		}
		if !strings.Contains(c, `server   = "127.0.0.1:5353"`) || strings.Contains(c, "key_secret") {
			t.Fatalf("provider block wrong or holds the secret:\n%s", c)
		}
	}
	if strings.Contains(base, "gen=1") || strings.Contains(base, `"10.1.`) {
		t.Fatalf("generation 0 holds changed values:\n%s", base)
	}
	// RRsets 0, 10, 20 change: 0 and 10 and 20 are A records (even).
	if n := strings.Count(changed, `"10.1.`); n != 3 {
		t.Fatalf("%d changed A values, want 3 (RRsets 0, 10, 20):\n%s", n, changed)
	}
}

// TestBinarySmallRun runs the end-to-end mode with a small zone: it fails if any
// command exits otherwise than expected (the no-change plans must exit 0 and say so).
func TestBinarySmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mailform and starts knotd; skipped with -short")
	}
	if _, err := exec.LookPath("knotd"); err != nil {
		t.Skip("knotd is not installed (apt-get install knot); the end-to-end mode needs it")
	}
	bin := filepath.Join(t.TempDir(), "mailform")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/mailform").CombinedOutput(); err != nil {
		t.Fatalf("building mailform: %v\n%s", err, out)
	}
	steps, err := runBinary(40, "knot", bin, "", false, false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 4 {
		t.Fatalf("%d steps measured, want 4", len(steps))
	}
	for _, s := range steps {
		if s.wall <= 0 || s.peakRSS <= 0 {
			t.Errorf("step %q measured wall %s, peak RSS %d", s.name, s.wall, s.peakRSS)
		}
	}
}
