package planner

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// allDiags is every diagnostic's summary and detail, one a line.
func allDiags(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}

// TestPlanReplace: -replace turns an unchanged instance into a replacement with the
// reason, leaves the others alone, and refuses what must not be replaced.
func TestPlanReplace(t *testing.T) {
	for _, c := range []struct {
		replace []string
		want    string // "" for success
	}{
		{[]string{"dns_record.mx"}, ""},
		{[]string{"account.alice"}, "replacing a mailbox deletes it and all its mail"},
		{[]string{"department.sales"}, "would give it a new id"},
		{[]string{"domain.corp"}, "example.com has 2 accounts and 0 groups"},
		{[]string{"dns_record.nx"}, `Did you mean "dns_record.mx"?`},
		{[]string{"group.none"}, "no resource instance group.none"},
	} {
		w := newWorld()
		w.opts = func(o *Options) { o.Replace = c.replace }
		p, diags := w.plan(t)
		if c.want != "" {
			if !diags.HasErrors() || !strings.Contains(allDiags(diags), c.want) {
				t.Errorf("-replace %v: want an error with %q, got %v", c.replace, c.want, diags)
			}
			continue
		}
		if diags.HasErrors() {
			t.Fatalf("-replace %v: %s", c.replace, diags.Error())
		}
		for _, ch := range p.Changes {
			want := NoOp
			if ch.Address == "dns_record.mx" {
				want = Replace
				if ch.Reason != ReplaceReason || ch.ID != "example.com/@/MX" {
					t.Errorf("replaced change: reason %q id %q", ch.Reason, ch.ID)
				}
			}
			if ch.Action != want {
				t.Errorf("-replace %v: %s is %s, want %s", c.replace, ch.Address, ch.Action, want)
			}
		}
	}
}

// TestPlanReplaceNothingToReplace: an instance that the plan creates is refused.
func TestPlanReplaceNothingToReplace(t *testing.T) {
	w := newWorld()
	w.config += `group "new" {
  email = "new@example.com"
  name  = "New"
}
`
	w.opts = func(o *Options) { o.Replace = []string{"group.new"} }
	if _, diags := w.plan(t); !diags.HasErrors() || !strings.Contains(allDiags(diags), "does not exist in state yet") {
		t.Errorf("replace of a new group: %v", diags)
	}
}
