// Command profile runs the steps of `mailform plan` in process — load the
// configuration, read the state, refresh and diff — and writes CPU and heap profiles,
// to see where the engine benchmark's time and memory go:
//
//	go run ./bench/engine/profile -dir bench/out/engine/config -cpu cpu.pprof -mem mem.pprof
//	go tool pprof -top cpu.pprof
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
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
	flag.Parse()
	sandbox.Register()
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
	st, err := ws.Backend.Load()
	if err != nil {
		return nil, err
	}
	lap("state")
	now, err := workspace.Now()
	if err != nil {
		return nil, err
	}
	p, diags := planner.MakePlan(context.Background(), planner.Options{
		Config: ws.Config, Vars: ws.Vars, State: st, Providers: ws.Providers, Refresh: true, Now: now,
	})
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s", diags.Error())
	}
	lap("plan")
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
