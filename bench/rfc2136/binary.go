package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mailform/mailform/providers/dnstest"
)

// step is what one run of the mailform binary cost.
type step struct {
	name    string
	wall    time.Duration
	peakRSS int64 // bytes, from the child's rusage
}

// binaryRun is the end-to-end mode: the real mailform binary against a local server.
type binaryRun struct {
	bin, dir string
	// profiles is a directory for one CPU profile per command, or "".
	profiles string
	// verbose writes each command's output to the log.
	verbose bool
	srv     *dnstest.Server
	log     io.Writer
}

// runBinary applies n RRsets into an empty zone with the mailform binary, runs a
// no-change plan, changes 10 % of the values and applies again, printing the wall time
// and peak RSS of each command; it returns the steps in order.
func runBinary(n int, impl, bin, profiles string, keep, verbose bool, log io.Writer) ([]step, error) {
	start := dnstest.StartKnot
	if impl == "bind" {
		start = dnstest.StartBind
	}
	work, err := os.MkdirTemp("", "mailform-bench-rfc2136-")
	if err != nil {
		return nil, err
	}
	if keep {
		fmt.Fprintln(log, "work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	if bin == "" {
		bin = filepath.Join(work, "mailform")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mailform").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building mailform (run from the repository root or pass -mailform): %v\n%s", err, out)
		}
	}
	srvDir := filepath.Join(work, "server")
	if err := os.MkdirAll(srvDir, 0o755); err != nil {
		return nil, err
	}
	srv, err := start(srvDir, zone)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	cfg := filepath.Join(work, "config")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		return nil, err
	}
	b := &binaryRun{bin: bin, dir: cfg, srv: srv, log: log, profiles: profiles, verbose: verbose}
	fmt.Fprintf(log, "mailform binary against %s %s, zone %s, %d RRsets (half A, half TXT) in %d dns_record instances\n",
		srv.Name, srv.Addr, zone, n, n)

	var steps []step
	for _, s := range []struct {
		name      string
		changed   int // RRsets whose values differ from generation 0
		args      []string
		wantCode  int
		wantInOut string
	}{
		{"apply (create all)", 0, []string{"apply", "-auto-approve"}, 0, fmt.Sprintf("%d added", n)},
		{"no-change plan", 0, []string{"plan", "-detailed-exitcode"}, 0, "No changes"},
		{"apply (change 10 %)", n, []string{"apply", "-auto-approve"}, 0, fmt.Sprintf("%d changed", (n+9)/10)},
		{"re-plan after change", n, []string{"plan", "-detailed-exitcode"}, 0, "No changes"},
	} {
		if err := os.WriteFile(filepath.Join(cfg, "main.mf.hcl"), []byte(binaryConfig(srv, n, s.changed)), 0o644); err != nil {
			return nil, err
		}
		st, err := b.mailform(s.name, s.wantCode, s.wantInOut, s.args...)
		if err != nil {
			return nil, err
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// mailform runs the binary in the configuration directory and measures it.
func (b *binaryRun) mailform(name string, wantCode int, wantInOut string, args ...string) (step, error) {
	cmd := exec.Command(b.bin, args...)
	cmd.Dir = b.dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "MAILFORM_TSIG_SECRET="+b.srv.KeySecret)
	if b.profiles != "" {
		file := strings.NewReplacer(" ", "-", "%", "pct", "(", "", ")", "").Replace(name) + ".pprof"
		cmd.Env = append(cmd.Env, "MAILFORM_CPUPROFILE="+filepath.Join(b.profiles, file))
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	err := cmd.Run()
	st := step{name: name, wall: time.Since(t0)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		st.peakRSS = ru.Maxrss * 1024
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		return st, fmt.Errorf("%s: running %s: %w", name, b.bin, err)
	}
	if code != wantCode || !strings.Contains(out.String(), wantInOut) {
		tail := out.String()
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		return st, fmt.Errorf("%s: mailform %s exited %d (want %d) and should say %q:\n%s",
			name, strings.Join(args, " "), code, wantCode, wantInOut, tail)
	}
	if b.verbose {
		b.log.Write(out.Bytes())
	}
	fmt.Fprintf(b.log, "%-40s wall %8s  peak RSS %6.1f MiB\n", "mailform "+name, st.wall.Round(time.Millisecond), float64(st.peakRSS)/(1<<20))
	return st, nil
}

// binaryConfig is a configuration with n dns_record instances (for_each over a local
// map) whose first `changed` RRsets, every tenth of them, carry generation-1 values.
func binaryConfig(srv *dnstest.Server, n, changed int) string {
	var c strings.Builder
	fmt.Fprintf(&c, "provider \"rfc2136\" {\n  server   = %q\n  key_name = %q\n  timeout  = \"30s\"\n}\n\n", srv.Addr, srv.KeyName)
	c.WriteString("locals {\n  records = {\n")
	for i := 0; i < n; i++ {
		gen := 0
		if i < changed && i%10 == 0 {
			gen = 1
		}
		r := record(i, gen)
		fmt.Fprintf(&c, "    %q = { type = %q, value = %q }\n", r.Str("name"), r.Str("type"), r["records"].([]string)[0])
	}
	c.WriteString("  }\n}\n\n")
	fmt.Fprintf(&c, `dns_record "r" {
  for_each = local.records
  zone     = %q
  name     = each.key
  type     = each.value.type
  ttl      = 600
  records  = [each.value.value]
}
`, zone)
	return c.String()
}
