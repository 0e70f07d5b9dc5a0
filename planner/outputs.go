package planner

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/state"
)

// Output is the value of one output block.
type Output struct {
	Name        string
	Value       cty.Value
	Sensitive   bool
	Description string
	// Secret says the value is made from a secret (a password, a provider secret, a
	// sensitive variable), which state never stores in clear.
	Secret bool
}

// Outputs evaluates the output blocks with the ids state records, as after an apply.
func Outputs(o Options) ([]Output, hcl.Diagnostics) {
	if len(o.Config.Outputs) == 0 {
		return nil, nil
	}
	g, diags := buildGraph(o.Config)
	if diags.HasErrors() {
		return nil, diags
	}
	st := o.State
	if st == nil {
		st = state.New()
	}
	// Only what the outputs refer to is evaluated: plan evaluates outputs too, and a
	// tenant's 50,000 accounts need not be evaluated twice for a count of domains.
	keep := map[string]bool{}
	for _, oc := range o.Config.Outputs {
		if oc.Expr == nil {
			continue
		}
		for _, tr := range oc.Expr.Variables() {
			if id, _ := referenceTarget(o.Config, &node{}, tr); id != "" {
				for n := range g.closure(id) {
					keep[n] = true
				}
			}
		}
	}
	ev := newEvaluator(o.Config, g, o.Vars)
	_, d := ev.runNodes(func(a string) model.Object {
		if r := st.Find(a); r != nil && r.ID != "" {
			return model.Object{"id": r.ID}
		}
		return nil
	}, keep)
	diags = append(diags, d...)
	secrets := FindSecrets(o.Config)
	var out []Output
	for _, oc := range o.Config.Outputs {
		if oc.Expr == nil {
			continue
		}
		v, d := oc.Expr.Value(ev.base)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		// An output of a secret is sensitive whether or not the block says so.
		secret := secrets.RefersTo(o.Config, oc.Expr)
		out = append(out, Output{Name: oc.Name, Value: v, Sensitive: oc.Sensitive || secret, Secret: secret, Description: oc.Description})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, diags
}
