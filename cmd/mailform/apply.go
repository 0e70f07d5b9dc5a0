package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/state"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

func newApplyCmd() *cobra.Command {
	var f planFlags
	var autoApprove bool
	var parallelism int
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE]",
		Short: "Carry out a plan, step by step, recording each step in state",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			stdout := cmd.OutOrStdout()
			col := views.Colors{On: colorOn(os.Stdout)}
			var w *workspace.Workspace
			var p *planner.Plan
			if len(args) == 1 {
				sp, cfg, vars, err := planner.ReadPlanFile(args[0], ".")
				if err != nil {
					return fail("%v", err)
				}
				if missing := planner.MissingWithheldVars(sp, cfg.GivenVariables(f.inputs())); len(missing) > 0 {
					return fail("the plan was made with values of the sensitive variables %s, which plan files never hold: give them to apply again, as to plan (-var, -var-file, a *.auto.mfvars.hcl file or MAILFORM_VAR_<name>)", strings.Join(missing, ", "))
				}
				ws, diags := workspace.FromConfig(".", cfg, vars, f.inputs())
				if err := report(diags, cfg.Files); err != nil {
					return err
				}
				w, p = ws, sp
			} else {
				ws, err := open(&f.varFlags)
				if err != nil {
					return err
				}
				w = ws
			}
			defer w.Close()
			if p != nil && wsName(p.Workspace) != wsName(w.Config.Workspace) {
				return fail("the saved plan %s was made in workspace %q, and the selected workspace is %q: select %q, or make a plan here", args[0], wsName(p.Workspace), wsName(w.Config.Workspace), wsName(p.Workspace))
			}
			unlock, err := lock(w, "apply", f.lockTimeout)
			if err != nil {
				return err
			}
			defer unlock()
			// Planning evaluates the configuration while the state loads; a saved plan
			// and -refresh-only need the state first.
			future := planner.LoadState(w.Backend.Load)
			var st *state.State
			if p != nil || f.refreshOnly {
				if st, err = future.Wait(); err != nil {
					return fail("%v", err)
				}
			}
			if f.refreshOnly {
				if p != nil {
					return fail("-refresh-only makes its own plan: it cannot apply the saved plan %s", args[0])
				}
				return applyRefreshOnly(w, st, &f, autoApprove, stdout)
			}
			if p != nil {
				// With no state file yet, each Load invents a new lineage; a plan made
				// against that empty state is still current, so the state takes its lineage.
				if st.Serial == 0 && p.Serial == 0 && len(st.Resources) == 0 {
					st.Lineage = p.Lineage
				}
				if p.Lineage != st.Lineage || p.Serial != st.Serial {
					return fail("the saved plan %s is stale: the state has changed since it was made (it was already applied, or another run changed the state). Run mailform plan again.", args[0])
				}
			} else {
				p, err = planFrom(w, future, &f)
				if err != nil {
					return err
				}
				st, _ = future.Wait() // loaded: planFrom reports an error loading it
				views.RenderPlan(stdout, p, col)
				if !p.HasChanges() {
					return saveChangedOutputs(w, st, p, stdout, col)
				}
				if !autoApprove {
					if !f.canPrompt() {
						return fail("apply needs confirmation, but input is off (-input=false or MAILFORM_IN_AUTOMATION): pass -auto-approve, or apply a saved plan (mailform plan -out FILE; mailform apply FILE)")
					}
					if !term.IsTerminal(int(os.Stdin.Fd())) {
						return fail("apply needs confirmation: run it on a terminal, pass -auto-approve, or apply a saved plan (mailform plan -out FILE; mailform apply FILE)")
					}
					fmt.Fprint(stdout, "\nDo you want to perform these actions? Only 'yes' will be accepted.\n  Enter a value: ")
					line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
					if strings.TrimSpace(line) != "yes" {
						return fail("apply cancelled")
					}
				}
				fmt.Fprintln(stdout)
			}
			now, err := workspace.Now()
			if err != nil {
				return fail("%v", err)
			}
			pr := &progress{w: stdout, col: col, running: map[string]running{}}
			intr := watchInterrupts(os.Stderr, pr.inFlight)
			defer intr.release()
			writer := state.NewWriter(w.Backend, st)
			// Steps are journaled as they complete; fold the journal into the state
			// file at the end, whatever happened.
			defer func() {
				if cerr := writer.Close(); cerr != nil {
					fmt.Fprintln(os.Stderr, "Error: saving the state:", cerr)
				}
			}()
			start := time.Now()
			stopTicker := pr.tick(stillInterval())
			err = planner.Apply(intr.calls, p, planner.ApplyOptions{
				Config: w.Config, Vars: w.Vars, Providers: w.Providers, Writer: writer,
				Parallelism: parallelism, Now: now, Progress: pr.event, Stop: intr.stop,
				// A saved plan may be hours old: what it changes is read again first.
				Recheck: len(args) == 1,
			})
			stopTicker()
			add, change, destroy := pr.counts()
			if err != nil {
				fmt.Fprintf(stdout, "\nApply stopped after %s: %d added, %d changed, %d destroyed. What completed is recorded in state; fix the errors and run plan again.\n", time.Since(start).Round(time.Millisecond), add, change, destroy)
				return &exitError{1, "Error: " + err.Error()}
			}
			fmt.Fprintf(stdout, "\n%s %d added, %d changed, %d destroyed (%s).\n", col.Green("Apply complete!"), add, change, destroy, time.Since(start).Round(time.Millisecond))
			var final *state.State
			writer.Read(func(s *state.State) { final = s.Clone() })
			outs, diags := planner.Outputs(planner.Options{Config: w.Config, Vars: w.Vars, State: final})
			if !diags.HasErrors() {
				if err := storeOutputs(writer, outs); err != nil {
					return err
				}
			}
			views.RenderOutputs(stdout, outs, col)
			if diags.HasErrors() {
				return report(diags, w.Config.Files)
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&autoApprove, "auto-approve", false, "do not ask for confirmation")
	cmd.Flags().IntVar(&parallelism, "parallelism", 10, "run at most this many steps at once")
	return cmd
}

