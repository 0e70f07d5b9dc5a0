package audit

import (
	"fmt"
	"strings"
)

// secondFactor finds active accounts that do not force secure login, outside the
// policy's exceptions.
func secondFactor(in Input) []Finding {
	except := lowerSet(in.Policy.SecondFactorExceptions)
	var missing []string
	active := 0
	for _, a := range in.Accounts {
		if a.Status != "active" {
			continue
		}
		active++
		if !a.ForceSecureLogin && !except[strings.ToLower(a.Email)] {
			missing = append(missing, a.Email)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return []Finding{{Severity: High, Title: "Accounts without a second factor", Objects: sorted(missing),
		Evidence: fmt.Sprintf("%d of %d active accounts do not force secure login.", len(missing), active),
		Fix:      `Set force_secure_login = true on these accounts (or list them in audit { second_factor_exceptions }) and apply.`}}
}
