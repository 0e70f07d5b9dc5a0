// Command seed writes the accounts and groups that a configuration would create
// straight into its sandbox tenant, for the engine benchmark (bench/engine/run.sh).
//
// The sandbox checks every account and group write against all other addresses (as
// Exmail does), which makes creating 55,000 of them through `mailform apply` take
// hours. The benchmark measures planning, not the sandbox, so it applies departments
// and DNS records for real, then runs this to store the accounts and groups with
// tenant.Tx.Put — the objects are exactly the ones the engine planned to create — and
// lets `mailform plan` adopt them into state.
//
//	go run ./bench/engine/seed -dir DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/providers/sandbox"
	"github.com/mailform/mailform/providers/sandbox/tenant"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/workspace"
)

// batchSize bounds one bbolt transaction, so a failure names a small range of objects.
const batchSize = 5000

func main() {
	dir := flag.String("dir", ".", "configuration directory whose .sandbox tenant to seed")
	types := flag.String("types", "account,group", "comma-separated resource types to seed")
	flag.Parse()
	// The benchmark's configurations use only the sandbox provider.
	sandbox.Register()
	n, err := seed(*dir, strings.Split(*types, ","))
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
	fmt.Printf("seeded %d objects into %s\n", n, filepath.Join(*dir, sandbox.DefaultDir))
}

// seed plans the configuration in dir against its state (without reading the tenant)
// and puts every planned create of the given types into the tenant.
func seed(dir string, types []string) (int, error) {
	objs, err := plannedCreates(dir, types)
	if err != nil {
		return 0, err
	}
	store, err := tenant.Open(filepath.Join(dir, sandbox.DefaultDir), tenant.Options{})
	if err != nil {
		return 0, err
	}
	defer store.Close()
	for start := 0; start < len(objs); start += batchSize {
		chunk := objs[start:min(start+batchSize, len(objs))]
		err := store.Batch(func(tx *tenant.Tx) error {
			for _, c := range chunk {
				if _, err := tx.Put(c.Type, model.CanonicalEmail(c.After.Str("email")), c.After); err != nil {
					return fmt.Errorf("%s: %w", c.Address, err)
				}
			}
			return nil
		})
		if err != nil {
			return start, err
		}
	}
	return len(objs), nil
}

// plannedCreates returns the creates of the given types that a plan without refresh
// contains; every one must be fully known, so the departments it refers to must have
// been applied first.
func plannedCreates(dir string, types []string) ([]*planner.Change, error) {
	ws, diags := workspace.Open(dir, schema.VarInputs{})
	if diags.HasErrors() {
		return nil, fmt.Errorf("cannot open %s: %s", dir, diags.Error())
	}
	defer ws.Close()
	st, err := ws.Backend.Load()
	if err != nil {
		return nil, err
	}
	now, err := workspace.Now()
	if err != nil {
		return nil, err
	}
	p, diags := planner.MakePlan(context.Background(), planner.Options{
		Config: ws.Config, Vars: ws.Vars, State: st, Providers: ws.Providers, Refresh: false, Now: now,
	})
	if diags.HasErrors() {
		return nil, fmt.Errorf("cannot plan %s: %s", dir, diags.Error())
	}
	var out []*planner.Change
	for _, c := range p.Changes {
		if c.Action != planner.Create || !slices.Contains(types, c.Type) {
			continue
		}
		for name, v := range c.After {
			if model.IsUnknown(v) {
				return nil, fmt.Errorf("%s: %s is known only after apply; apply what it refers to first (run.sh applies the departments before seeding)", c.Address, name)
			}
		}
		out = append(out, c)
	}
	return out, nil
}
