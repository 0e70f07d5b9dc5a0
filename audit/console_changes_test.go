package audit

import (
	"strings"
	"testing"

	"github.com/mailform/mailform/logarchive"
)

func TestConsoleChanges(t *testing.T) {
	at := func(daysAgo int) int64 { return now.AddDate(0, 0, -daysAgo).Unix() }
	ops := []logarchive.Row{
		{Kind: "operation", Time: at(3), Operator: "boss@x.com", Type: 35, Peer: "fin@x.com", Remark: "finance backup"},
		{Kind: "operation", Time: at(5), Operator: "admin@x.com", Type: 23, Peer: "a@x.com"}, // edit user: the API manages it
		{Kind: "operation", Time: at(200), Operator: "old@x.com", Type: 38},                  // before the audit period
		{Kind: "operation", Time: at(10), Operator: "it@x.com", Type: 37},
	}
	got := consoleChanges(input(func(in *Input) { in.Archive.Operations = ops }))
	check(t, "changes", got, "Console-only setting changed: boss@x.com,fin@x.com", "Console-only setting changed: it@x.com")
	if !strings.Contains(got[0].Evidence, `boss@x.com changed "mail backup set"`) || !strings.Contains(got[0].Evidence, "(finance backup)") {
		t.Fatalf("evidence: %s", got[0].Evidence)
	}
}

func TestRunIgnoresAcceptedFindings(t *testing.T) {
	in := input(func(in *Input) {
		in.Accounts = []Account{{Email: "a@x.com", Status: "active"}, {Email: "b@x.com", Status: "active", ForceSecureLogin: true, Departments: []string{"Sales"}}}
		in.Policy.Ignore = []string{"archive-coverage"}
	})
	rep := Run(in)
	if len(rep.Findings) != 1 || rep.Findings[0].Rule != "second-factor" || rep.Ignored != 1 {
		t.Fatalf("%+v", rep)
	}
	in.Policy.Ignore = append(in.Policy.Ignore, "second-factor:A@x.com")
	if rep := Run(in); len(rep.Findings) != 0 || rep.Ignored != 2 {
		t.Fatalf("%+v", rep)
	}
	if rep.Charts.SecondFactorOn != 1 || rep.Charts.SecondFactorOff != 1 || len(rep.Charts.StatusByDepartment) != 2 {
		t.Fatalf("charts %+v", rep.Charts)
	}
}
