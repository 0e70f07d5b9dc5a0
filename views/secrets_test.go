package views

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
)

// Every view says that an adopted account's password is kept, and that an old hash
// is upgraded in state only.
func TestViewsShowBaselineAndRehash(t *testing.T) {
	p := &planner.Plan{Changes: []*planner.Change{
		{Address: "account.a", Type: "account", Action: planner.NoOp, Adopt: true, ID: "a@example.com", Baseline: []string{"password"},
			Before: model.Object{"email": "a@example.com"}, After: model.Object{"email": "a@example.com"}},
		{Address: "account.b", Type: "account", Action: planner.Update, Adopt: true, ID: "b@example.com", Baseline: []string{"password"},
			Before: model.Object{"name": "B"}, After: model.Object{"name": "Bee"}, Attrs: []model.AttrChange{{Name: "name", Before: "B", After: "Bee"}}},
		{Address: "account.c", Type: "account", Action: planner.NoOp, Rehash: []string{"password"}},
	}}
	var human, md bytes.Buffer
	RenderPlan(&human, p, Colors{})
	RenderMarkdown(&md, p)
	for name, out := range map[string]string{"human": human.String(), "markdown": md.String()} {
		if n := strings.Count(out, "password: unknown live, not set"); n != 2 {
			t.Errorf("%s view notes the kept password %d times, want 2:\n%s", name, n, out)
		}
		if !strings.Contains(out, "account.c: the stored hash of its password will be upgraded") {
			t.Errorf("%s view lacks the upgrade:\n%s", name, out)
		}
	}
	b, _ := json.Marshal(ToJSON(p))
	if !strings.Contains(string(b), `"secret_baseline":["password"]`) || !strings.Contains(string(b), `"rehash":["password"]`) {
		t.Errorf("JSON view: %s", b)
	}
}
