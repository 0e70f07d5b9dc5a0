package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/providers/unreachable"
)

// unreachableConfig is an Exmail configuration pointed at endpoint.
func unreachableConfig(endpoint string) string {
	return fmt.Sprintf(`provider "exmail" {
  endpoint = %q
}
domain "main" {
  name = "example.com"
}
department "sales" {
  name = "Sales"
}
account "ann" {
  email       = "ann@example.com"
  name        = "Ann"
  departments = [department.sales.id]
  password    = "Initial-Pw-1"
}
group "all" {
  email   = "all@example.com"
  name    = "All"
  members = [account.ann.email]
}
`, endpoint)
}

// With the Exmail endpoint refusing connections, answering HTTP 500, or accepting
// connections and never answering, plan, drift and export exit 1 in under a minute
// with the provider's default settings, with one message naming the endpoint and the
// cause, and progress lines while they wait.
func TestUnreachableExmailFailsFast(t *testing.T) {
	refused := unreachable.Refused(t, "/cgi-bin/")
	endpoints := []struct{ name, url, cause string }{
		{"refused", refused, "cannot reach " + refused},
		{"http500", unreachable.Failing(t, http.StatusInternalServerError, "/cgi-bin/"), "answered HTTP 500"},
		{"hangs", unreachable.Hanging(t, "/cgi-bin/"), "no answer from"},
	}
	env := []string{"EXMAIL_CORP_ID=corp", "EXMAIL_CONTACTS_SECRET=contacts-SECRET-x1", "EXMAIL_OPTIONS_SECRET=options-SECRET-x2"}
	type runResult struct {
		name, cause string
		r           result
		took        time.Duration
	}
	// The runs go side by side in goroutines: t.Parallel would hold them to two at a
	// time on two cores, and each hanging run waits out its budget.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var results []runResult
	for _, ep := range endpoints {
		for _, args := range [][]string{{"plan"}, {"drift"}, {"export", "-out", "exported"}} {
			dir := writeFiles(t, map[string]string{"main.mf.hcl": unreachableConfig(ep.url)})
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				cmd := command(dir, env, args...)
				var out, errb strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &errb
				err := cmd.Run()
				r := result{stdout: out.String(), stderr: errb.String()}
				if err != nil {
					r.code = cmd.ProcessState.ExitCode()
				}
				mu.Lock()
				results = append(results, runResult{ep.name + "/" + args[0], ep.cause, r, time.Since(start)})
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for _, rr := range results {
		t.Run(rr.name, func(t *testing.T) {
			r, took := rr.r, rr.took
			t.Logf("%s: exit %d after %s", rr.name, r.code, took.Round(100*time.Millisecond))
			if r.code != 1 || took >= 60*time.Second {
				t.Fatalf("want exit 1 in under 60s, got exit %d after %s\n%s", r.code, took, r)
			}
			errs := r.stderr
			if i := strings.Index(errs, "Error:"); i >= 0 {
				errs = errs[i:]
			}
			errs = strings.Join(strings.Fields(errs), " ") // undo the wrapping of long lines
			if strings.Count(r.stderr, "Error:") != 1 || strings.Count(errs, "gave up") != 1 ||
				!strings.Contains(errs, rr.cause) || !strings.Contains(errs, "check the endpoint and the network") {
				t.Fatalf("want one error naming %q once, got\n%s", rr.cause, r)
			}
			if strings.Contains(r.output(), "SECRET") {
				t.Fatalf("a secret is in the output:\n%s", r)
			}
			if took > 10*time.Second && !strings.Contains(r.stderr, "still waiting [") {
				t.Fatalf("a %s wait printed no progress line:\n%s", took.Round(time.Second), r)
			}
		})
	}
}
