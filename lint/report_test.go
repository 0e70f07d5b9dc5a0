package lint

import (
	"os"
	"strings"
	"testing"
)

func TestFindingsPointAtTheirRecordInSourceOrder(t *testing.T) {
	recs := number([]Record{
		rec("@", "CNAME", "example.net."),
		rec("_dmarc", "TXT", "v=DMARC1"),
		rec("@", "MX", "10 192.0.2.1"),
	})
	diags := Check(Input{Records: recs})
	want := []struct{ prefix, addr string }{
		{"[CNAME-APEX] dns_record.r0:", "dns_record.r0"},
		{"[CNAME-EXCLUSIVE] dns_record.r0:", "dns_record.r0"},
		{"[DMARC-POLICY] dns_record.r1:", "dns_record.r1"},
		{"[MX-TARGET-IP] dns_record.r2:", "dns_record.r2"},
	}
	if len(diags) != len(want) {
		t.Fatalf("got %d findings, want %d: %v", len(diags), len(want), diags)
	}
	for i, w := range want {
		d := diags[i]
		if !strings.HasPrefix(d.Summary, w.prefix) {
			t.Errorf("finding %d: summary %q, want prefix %q", i, d.Summary, w.prefix)
		}
		var r Record
		for _, x := range recs {
			if x.Address == w.addr {
				r = x
			}
		}
		if *d.Subject != r.Range {
			t.Errorf("finding %d: subject %v, want %v", i, *d.Subject, r.Range)
		}
	}
}

func TestExmailMXMessageListsBothSetsByPreference(t *testing.T) {
	diags := Check(Input{
		ExmailDomains: []string{"example.com"},
		Records: number([]Record{
			rec("@", "MX", "20 mx2.example.net.", "10 mx1.example.net."),
			rec("@", "TXT", "v=spf1 include:spf.mail.qq.com -all"),
		}),
	})
	if len(diags) != 1 {
		t.Fatalf("want one finding, got %v", diags)
	}
	want := "[EXMAIL-MX] example.com: MX is 10 mx1.example.net., 20 mx2.example.net.; Tencent Exmail expects 5 mxbiz1.qq.com., 10 mxbiz2.qq.com."
	if diags[0].Summary != want {
		t.Errorf("summary\n %q\nwant\n %q", diags[0].Summary, want)
	}
}

func TestRecordWithoutAddressIsNamedByDNSName(t *testing.T) {
	diags := Check(Input{Records: []Record{{Zone: "example.com", Name: "www", Type: "cname", Records: []string{"a.example.net.", "b.example.net."}}}})
	if len(diags) != 1 || !strings.HasPrefix(diags[0].Summary, "[CNAME-EXCLUSIVE] www.example.com CNAME:") {
		t.Fatalf("got %v", diags)
	}
}

// TestDocsListEveryRule keeps docs/lint.md in step with the rule table.
func TestDocsListEveryRule(t *testing.T) {
	b, err := os.ReadFile("../docs/lint.md")
	if err != nil {
		t.Fatalf("docs/lint.md: %v", err)
	}
	doc := string(b)
	for _, r := range Rules() {
		row := "| `" + r.ID + "` | " + sevName(r.Severity) + " |"
		if !strings.Contains(doc, row) {
			t.Errorf("docs/lint.md has no row starting %q", row)
		}
	}
	if n := strings.Count(doc, "\n| `"); n != len(Rules()) {
		t.Errorf("docs/lint.md has %d rule rows, the table in rules.go %d", n, len(Rules()))
	}
}

func TestRuleIDsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.What == "" || r.Fix == "" {
			t.Errorf("rule %s lacks a description or a fix", r.ID)
		}
	}
}
