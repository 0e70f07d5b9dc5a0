package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

type stateT = state.State

func newStateCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "state", Short: "Inspect and edit the state",
		// Without this a misspelled subcommand printed the help and exited 0, so a
		// script's `mailform state lsit` looked like it worked.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &exitError{1, "Error: mailform state needs a subcommand: list, show, rm or mv"}
			}
			return fail("unknown state subcommand %q; use list, show, rm or mv", args[0])
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use: "list [ADDRESS...]", Short: "List the addresses in state, or those under the given resource or instance addresses",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var filters []string
			for _, a := range args {
				addr, err := schema.ParseTarget(a)
				if err != nil {
					return fail("%v", err)
				}
				filters = append(filters, addr)
			}
			st, err := loadState()
			if err != nil {
				return err
			}
			for _, r := range st.Resources {
				if matchesAny(r.Address, filters) {
					fmt.Fprintln(cmd.OutOrStdout(), r.Address)
				}
			}
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use: "show ADDRESS", Short: "Show one resource in state", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := loadState()
			if err != nil {
				return err
			}
			addr, err := schema.ParseAddr(args[0])
			if err != nil {
				return fail("%v", err)
			}
			r := st.Find(addr)
			if r == nil {
				return fail("%s is not in state; mailform state list shows what is", addr)
			}
			views.RenderStateResource(cmd.OutOrStdout(), r)
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use: "rm ADDRESS...", Short: "Forget resources without touching the live objects", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var removed []string
			err := editState("state rm", func(st *state.State) error {
				for _, a := range args {
					addr, err := schema.ParseTarget(a)
					if err != nil {
						return err
					}
					found := instancesInState(st, addr)
					if len(found) == 0 {
						return fmt.Errorf("%s is not in state (nothing was removed); mailform state list shows what is", addr)
					}
					for _, f := range found {
						st.Remove(f)
						removed = append(removed, f)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			// Reported only once saved: an error on a later address saves nothing.
			for _, r := range removed {
				fmt.Fprintf(cmd.OutOrStdout(), "Removed %s (the live object is untouched)\n", r)
			}
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use: "mv FROM TO", Short: "Rename an address in state", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return editState("state mv", func(st *state.State) error {
				from, err := schema.ParseTarget(args[0])
				if err != nil {
					return err
				}
				to, err := schema.ParseTarget(args[1])
				if err != nil {
					return err
				}
				if err := moveInState(st, from, to); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Moved %s to %s\n", from, to)
				return nil
			})
		},
	})
	return cmd
}

// instancesInState returns addr when state holds it, else, for a resource address
// without a key (account.staff) or a module (module.sub["hk"]), every instance of
// that resource or in that module in state.
func instancesInState(st *state.State, addr string) []string {
	if st.Find(addr) != nil {
		return []string{addr}
	}
	if _, key := schema.SplitAddr(addr); key != nil {
		return nil
	}
	var out []string
	for _, a := range st.Addresses() {
		if schema.Within(a, addr) {
			out = append(out, a)
		}
	}
	return out
}

// moveInState renames one instance, or every instance under a module address
// (module.a → module.b["x"]), keeping the rest of each address.
func moveInState(st *state.State, from, to string) error {
	fm, frest := schema.SplitModule(from)
	tm, trest := schema.SplitModule(to)
	if (fm != "" && frest == "") != (tm != "" && trest == "") {
		return fmt.Errorf("cannot move %s to %s: move a module to a module, or a resource to a resource", from, to)
	}
	if frest != "" {
		if st.Find(from) == nil {
			// A resource without a key moves all of its instances.
			var moved bool
			for _, a := range st.Addresses() {
				if r, key := schema.SplitAddr(a); key != nil && r == from {
					if err := st.Move(a, to+a[len(r):]); err != nil {
						return err
					}
					moved = true
				}
			}
			if moved {
				return nil
			}
		}
		return st.Move(from, to)
	}
	var found []string
	for _, a := range st.Addresses() {
		if m, _ := schema.SplitModule(a); m == from || strings.HasPrefix(m, from+".") {
			found = append(found, a)
		}
	}
	if len(found) == 0 {
		return fmt.Errorf("cannot move %s: nothing in that module is in state (see `mailform state list`)", from)
	}
	for _, a := range found {
		if err := st.Move(a, to+a[len(from):]); err != nil {
			return err
		}
	}
	return nil
}

// editState changes the state under its lock and saves it.
func editState(op string, edit func(*state.State) error) error {
	w, diags := workspace.Open(".", varFlags{}.inputs())
	defer w.Close()
	if w.Backend == nil {
		return report(diags, filesOf(w))
	}
	unlock, err := lock(w, op, 0)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := w.Backend.Load()
	if err != nil {
		return fail("%v", err)
	}
	if err := edit(st); err != nil {
		return fail("%v", err)
	}
	if err := w.Backend.Save(st); err != nil {
		return fail("saving state: %v", err)
	}
	return nil
}

func newForceUnlockCmd() *cobra.Command {
	return &cobra.Command{
		Use: "force-unlock LOCK_ID", Short: "Remove a stale state lock", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, diags := workspace.Open(".", varFlags{}.inputs())
			defer w.Close()
			if w.Backend == nil {
				return report(diags, filesOf(w))
			}
			if err := w.Backend.ForceUnlock(args[0]); err != nil {
				return fail("%v", err)
			}
			fmt.Fprintln(os.Stdout, "The state lock was removed.")
			return nil
		},
	}
}

// matchesAny reports whether addr is one of filters or an instance of one (no
// filters match everything): account.staff matches account.staff["k"].
func matchesAny(addr string, filters []string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if schema.Within(addr, f) {
			return true
		}
	}
	return false
}
