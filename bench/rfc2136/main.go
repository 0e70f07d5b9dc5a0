// Command rfc2136 measures the rfc2136 provider against a local Knot (or BIND): it
// applies N RRsets (half A, half TXT) into an empty zone with one ApplyBatch, reads the
// zone back and compares it with the configuration (the no-change plan), then changes
// 10 % of the RRsets, and prints wall time and memory for each step.
//
//	go run ./bench/rfc2136 [-n 1000] [-server knot|bind]
//
// With -mode binary it runs the real mailform binary end to end instead: a
// configuration of n dns_record instances (for_each over a local map) is applied into
// the empty zone, planned (must be a no-change plan), changed by 10 % and applied, and
// each command's wall time and peak RSS (the child's rusage) is printed:
//
//	go run ./bench/rfc2136 -mode binary [-n 1000] [-mailform /path/to/mailform]
//
// Target (issue 3): every step under 2 s on the project's 2-core machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnstest"
	"github.com/mailform/mailform/providers/rfc2136"
)

const zone = "bench.test"

func main() {
	n := flag.Int("n", 1000, "number of RRsets")
	impl := flag.String("server", "knot", "DNS server to run: knot or bind")
	mode := flag.String("mode", "provider", "provider: the rfc2136 provider in this process; binary: the mailform binary end to end")
	bin := flag.String("mailform", "", "with -mode binary, the mailform binary; default: build ./cmd/mailform (run from the repository root)")
	profiles := flag.String("profile", "", "with -mode binary, write a CPU profile of each command into this directory (MAILFORM_CPUPROFILE)")
	keep := flag.Bool("keep", false, "with -mode binary, keep the work directory (configuration, state, server) and print where it is")
	verbose := flag.Bool("v", false, "with -mode binary, print each command's output")
	flag.Parse()
	var err error
	switch *mode {
	case "provider":
		err = run(*n, *impl)
	case "binary":
		_, err = runBinary(*n, *impl, *bin, *profiles, *keep, *verbose, os.Stdout)
	default:
		err = fmt.Errorf("-mode must be provider or binary, not %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n int, impl string) error {
	start := dnstest.StartKnot
	if impl == "bind" {
		start = dnstest.StartBind
	}
	dir, err := os.MkdirTemp("", "mailform-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := start(dir, zone)
	if err != nil {
		return err
	}
	defer srv.Stop()

	log := &lineCounter{}
	p, err := rfc2136.New(model.Object{"server": srv.Addr, "key_name": srv.KeyName, "key_secret": srv.KeySecret, "timeout": "30s"}, providers.Env{Log: log})
	if err != nil {
		return err
	}
	ctx := context.Background()
	desired := make([]model.Object, n)
	for i := range desired {
		desired[i] = record(i, 0)
	}
	fmt.Printf("rfc2136 provider against %s %s, zone %s, %d RRsets (half A, half TXT), %s/%s, %d CPUs\n",
		srv.Name, srv.Addr, zone, n, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())

	if err := measure("apply (create all)", func() error {
		return applied(p.ApplyBatch(ctx, "dns_record", creates(desired)))
	}); err != nil {
		return err
	}
	fmt.Printf("%-40s %d UPDATE messages\n", "", log.take("UPDATE "))
	var live map[string]model.Object
	if err := measure("no-change plan (AXFR + compare)", func() error {
		var err error
		live, err = read(ctx, p)
		if err != nil {
			return err
		}
		if d := diffCount(live, desired); d != 0 {
			return fmt.Errorf("no-change plan found %d differences", d)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := measure("apply (change 10 %)", func() error {
		var changes []providers.Change
		for i := 0; i < n; i += 10 {
			d := record(i, 1)
			id := key(d)
			changes = append(changes, providers.Change{Op: providers.OpUpdate, ID: id, Prior: live[id], Desired: d})
			desired[i] = d
		}
		return applied(p.ApplyBatch(ctx, "dns_record", changes))
	}); err != nil {
		return err
	}
	fmt.Printf("%-40s %d UPDATE messages\n", "", log.take("UPDATE "))
	return measure("re-plan after change (AXFR + compare)", func() error {
		live, err := read(ctx, p)
		if err != nil {
			return err
		}
		if d := diffCount(live, desired); d != 0 {
			return fmt.Errorf("re-plan found %d differences", d)
		}
		return nil
	})
}

// record is RRset i in generation gen: even ones A, odd ones TXT (an SPF-sized value).
func record(i, gen int) model.Object {
	if i%2 == 0 {
		return model.Object{"zone": zone, "name": fmt.Sprintf("host%d", i), "type": "A", "ttl": int64(600),
			"records": []string{fmt.Sprintf("10.%d.%d.%d", gen, i/256%256, i%256)}}
	}
	return model.Object{"zone": zone, "name": fmt.Sprintf("txt%d", i), "type": "TXT", "ttl": int64(600),
		"records": []string{fmt.Sprintf("v=spf1 include:spf.mail.qq.com ip4:10.%d.%d.%d ~all gen=%d", gen, i/256%256, i%256, gen)}}
}

func key(o model.Object) string { return model.RRsetKey(o.Str("zone"), o.Str("name"), o.Str("type")) }

func creates(desired []model.Object) []providers.Change {
	out := make([]providers.Change, len(desired))
	for i, d := range desired {
		out[i] = providers.Change{Op: providers.OpCreate, Desired: d}
	}
	return out
}

func applied(results []providers.Result) error {
	for _, r := range results {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}

func read(ctx context.Context, p *rfc2136.Provider) (map[string]model.Object, error) {
	remotes, err := p.Read(ctx, providers.ReadRequest{Type: "dns_record", Zones: []string{zone}})
	if err != nil {
		return nil, err
	}
	out := make(map[string]model.Object, len(remotes))
	for _, r := range remotes {
		out[r.ID] = model.Canonical(model.DNSRecord, r.Attrs)
	}
	return out, nil
}

func diffCount(live map[string]model.Object, desired []model.Object) int {
	n := 0
	for _, d := range desired {
		if len(model.Diff(model.DNSRecord, live[key(d)], model.Canonical(model.DNSRecord, d), nil)) > 0 {
			n++
		}
	}
	return n
}

// measure runs f and prints its wall time, bytes allocated, the peak Go heap seen by a
// sampler, and the process's peak RSS so far (getrusage; it never goes down).
func measure(name string, f func() error) error {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	t0 := time.Now()
	err := f()
	wall := time.Since(t0)
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("%-40s wall %8s  allocated %7.1f MiB  peak heap %6.1f MiB  peak RSS %6.1f MiB\n",
		name, wall.Round(time.Millisecond), mib(after.TotalAlloc-before.TotalAlloc), mib(peak), float64(ru.Maxrss)/1024)
	return err
}

// lineCounter counts the provider's debug lines by prefix.
type lineCounter struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		l.lines = append(l.lines, strings.TrimPrefix(line, "rfc2136: "))
	}
	return len(p), nil
}

// take returns how many lines since the last call start with prefix.
func (l *lineCounter) take(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	l.lines = nil
	return n
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
