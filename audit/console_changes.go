package audit

import (
	"fmt"
	"time"
)

// ConsoleOnlyOperations names the operation-log types that change settings the API
// cannot manage, so only the operation log shows who changed them.
var ConsoleOnlyOperations = map[int]string{
	11: "receive blacklist: add", 12: "receive blacklist: delete", 13: "receive blacklist: clear",
	14: "whitelist: add", 15: "whitelist: delete", 16: "whitelist: clear",
	17: "domain whitelist: add", 18: "domain whitelist: delete",
	35: "mail backup set", 37: "IP login rules", 38: "external sending restricted",
}

// consoleChanges reports each archived change of a console-only setting within the
// last Policy.NoLoginDays days (the audit period): who, when, what.
func consoleChanges(in Input) []Finding {
	since := in.Now.AddDate(0, 0, -in.Policy.NoLoginDays).Unix()
	var out []Finding
	for _, r := range in.Archive.Operations {
		what, ok := ConsoleOnlyOperations[r.Type]
		if !ok || r.Time < since {
			continue
		}
		objs := []string{r.Operator}
		if r.Peer != "" {
			objs = append(objs, r.Peer)
		}
		ev := fmt.Sprintf("%s changed %q (operation type %d) at %s", r.Operator, what, r.Type,
			time.Unix(r.Time, 0).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04 MST"))
		if r.Peer != "" {
			ev += ", on " + r.Peer
		}
		if r.Remark != "" {
			ev += " (" + r.Remark + ")"
		}
		out = append(out, Finding{Severity: Medium, Title: "Console-only setting changed", Objects: objs, Evidence: ev + ".",
			Fix: "Confirm the change with its operator; if it is policy, record it in the configuration (backup_rule, send_restriction) so that drift and audit know it."})
	}
	return out
}
