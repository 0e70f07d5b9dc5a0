package views

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
)

// MX and SRV records are shown in the order of their numbers, not as strings.
func TestSortRecords(t *testing.T) {
	tests := []struct {
		attr, typ string
		in        []string
		want      []string
	}{
		{"records", "MX", []string{"10 mxbiz2.qq.com.", "5 mxbiz1.qq.com."}, []string{"5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."}},
		{"records", "SRV", []string{"10 5 5060 b.example.", "10 20 5060 a.example.", "2 0 443 c.example."},
			[]string{"2 0 443 c.example.", "10 5 5060 b.example.", "10 20 5060 a.example."}},
		{"records", "TXT", []string{"b", "a"}, []string{"b", "a"}},
		{"members", "MX", []string{"10", "5"}, []string{"10", "5"}},
	}
	for _, tc := range tests {
		if got := sortRecords(tc.attr, tc.typ, tc.in); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("sortRecords(%s, %s, %v) = %v, want %v", tc.attr, tc.typ, tc.in, got, tc.want)
		}
	}
}

// An update names the object it changes, aligns the "=" and counts what it hides;
// the legend lists only the symbols the plan uses; the header names the targets.
func TestRenderPlanLayout(t *testing.T) {
	p := &planner.Plan{Refreshed: true,
		Targets: []planner.Target{{Name: "exmail", Kind: "exmail", Settings: [][2]string{{"endpoint", "https://api.exmail.qq.com/cgi-bin/"}, {"corp_id", "wwcorp"}}}},
		Changes: []*planner.Change{
			{Address: "account.bob", Type: "account", Label: "bob", Action: planner.Update, ID: "bob@example.com", Reverts: []string{"name"},
				After:  model.Object{"email": "bob@example.com", "name": "Bob", "position": "Clerk", "status": "active"},
				Before: model.Object{"email": "bob@example.com", "name": "Robert", "position": "Clerk", "status": "active"},
				Attrs:  []model.AttrChange{{Name: "name", Before: "Robert", After: "Bob"}}},
			{Address: "dns_record.mx", Type: "dns_record", Label: "mx", Action: planner.Update, ID: "example.com/@/MX",
				After: model.Object{"zone": "example.com", "name": "@", "type": "MX", "records": []string{"10 b.", "5 a."}, "ttl": int64(600)},
				Attrs: []model.AttrChange{{Name: "ttl", Before: int64(300), After: int64(600)}}},
		}}
	var b bytes.Buffer
	RenderPlan(&b, p, Colors{})
	want := `Planned against: exmail (endpoint = https://api.exmail.qq.com/cgi-bin/, corp_id = wwcorp)

Objects have changed outside mailform; this plan changes them back:
    account.bob: name

Resource actions are indicated with the following symbols:
  ~ update in place

mailform will perform the following actions:

  # account.bob will be updated in place
  # (changed outside mailform: name; this sets it back to the configuration)
  ~ account "bob" {
        email = "bob@example.com"
      ~ name  = "Robert" -> "Bob"
        # (2 unchanged attributes hidden)
    }

  # dns_record.mx will be updated in place
  ~ dns_record "mx" {
        zone = "example.com"
        name = "@"
        type = "MX"
      ~ ttl  = 300 -> 600
        # (1 unchanged attribute hidden)
    }

Plan: 0 to add, 2 to change, 0 to destroy.
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A Markdown plan past MarkdownLimit keeps the table and the risky changes, counts
// the rest and says where the whole plan is.
func TestRenderMarkdownSummarises(t *testing.T) {
	defer func(n int) { MarkdownLimit = n }(MarkdownLimit)
	MarkdownLimit = 3000
	p := &planner.Plan{}
	for i := 0; i < 50; i++ {
		p.Changes = append(p.Changes, &planner.Change{Address: fmt.Sprintf("account.u%02d", i), Type: "account", Label: fmt.Sprintf("u%02d", i),
			Action: planner.Create, After: model.Object{"email": fmt.Sprintf("u%02d@example.com", i), "name": "User"}})
	}
	p.Changes = append(p.Changes, &planner.Change{Address: "account.gone", Type: "account", Label: "gone", Action: planner.Delete,
		Before: model.Object{"email": "gone@example.com", "name": "Gone"}})
	var b bytes.Buffer
	RenderMarkdown(&b, p)
	md := b.String()
	if len(md) > MarkdownLimit {
		t.Errorf("%d characters, limit %d", len(md), MarkdownLimit)
	}
	for _, want := range []string{"| `account` | 50 | 0 | 0 | 1 | 0 |", "This plan is summarised", "- account.gone (delete)"} {
		if !strings.Contains(md, want) {
			t.Errorf("lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "account.u07") {
		t.Errorf("a plain create is shown in the summarised plan:\n%s", md)
	}
	// Under the limit nothing is summarised.
	MarkdownLimit = 1 << 20
	b.Reset()
	RenderMarkdown(&b, p)
	if strings.Contains(b.String(), "summarised") || !strings.Contains(b.String(), "account.u07") {
		t.Errorf("a plan under the limit is summarised:\n%s", b.String())
	}
}
