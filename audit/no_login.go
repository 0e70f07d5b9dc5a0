package audit

import (
	"fmt"
	"strings"
	"time"
)

// noLogin finds active accounts without a login for Policy.NoLoginDays, when the
// archive reaches back that far; a shorter archive cannot tell, and the coverage
// rule says so.
func noLogin(in Input) []Finding {
	a := in.Archive
	n := in.Policy.NoLoginDays
	if !a.Present || n <= 0 || a.First == "" {
		return nil
	}
	since := in.Now.AddDate(0, 0, -n)
	first, err := time.Parse("2006-01-02", a.First)
	if err != nil || first.After(since) {
		return nil
	}
	var out []Finding
	for _, acc := range in.Accounts {
		if acc.Status != "active" {
			continue
		}
		last, ok := a.LastLogin[strings.ToLower(acc.Email)]
		if ok && !last.Before(since) {
			continue
		}
		ev := fmt.Sprintf("No login archived since %s (the archive begins %s).", since.Format("2006-01-02"), a.First)
		if ok {
			ev = fmt.Sprintf("Last login %s, %d days ago.", last.Format("2006-01-02"), int(in.Now.Sub(last).Hours()/24))
		}
		out = append(out, Finding{Severity: Medium, Title: fmt.Sprintf("No login for %d days", n), Objects: []string{acc.Email},
			Evidence: ev,
			Fix:      `Ask the account's department; if the person has left, set status = "departed" with offboarding { handover_to, retain_days } and apply.`})
	}
	return out
}
