package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

// planFlags are the flags plan and apply share.
type planFlags struct {
	varFlags
	targets     []string
	replace     []string
	refresh     bool
	allowDelete []string
	force       bool
	lockTimeout time.Duration
	input       bool
	refreshOnly bool
}

func (f *planFlags) add(cmd *cobra.Command) {
	f.varFlags.add(cmd)
	cmd.Flags().StringArrayVar(&f.targets, "target", nil, "limit to this resource address and what it depends on (repeatable)")
	cmd.Flags().StringArrayVar(&f.replace, "replace", nil, "replace this resource instance (a DNS RRset, a group…) though it did not change: delete it and create it again (repeatable)")
	cmd.Flags().BoolVar(&f.refresh, "refresh", true, "read live objects; -refresh=false compares with state only")
	cmd.Flags().BoolVar(&f.refreshOnly, "refresh-only", false, "only record in state the changes made outside mailform (docs/replace-refresh-only.md); live objects are not changed")
	cmd.Flags().StringArrayVar(&f.allowDelete, "allow-delete", nil, "allow deleting this account (address or resource address)")
	cmd.Flags().BoolVar(&f.force, "force", false, "allow a mass change above the guard's threshold")
	cmd.Flags().DurationVar(&f.lockTimeout, "lock-timeout", 0, "wait this long for the state lock")
	cmd.Flags().BoolVar(&f.input, "input", true, "ask for input when needed; -input=false never prompts (also MAILFORM_IN_AUTOMATION)")
}

// makePlan loads the state and plans; the workspace's state lock must be held. The
// state loads while the configuration is evaluated.
func makePlan(w *workspace.Workspace, f *planFlags) (*planner.Plan, error) {
	return planFrom(w, planner.LoadState(w.Backend.Load), f)
}

// planFrom runs refresh and diff against a state, loaded or loading. An error
// loading it is the one reported, whatever else went wrong, as when it was loaded
// first.
func planFrom(w *workspace.Workspace, future *planner.StateFuture, f *planFlags) (*planner.Plan, error) {
	p, err := planAgainst(w, future, f)
	if _, lerr := future.Wait(); lerr != nil {
		return nil, fail("%v", lerr)
	}
	return p, err
}

// planAgainst is planFrom but for an error loading the state.
func planAgainst(w *workspace.Workspace, future *planner.StateFuture, f *planFlags) (*planner.Plan, error) {
	var targets []string
	for _, t := range f.targets {
		a, err := schema.ParseTarget(t)
		if err != nil {
			return nil, fail("-target: %v", err)
		}
		targets = append(targets, a)
	}
	var replace []string
	for _, r := range f.replace {
		a, err := schema.ParseAddr(r)
		if err != nil {
			return nil, fail("-replace: %v", err)
		}
		replace = append(replace, a)
	}
	now, err := workspace.Now()
	if err != nil {
		return nil, fail("%v", err)
	}
	// Ctrl-C stops reading the live objects, as it stops an apply; the state lock is
	// released on the way out, so the next run needs no force-unlock.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rp := &readProgress{w: os.Stderr, running: map[string]time.Time{}, interval: stillInterval()}
	stopTicker := rp.tick()
	p, diags := planner.MakePlan(ctx, planner.Options{
		Config: w.Config, Vars: w.Vars, PendingState: future, Providers: w.Providers, Refresh: f.refresh,
		Targets: targets, Replace: replace, AllowDelete: f.allowDelete, Force: f.force, Now: now, Reads: rp.event,
	})
	stopTicker()
	if ctx.Err() != nil {
		return nil, fail("interrupted: the plan stopped before it was complete; nothing was changed")
	}
	if p != nil {
		p.Workspace = w.Config.Workspace
	}
	st, err := future.Wait()
	if err != nil {
		return nil, fail("%v", err)
	}
	if p != nil && !diags.HasErrors() {
		diags = append(diags, planner.PlanOutputs(p, planner.Options{Config: w.Config, Vars: w.Vars, State: st})...)
	}
	if p != nil && !diags.HasErrors() {
		// The warnings travel with the plan (p.Findings) and are shown in every
		// rendering of it; printing them on stderr too would say them twice.
		diags = errorsOnly(diags)
	}
	if err := report(diags, w.Config.Files); err != nil {
		if p != nil && p.HasChanges() {
			// The refused plan still shows what it would have done (prevent_destroy,
			// the mass-change guard): the reason is in it.
			views.RenderPlan(os.Stderr, p, views.Colors{On: colorOn(os.Stderr)})
		}
		return nil, err
	}
	return p, nil
}

// errorsOnly returns the error diagnostics of diags.
func errorsOnly(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d)
		}
	}
	return out
}

func newPlanCmd() *cobra.Command {
	var f planFlags
	var out string
	var asJSON, detailed, markdown bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Compare the configuration with the live providers and print what apply would do",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := open(&f.varFlags)
			if err != nil {
				return err
			}
			defer w.Close()
			unlock, err := lock(w, "plan", f.lockTimeout)
			if err != nil {
				return err
			}
			defer unlock()
			if f.refreshOnly {
				return planRefreshOnly(cmd.OutOrStdout(), w, &f, out, asJSON, markdown, detailed)
			}
			p, err := makePlan(w, &f)
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			if asJSON {
				if err := views.WriteJSON(stdout, views.ToJSON(p)); err != nil {
					return fail("%v", err)
				}
			} else if markdown {
				views.RenderMarkdown(stdout, p)
			} else {
				views.RenderPlan(stdout, p, views.Colors{On: colorOn(os.Stdout)})
			}
			if out != "" {
				if err := planner.WritePlanFile(out, p, w.Config, w.Vars); err != nil {
					return fail("saving the plan: %v", err)
				}
				if !asJSON && !markdown && !inAutomation() {
					fmt.Fprintf(stdout, "\nSaved the plan to %s. To carry out exactly this plan, run: mailform apply %s\n", out, out)
				}
			}
			if detailed && p.HasChanges() {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&out, "out", "", "save the plan to this file for apply")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON (docs/plan-json.md)")
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print the plan as Markdown for a pull-request comment")
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when there are changes, 0 when there are none")
	return cmd
}

// readProgress reports, on stderr, a collection read that takes long: "Still
// reading account from exmail... [10s elapsed]", then how many objects it read.
type readProgress struct {
	mu       sync.Mutex
	w        io.Writer
	interval time.Duration
	running  map[string]time.Time // "type from provider" → start
}

func (r *readProgress) event(e planner.ReadEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	what := e.Type + " from " + e.Provider
	if !e.Done {
		r.running[what] = time.Now()
		return
	}
	delete(r.running, what)
	if e.Err == nil && e.Elapsed >= r.interval {
		fmt.Fprintf(r.w, "Read %d %s objects from %s after %s\n", e.Count, e.Type, e.Provider, e.Elapsed.Round(time.Millisecond))
	}
}

// tick reports every interval the reads that have run that long; the returned
// function stops it.
func (r *readProgress) tick() func() { return every(r.interval, r.still) }

func (r *readProgress) still(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lines []string
	for what, start := range r.running {
		if el := now.Sub(start); el >= r.interval {
			lines = append(lines, fmt.Sprintf("Still reading %s... [%s elapsed]", what, el.Round(r.interval)))
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(r.w, l)
	}
}
