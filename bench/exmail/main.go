// Command exmail measures the exmail provider against a big served sandbox tenant:
// the API calls and wall time of a no-change plan, and of applying new accounts under
// a rate limit. It seeds the tenant directly through the sandbox store, serves it with
// the Exmail API handler in this process (with per-call latency), records the state by
// a first apply that adopts every live object, and runs the real mailform binary:
//
//	go run ./bench/exmail -users 50000 -departments 500 -groups 2000 -new 1000
//
// Targets: a no-change plan makes 2 + groups calls (department/list, user/list, one
// group/get per group) besides gettoken; an apply's wall time is within 20 % of its
// calls ÷ the rate limit.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// sizes is the tenant and workload of one run.
type sizes struct {
	users, departments, groups, newUsers int
	latency                              time.Duration
	rate                                 float64
	// profiles is a directory for one CPU profile per mailform run, or "".
	profiles string
}

func main() {
	var sz sizes
	flag.IntVar(&sz.users, "users", 50000, "accounts in the tenant")
	flag.IntVar(&sz.departments, "departments", 500, "departments in the tenant")
	flag.IntVar(&sz.groups, "groups", 2000, "mail groups in the tenant")
	flag.IntVar(&sz.newUsers, "new", 1000, "accounts the measured apply creates")
	flag.DurationVar(&sz.latency, "latency", 20*time.Millisecond, "latency of every API call")
	flag.Float64Var(&sz.rate, "rate", 50, "calls per second the server allows during the apply (and the provider's rate_limit)")
	bin := flag.String("mailform", "", "the mailform binary; default: build ./cmd/mailform (run from the repository root)")
	keep := flag.Bool("keep", false, "keep the work directory and print where it is")
	flag.StringVar(&sz.profiles, "profile", "", "write a CPU profile of each mailform run into this directory (MAILFORM_CPUPROFILE)")
	flag.Parse()
	if err := sz.check(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/exmail:", err)
		os.Exit(2)
	}
	res, err := run(sz, *bin, *keep, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/exmail:", err)
		os.Exit(1)
	}
	res.print(os.Stdout, sz)
}

func (sz sizes) check() error {
	switch {
	case sz.departments < 1 || sz.users < 1:
		return fmt.Errorf("-departments and -users must be at least 1")
	case sz.groups < 0 || sz.newUsers < 0:
		return fmt.Errorf("-groups and -new cannot be negative")
	case sz.rate <= 0:
		return fmt.Errorf("-rate must be positive")
	}
	return nil
}
