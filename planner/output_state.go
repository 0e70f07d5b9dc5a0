package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mailform/mailform/state"
)

// StateOutputs converts evaluated outputs to what state stores: the value and its
// type, except for an output made from a secret, which is recorded as withheld.
// An output still unknown (its resource failed to apply) is left out.
func StateOutputs(outs []Output) (map[string]*state.OutputValue, error) {
	res := map[string]*state.OutputValue{}
	for _, o := range outs {
		v, _ := o.Value.UnmarkDeep()
		if !v.IsWhollyKnown() {
			continue
		}
		ty, err := ctyjson.MarshalType(v.Type())
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", o.Name, err)
		}
		sv := &state.OutputValue{Type: ty, Sensitive: o.Sensitive, Withheld: o.Secret}
		if o.Secret {
			sv.Value = json.RawMessage("null")
		} else if sv.Value, err = ctyjson.Marshal(v, v.Type()); err != nil {
			return nil, fmt.Errorf("output %s: %w", o.Name, err)
		}
		res[o.Name] = sv
	}
	return res, nil
}

// DecodeOutput returns the value state stores for an output; a withheld one is null.
func DecodeOutput(sv *state.OutputValue) (cty.Value, error) {
	ty, err := ctyjson.UnmarshalType(sv.Type)
	if err != nil {
		return cty.NilVal, err
	}
	if sv.Withheld {
		return cty.NullVal(ty), nil
	}
	return ctyjson.Unmarshal(sv.Value, ty)
}

// OutputChange is how apply would change one root output.
type OutputChange struct {
	Name string `json:"name"`
	// Action is create, update, delete or no-op.
	Action Action `json:"action"`
	// Before and After are the values in go-cty's JSON encoding; null when absent,
	// unknown or sensitive.
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
	// AfterUnknown says the new value is known only after apply.
	AfterUnknown bool `json:"after_unknown,omitempty"`
	Sensitive    bool `json:"sensitive,omitempty"`
}

// OutputChanges compares the outputs the configuration would have after the plan
// (ids of objects still to create are unknown) with those state holds.
func OutputChanges(planned []Output, prior map[string]*state.OutputValue) []OutputChange {
	var out []OutputChange
	seen := map[string]bool{}
	null := json.RawMessage("null")
	for _, o := range planned {
		seen[o.Name] = true
		c := OutputChange{Name: o.Name, Before: null, After: null, Sensitive: o.Sensitive}
		v, _ := o.Value.UnmarkDeep()
		var after json.RawMessage
		if !v.IsWhollyKnown() {
			c.AfterUnknown = true
		} else if !o.Secret {
			after, _ = ctyjson.Marshal(v, v.Type())
		}
		p := prior[o.Name]
		switch {
		case p == nil:
			c.Action = Create
		case c.AfterUnknown:
			c.Action = Update
		case o.Secret || p.Withheld:
			// A secret is never stored, so whether it changed cannot be told.
			c.Action = NoOp
			if o.Secret != p.Withheld {
				c.Action = Update
			}
		case bytes.Equal(compact(p.Value), compact(after)) && p.Sensitive == o.Sensitive:
			c.Action = NoOp
		default:
			c.Action = Update
		}
		if p != nil && !p.Sensitive && !p.Withheld {
			c.Before = p.Value
		}
		if !o.Sensitive && after != nil {
			c.After = after
		}
		out = append(out, c)
	}
	for name, p := range prior {
		if seen[name] {
			continue
		}
		c := OutputChange{Name: name, Action: Delete, Before: null, After: null, Sensitive: p.Sensitive}
		if !p.Sensitive && !p.Withheld {
			c.Before = p.Value
		}
		out = append(out, c)
	}
	sortOutputChanges(out)
	return out
}

func compact(b json.RawMessage) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

func sortOutputChanges(cs []OutputChange) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
}

// PlanOutputs sets p.OutputChanges: the outputs evaluated with the ids state holds,
// except those of objects the plan creates or replaces, which are unknown until
// apply, compared with the outputs the last apply stored in o.State.
func PlanOutputs(p *Plan, o Options) hcl.Diagnostics {
	if len(o.Config.Outputs) == 0 && (o.State == nil || len(o.State.Outputs) == 0) {
		return nil
	}
	// Outputs only reads ids from state: a state that shares the resources it keeps
	// will do, rather than a deep copy with an O(n) Remove per created object.
	after := &state.State{}
	var prior map[string]*state.OutputValue
	if o.State != nil {
		prior = o.State.Outputs
		unknown := map[string]bool{}
		for _, c := range p.Changes {
			if c.Action == Create || c.Action == Replace {
				unknown[c.Address] = true
			}
		}
		after.Resources = make([]*state.Resource, 0, len(o.State.Resources))
		for _, r := range o.State.Resources {
			if !unknown[r.Address] {
				after.Resources = append(after.Resources, r)
			}
		}
	}
	after.Reindex()
	o.State = after
	outs, diags := Outputs(o)
	if diags.HasErrors() {
		return diags
	}
	p.OutputChanges = OutputChanges(outs, prior)
	return diags
}
