package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

// refreshOnlyPlan reads the live objects and returns the outside changes state can
// accept, and the state with them accepted; the state lock must be held.
func refreshOnlyPlan(w *workspace.Workspace, st *state.State, f *planFlags) (*planner.DriftReport, *state.State, error) {
	switch {
	case !f.refresh:
		return nil, nil, fail("-refresh-only with -refresh=false has nothing to do: it is the live objects it reads")
	case len(f.replace) > 0:
		return nil, nil, fail("-refresh-only never changes live objects, so it cannot be combined with -replace")
	case len(f.allowDelete) > 0:
		return nil, nil, fail("-refresh-only never deletes anything, so -allow-delete does not apply")
	}
	var targets []string
	for _, t := range f.targets {
		a, err := schema.ParseAddr(t)
		if err != nil {
			return nil, nil, fail("-target: %v", err)
		}
		targets = append(targets, a)
	}
	now, err := workspace.Now()
	if err != nil {
		return nil, nil, fail("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rp := &readProgress{w: os.Stderr, running: map[string]time.Time{}, interval: stillInterval()}
	stopTicker := rp.tick()
	rep, next, diags := planner.RefreshOnly(ctx, planner.DriftOptions{
		Config: w.Config, Vars: w.Vars, State: st, Providers: w.Providers, Now: now, Reads: rp.event,
	}, targets)
	stopTicker()
	if ctx.Err() != nil {
		return nil, nil, fail("interrupted: the refresh stopped before it was complete; nothing was changed")
	}
	if err := report(errorsOnly(diags), w.Config.Files); err != nil {
		return nil, nil, err
	}
	return rep, next, nil
}

// applyRefreshOnly shows the outside changes, asks for confirmation unless
// autoApprove, and records them in state; no provider is written to.
func applyRefreshOnly(w *workspace.Workspace, st *state.State, f *planFlags, autoApprove bool, stdout io.Writer) error {
	rep, next, err := refreshOnlyPlan(w, st, f)
	if err != nil {
		return err
	}
	col := views.Colors{On: colorOn(os.Stdout)}
	views.RenderRefreshOnly(stdout, rep, col)
	if !rep.HasDrift() {
		return nil
	}
	if !autoApprove {
		if !f.canPrompt() {
			return fail("apply -refresh-only needs confirmation, but input is off (-input=false or MAILFORM_IN_AUTOMATION): pass -auto-approve")
		}
		if !term.IsTerminal(int(os.Stdin.Fd())) {
			return fail("apply -refresh-only needs confirmation: run it on a terminal or pass -auto-approve")
		}
		fmt.Fprint(stdout, "\nWould you like to record these values in state? Only 'yes' will be accepted.\n  Enter a value: ")
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if strings.TrimSpace(line) != "yes" {
			return fail("apply cancelled")
		}
	}
	outs, diags := planner.Outputs(planner.Options{Config: w.Config, Vars: w.Vars, State: next})
	if !diags.HasErrors() {
		if so, err := planner.StateOutputs(outs); err == nil {
			next.Outputs = so
		}
	}
	if err := w.Backend.Save(next); err != nil {
		return fail("recording the outside changes in state: %v", err)
	}
	noun := "outside changes"
	if len(rep.Items) == 1 {
		noun = "outside change"
	}
	fmt.Fprintf(stdout, "\n%s %d %s recorded in state; no live object was changed.\n", col.Green("Apply complete!"), len(rep.Items), noun)
	return nil
}

// planRefreshOnly is plan -refresh-only: it shows what apply -refresh-only would
// record, and exits 2 with -detailed-exitcode when there is something.
func planRefreshOnly(stdout io.Writer, w *workspace.Workspace, f *planFlags, out string, asJSON, markdown, detailed bool) error {
	if out != "" || markdown {
		return fail("plan -refresh-only cannot be saved (-out) or printed as Markdown: review it here and run mailform apply -refresh-only, which shows it again before recording it")
	}
	st, err := w.Backend.Load()
	if err != nil {
		return fail("%v", err)
	}
	rep, _, err := refreshOnlyPlan(w, st, f)
	if err != nil {
		return err
	}
	if asJSON {
		if err := views.WriteJSON(stdout, views.DriftToJSON(rep)); err != nil {
			return fail("%v", err)
		}
	} else {
		views.RenderRefreshOnly(stdout, rep, views.Colors{On: colorOn(os.Stdout)})
	}
	if detailed && rep.HasDrift() {
		return &exitError{code: 2}
	}
	return nil
}
