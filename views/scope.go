package views

import (
	"fmt"
	"strings"

	"github.com/mailform/mailform/planner"
)

// ScopeText says who a rule applies to: "applies to 14 accounts in
// department.finance", or with several sources "applies to 16 accounts: 14 in
// department.finance, 2 listed", and "(was 12)" when the plan changes the count.
func ScopeText(s *planner.Scope) string {
	if s.Partial && s.Accounts == 0 {
		return "applies to the accounts of departments this apply creates; the next plan counts them"
	}
	text := fmt.Sprintf("applies to %d account%s", s.Accounts, plural(s.Accounts))
	var parts []string
	for _, src := range s.Sources {
		where := "in " + src.Ref
		if src.Ref == "accounts" {
			where = "listed"
		}
		parts = append(parts, fmt.Sprintf("%d %s", src.Accounts, where))
	}
	switch {
	case len(s.Sources) == 1 && s.Sources[0].Ref != "accounts":
		text += " in " + s.Sources[0].Ref
	case len(parts) > 0:
		text += ": " + strings.Join(parts, ", ")
	}
	if s.Was != nil {
		text += fmt.Sprintf(" (was %d)", *s.Was)
	}
	if s.Partial {
		text += ", and those of departments this apply creates"
	}
	return text
}
