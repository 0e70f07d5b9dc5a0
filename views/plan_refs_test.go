package views

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
)

// Department ids in a plan are shown with the department they name.
func TestRenderPlanNamesDepartmentIDs(t *testing.T) {
	p := &planner.Plan{Changes: []*planner.Change{
		{Address: "department.sales", Type: "department", Action: planner.NoOp, ID: "2"},
		{Address: "department.eng", Type: "department", Action: planner.NoOp, ID: "3"},
		{Address: "account.alice", Type: "account", Label: "alice", Action: planner.Update, ID: "alice@example.com",
			Attrs: []model.AttrChange{{Name: "departments", Before: []string{"3"}, After: []string{"2"}}}},
		{Address: "department.emea", Type: "department", Label: "emea", Action: planner.Create,
			After: model.Object{"name": "EMEA", "parent": "2", "id": model.Unknown}},
	}}
	var b bytes.Buffer
	RenderPlan(&b, p, Colors{})
	for _, want := range []string{`- "3" (department.eng)`, `+ "2" (department.sales)`, `+ parent = "2" (department.sales)`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, b.String())
		}
	}
}
