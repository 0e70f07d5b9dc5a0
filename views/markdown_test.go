package views

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
)

func samplePlan() *planner.Plan {
	return &planner.Plan{Lineage: "lin-1", Serial: 3, Moves: []planner.Move{{From: "account.old", To: "account.new"}},
		Warnings: []string{"SPF-LOOKUPS: example.com uses 9 of 10 DNS lookups"},
		Changes: []*planner.Change{
			{Address: "account.alice", Type: "account", Action: planner.Create, Label: "alice",
				After: model.Object{"email": "alice@example.com", "name": "Alice", "departments": model.Unknown, "password": "hunter2-secret", "status": "active"}},
			{Address: "account.bob", Type: "account", Action: planner.Update, Label: "bob", ID: "bob@example.com",
				Attrs: []model.AttrChange{{Name: "name", Before: "Bob", After: "Robert"}, {Name: "password", Before: true, After: true, Sensitive: true}}},
			{Address: "group.all", Type: "group", Action: planner.Update, Label: "all", ID: "all@example.com",
				Attrs: []model.AttrChange{{Name: "members", Before: []string{"a@example.com", "b@example.com"}, After: []string{"b@example.com", "c@example.com"}}}},
			{Address: "dns_record.spf", Type: "dns_record", Action: planner.Replace, Label: "spf", ID: "example.com/@/TXT",
				Attrs: []model.AttrChange{{Name: "zone", Before: "example.org", After: "example.com", ForcesReplacement: true}}},
			{Address: "dns_record.old", Type: "dns_record", Action: planner.Delete, Label: "old", ID: "example.com/old/A",
				Before: model.Object{"zone": "example.com", "name": "old", "type": "A", "records": []string{"192.0.2.9"}, "ttl": int64(600)}},
			{Address: "department.it", Type: "department", Action: planner.NoOp, Label: "it", ID: "7", Adopt: true},
			{Address: "department.gone", Type: "department", Action: planner.NoOp, Label: "gone", Reason: "gone: no longer in configuration and not found live; apply drops it from state"},
			{Address: "domain.corp", Type: "domain", Action: planner.NoOp, Label: "corp"},
		}}
}

func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name string
		plan *planner.Plan
		file string
	}{
		{"every action", samplePlan(), "markdown.golden"},
		{"no changes", &planner.Plan{Changes: []*planner.Change{{Address: "domain.corp", Type: "domain", Action: planner.NoOp}}}, "markdown-none.golden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			RenderMarkdown(&b, tc.plan)
			golden(t, tc.file, b.Bytes())
			if strings.Contains(b.String(), "hunter2") {
				t.Error("a sensitive value is printed")
			}
			if strings.Count(b.String(), "<details>") != strings.Count(b.String(), "</details>") ||
				strings.Count(b.String(), "```")%2 != 0 {
				t.Error("unbalanced <details> or code fences")
			}
		})
	}
}

func TestRenderMarkdownTable(t *testing.T) {
	var b bytes.Buffer
	RenderMarkdown(&b, samplePlan())
	for _, row := range []string{
		"| `department` | 0 | 0 | 0 | 0 | 1 |",
		"| `account` | 1 | 1 | 0 | 0 | 0 |",
		"| `dns_record` | 0 | 0 | 1 | 1 | 0 |",
	} {
		if !strings.Contains(b.String(), row) {
			t.Errorf("summary table lacks %q:\n%s", row, b.String())
		}
	}
	if strings.Contains(b.String(), "`domain`") {
		t.Error("a type with only unchanged instances is listed")
	}
}
