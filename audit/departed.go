package audit

import (
	"fmt"
	"strings"
)

// departedAccounts checks each departed account: frozen, retained 30–90 days, handed
// over to an active account.
func departedAccounts(in Input) []Finding {
	active := map[string]bool{}
	for _, a := range in.Accounts {
		if a.Status == "active" {
			active[strings.ToLower(a.Email)] = true
		}
	}
	var out []Finding
	for _, a := range in.Accounts {
		if a.Status != "departed" {
			continue
		}
		var problems []string
		if !a.Frozen {
			problems = append(problems, "it is not frozen")
		}
		if a.RetainDays < 30 || a.RetainDays > 90 {
			problems = append(problems, fmt.Sprintf("its mail is retained %d days, not 30–90", a.RetainDays))
		}
		switch {
		case a.HandoverTo == "":
			problems = append(problems, "no heir receives its mail")
		case !active[strings.ToLower(a.HandoverTo)]:
			problems = append(problems, "its heir "+a.HandoverTo+" is not an active account")
		}
		if len(problems) > 0 {
			out = append(out, Finding{Severity: High, Title: "Departed account not properly offboarded", Objects: []string{a.Email},
				Evidence: strings.ToUpper(problems[0][:1]) + strings.Join(problems, "; ")[1:] + ".",
				Fix:      "Set offboarding { handover_to = <an active account>, retain_days = 30…90 } and apply (apply freezes departed accounts)."})
		}
	}
	return out
}
