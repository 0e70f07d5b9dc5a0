// Command gen writes a mailform configuration for a big sandbox tenant — departments,
// accounts and groups from CSV files, DNS records across a few zones — as input for the
// engine benchmark:
//
//	go run ./bench/gen -dir DIR -accounts 50000 -groups 5000 -departments 1000 -records 10000
//
// The output is deterministic for a given -seed, so runs of the benchmark compare.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

// sizes is how big a tenant to generate.
type sizes struct {
	accounts, groups, departments, records, zones int
}

func main() {
	dir := flag.String("dir", "", "directory to write the configuration into (created if missing)")
	var sz sizes
	flag.IntVar(&sz.accounts, "accounts", 50000, "number of accounts")
	flag.IntVar(&sz.groups, "groups", 5000, "number of mail groups")
	flag.IntVar(&sz.departments, "departments", 1000, "number of departments, in three levels")
	flag.IntVar(&sz.records, "records", 10000, "number of dns_record RRsets")
	flag.IntVar(&sz.zones, "zones", 4, "number of mail domains and DNS zones")
	seed := flag.Uint64("seed", 1, "seed of the pseudo-random names, for reproducible output")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "gen: -dir is required: the directory to write the configuration into")
		os.Exit(2)
	}
	if err := generate(*dir, sz, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// generate writes the whole configuration for sz into dir.
func generate(dir string, sz sizes, seed uint64) error {
	if err := sz.check(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x6d61696c666f726d))
	t := newTenant(sz, rng)
	steps := []func(string) error{t.writeMain, t.writeDepartments, t.writeAccounts, t.writeGroups, t.writeRecords}
	for _, step := range steps {
		if err := step(dir); err != nil {
			return err
		}
	}
	return nil
}

func (sz sizes) check() error {
	switch {
	case sz.zones < 1 || sz.zones > 50:
		return fmt.Errorf("-zones %d: give 1 to 50 zones", sz.zones)
	case sz.departments < 1:
		return fmt.Errorf("-departments %d: accounts need at least one department", sz.departments)
	case sz.accounts < 0 || sz.groups < 0 || sz.records < 0:
		return fmt.Errorf("counts cannot be negative")
	case sz.groups > 0 && sz.accounts == 0:
		return fmt.Errorf("-groups %d needs accounts to be members", sz.groups)
	}
	return nil
}
