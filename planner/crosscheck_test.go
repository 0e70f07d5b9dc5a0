package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
)

// TestCrossCheckOnEveryCore: with enough instances to be checked on several
// goroutines, each instance's findings come out in instance order, its clashes with
// earlier instances first and its own problems after.
func TestCrossCheckOnEveryCore(t *testing.T) {
	dom := &schema.Resource{Type: "domain", Name: "corp", Spec: model.Domain}
	acc := &schema.Resource{Type: "account", Name: "u", Spec: model.Account, DeclRange: hcl.Range{Filename: "main.mf.hcl", Start: hcl.Pos{Line: 3}}}
	insts := []*Instance{{Addr: "domain.corp", Res: dom, Desired: model.Object{"name": "example.com"}}}
	var want []string
	for i := range 8 * minPerWorker {
		addr := fmt.Sprintf("account.u[%d]", i)
		o := model.Object{"email": fmt.Sprintf("u%03d@example.com", i), "name": "U", "status": "active"}
		switch {
		case i%9 == 4:
			o["email"] = fmt.Sprintf("u%03d@elsewhere.com", i)
			want = append(want, "Address outside the declared domains "+addr)
		case i%13 == 6:
			o["email"] = "u000@example.com"
			want = append(want, "Duplicate account address "+addr, "Address used twice "+addr)
		}
		if i%17 == 8 {
			o["offboarding"] = model.Object{"retain_days": int64(5)}
			want = append(want, "Retention outside the policy "+addr)
		}
		insts = append(insts, &Instance{Addr: addr, Res: acc, Desired: o})
	}
	var got []string
	for _, d := range crossCheck(insts, &ProviderSet{ByName: map[string]providers.Provider{}}) {
		// The instance a finding is about is the last address its detail names.
		addr := ""
		for _, f := range strings.Fields(d.Detail) {
			if strings.HasPrefix(f, "account.u[") {
				addr = strings.TrimRight(f, ".,")
			}
		}
		got = append(got, d.Summary+" "+addr)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
