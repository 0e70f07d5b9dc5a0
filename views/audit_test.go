package views

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/audit"
)

func sampleAudit() audit.Report {
	return audit.Report{Generated: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC),
		Findings: []audit.Finding{{Rule: "second-factor", Severity: audit.High, Title: "Accounts without a second factor",
			Objects: []string{"a@x.com"}, Evidence: "1 of 2 <active> accounts | x", Fix: "Set force_secure_login."}},
		Ignored: 1, Notes: []string{"Quota: not available."},
		Charts: audit.Charts{StatusByDepartment: []audit.DepartmentStatus{{Department: "Finance", Active: 3, Departed: 1}},
			SecondFactorOn: 1, SecondFactorOff: 1, LoginsPerDay: []audit.DayCount{{Day: "2026-06-30", Count: 5}},
			SentOutside: []audit.NameCount{{Name: "Finance", Count: 7}}}}
}

func TestAuditRenderings(t *testing.T) {
	rep := sampleAudit()
	var term, md, js, page bytes.Buffer
	RenderAudit(&term, rep)
	if !strings.Contains(term.String(), "[high] Accounts without a second factor (second-factor)") ||
		!strings.Contains(term.String(), "Audit: 1 findings, 1 accepted by audit { ignore }.") {
		t.Fatalf("terminal:\n%s", term.String())
	}
	if err := WriteAuditMarkdown(&md, rep); err != nil || !strings.Contains(md.String(), "| high | `second-factor` |") ||
		!strings.Contains(md.String(), `accounts \| x`) {
		t.Fatalf("markdown:\n%s", md.String())
	}
	if err := WriteAuditJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back audit.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Findings[0].Rule != "second-factor" || back.Charts.SecondFactorOff != 1 {
		t.Fatalf("json: %v\n%s", err, js.String())
	}
	if err := WriteAuditHTML(&page, rep); err != nil {
		t.Fatal(err)
	}
	h := page.String()
	for _, want := range []string{`<tr class="finding" data-rule="second-factor">`, "1 of 2 &lt;active&gt; accounts", `id="chart-status"`,
		`id="chart-second-factor"`, `id="chart-logins"`, `id="chart-sent-outside"`, `<rect class="departed"`} {
		if !strings.Contains(h, want) {
			t.Fatalf("html lacks %q:\n%s", want, h)
		}
	}
	for _, bad := range []string{"http://", "https://", "<script", "<link"} {
		if strings.Contains(strings.ReplaceAll(h, `xmlns="http://www.w3.org/2000/svg"`, ""), bad) {
			t.Fatalf("the page is not self-contained: it has %q", bad)
		}
	}
	page.Reset()
	if err := WriteAuditHTML(&page, audit.Report{Generated: rep.Generated}); err != nil || !strings.Contains(page.String(), "No findings") {
		t.Fatalf("clean page: %v", err)
	}
}