// progress prints one line per step, a "Still creating... [10s elapsed]" line for a
// step that takes long, and a count every 100 steps on long runs.
type progress struct {
	mu                   sync.Mutex
	w                    io.Writer
	col                  views.Colors
	add, change, destroy int
	finished             int
	running              map[string]running // address → step under way
}

// inFlight lists the steps under way, for what an interrupt says it waits for.
func (p *progress) inFlight() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.running))
	for a := range p.running {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// running is a step under way.
type running struct {
	action planner.Action
	start  time.Time
}

// every calls f with the time every interval until the returned stop is called;
// stop returns once f is no longer running.
func every(interval time.Duration, f func(now time.Time)) (stop func()) {
	t := time.NewTicker(interval)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				f(now)
			}
		}
	}()
	return func() {
		t.Stop()
		close(done)
		<-stopped
	}
}

// stillInterval is how often a long step is reported as still running: 10 s, as
// Terraform does; MAILFORM_PROGRESS_INTERVAL (a Go duration) changes it for tests.
func stillInterval() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("MAILFORM_PROGRESS_INTERVAL")); err == nil && d > 0 {
		return d
	}
	return 10 * time.Second
}

var stillVerbs = map[planner.Action]string{
	planner.Create: "creating", planner.Update: "modifying", planner.Replace: "replacing",
	planner.Delete: "destroying", planner.NoOp: "recording in state",
}

// tick reports, every interval, each step that has run for at least interval, and
// returns the function that stops it.
func (p *progress) tick(interval time.Duration) func() {
	return every(interval, func(now time.Time) { p.still(now, interval) })
}

func (p *progress) still(now time.Time, interval time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	addrs := make([]string, 0, len(p.running))
	for a, r := range p.running {
		if now.Sub(r.start) >= interval {
			addrs = append(addrs, a)
		}
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		r := p.running[a]
		el := now.Sub(r.start).Round(interval)
		if interval >= time.Second {
			el = el.Round(time.Second)
		}
		fmt.Fprintf(p.w, "%s: Still %s... [%s elapsed]\n", a, stillVerbs[r.action], el)
	}
}

var verbs = map[planner.Action][2]string{
	planner.Create:  {"Creating...", "Creation complete"},
	planner.Update:  {"Modifying...", "Modifications complete"},
	planner.Replace: {"Replacing...", "Replacement complete"},
	planner.Delete:  {"Destroying...", "Destruction complete"},
	planner.NoOp:    {"Recording in state...", "Recorded in state"},
}

func (p *progress) event(e planner.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := verbs[e.Action]
	if !e.Done {
		p.running[e.Address] = running{e.Action, time.Now()}
		fmt.Fprintf(p.w, "%s: %s\n", e.Address, v[0])
		return
	}
	delete(p.running, e.Address)
	if e.Err != nil {
		fmt.Fprintf(p.w, "%s: %s after %s\n", e.Address, p.col.Red("Failed"), e.Elapsed.Round(time.Millisecond))
		return
	}
	id := ""
	if e.ID != "" {
		id = " [id=" + e.ID + "]"
	}
	fmt.Fprintf(p.w, "%s: %s after %s%s\n", e.Address, v[1], e.Elapsed.Round(time.Millisecond), id)
	switch e.Action {
	case planner.Create:
		p.add++
	case planner.Update:
		p.change++
	case planner.Replace:
		p.add++
		p.destroy++
	case planner.Delete:
		p.destroy++
	}
	p.finished++
	if p.finished%100 == 0 {
		fmt.Fprintf(p.w, "... %d steps done\n", p.finished)
	}
}

func (p *progress) counts() (int, int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.add, p.change, p.destroy
}
