// Command profile runs the steps of `mailform plan` in process — load the
// configuration, read the state, refresh and diff — and writes CPU and heap profiles,
// to see where the engine benchmark's time and memory go:
//
//	go run ./bench/engine/profile -dir bench/out/engine/config -cpu cpu.pprof -mem mem.pprof
//	go tool pprof -top cpu.pprof
//	go run ./bench/engine/profile -dir bench/out/engine/config -trace trace.out
//	go tool trace trace.out
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"syscall"
	"time"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/providers/sandbox"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/workspace"
)

func main() {
	dir := flag.String("dir", ".", "configuration directory, already applied")
	cpu := flag.String("cpu", "cpu.pprof", "CPU profile to write")
	mem := flag.String("mem", "mem.pprof", "heap profile to write, taken when the plan is complete and still held")
	tr := flag.String("trace", "", "execution trace to write (go tool trace FILE shows idle cores)")
	flag.Parse()
	sandbox.Register()
	if *tr != "" {
		t, err := os.Create(*tr)
		if err != nil {
			fail(err)
		}
		defer t.Close()
		if err := trace.Start(t); err != nil {
			fail(err)
		}
		defer trace.Stop()
	}
	f, err := os.Create(*cpu)
	if err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fail(err)
	}
	m, err := os.Create(*mem)
	if err != nil {
		fail(err)
	}
	defer m.Close()
	stages, err := plan(*dir, m)
	pprof.StopCPUProfile()
	if err != nil {
		fail(err)
	}
	for _, s := range stages {
		fmt.Printf("%-10s %v\n", s.name, s.d.Round(time.Millisecond))
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("allocated  %d MiB in %d objects; %d GCs, %.1f %% of CPU in GC\n",
		ms.TotalAlloc>>20, ms.Mallocs, ms.NumGC, 100*ms.GCCPUFraction)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf("cpu        %v (user + system, the whole process), peak RSS %d MiB\n", cpu.Round(time.Millisecond), ru.Maxrss>>10)
	}
}

type stage struct {
	name string
	d    time.Duration
}

// plan does what `mailform plan` does, timing each stage, and writes a heap profile
// to mem while the configuration, state and plan are all still held — the peak.
func plan(dir string, mem *os.File) ([]stage, error) {
	var out []stage
	t := time.Now()
	lap := func(name string) {
		out = append(out, stage{name, time.Since(t)})
		t = time.Now()
	}
	ws, diags := workspace.Open(dir, schema.VarInputs{})
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s", diags.Error())
	}
	defer ws.Close()
	lap("load")
	now, err := workspace.Now()
	if err != nil {
		return nil, err
	}
	// As mailform plan does, the state loads while the configuration is evaluated.
	future := planner.LoadState(ws.Backend.Load)
	p, diags := planner.MakePlan(context.Background(), planner.Options{
		Config: ws.Config, Vars: ws.Vars, PendingState: future, Providers: ws.Providers, Refresh: true, Now: now,
	})
	st, err := future.Wait()
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s", diags.Error())
	}
	lap("state+plan")
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(mem, 0); err != nil {
		return nil, err
	}
	runtime.KeepAlive(st)
	if p.HasChanges() {
		return out, fmt.Errorf("the plan has changes; the benchmark needs an applied configuration")
	}
	return out, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "profile:", err)
	os.Exit(1)
}
