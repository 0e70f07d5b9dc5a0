package audit

import "strings"

// restrictedDepartments finds each department of the policy's list that no send
// restriction, or no backup rule, covers.
func restrictedDepartments(in Input) []Finding {
	exists := lowerSet(in.Departments)
	var out []Finding
	for _, d := range in.Policy.RestrictedDepartments {
		if !exists[strings.ToLower(d)] {
			out = append(out, Finding{Severity: High, Title: "Restricted department not found", Objects: []string{d},
				Evidence: "audit { restricted_departments } names " + d + ", which is not an applied department.",
				Fix:      "Correct the name in the audit block, or declare the department and apply."})
			continue
		}
		if !covers(in.SendRestrictions, d) {
			out = append(out, Finding{Severity: High, Title: "Restricted department without a send restriction", Objects: []string{d},
				Evidence: "No send_restriction lists the department " + d + ".",
				Fix:      `Add a send_restriction with departments = [department.<x>.id] and external = "deny" (with allowed_domains as needed), and apply.`})
		}
		if !covers(in.BackupRules, d) {
			out = append(out, Finding{Severity: High, Title: "Restricted department without a backup rule", Objects: []string{d},
				Evidence: "No backup_rule lists the department " + d + ": its mail is not copied.",
				Fix:      "Add a backup_rule with departments = [department.<x>.id] and a destination mailbox, and apply."})
		}
	}
	return out
}

func covers(rules []Rule, dept string) bool {
	for _, r := range rules {
		for _, d := range r.Departments {
			if strings.EqualFold(d, dept) {
				return true
			}
		}
	}
	return false
}
