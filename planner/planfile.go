package planner

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
)

// PlanFileVersion is the format version of saved plans.
const PlanFileVersion = 1

// SavedPlan is what `plan -out FILE` writes: the plan, the configuration it was made
// from, and the non-sensitive variable values. Sensitive values (passwords, sensitive
// variables) are never written: apply evaluates them again from the configuration
// and the environment.
type SavedPlan struct {
	FormatVersion int                        `json:"format_version"`
	Plan          *Plan                      `json:"plan"`
	Sources       map[string]string          `json:"configuration"`
	Vars          map[string]json.RawMessage `json:"variables"`
	// Unknown lists, per address, the attributes known only after apply.
	Unknown map[string][]string `json:"unknown,omitempty"`
}

// WritePlanFile saves a plan with its configuration; the file is mode 0600.
func WritePlanFile(path string, p *Plan, cfg *schema.Config, vars map[string]cty.Value) error {
	sp := SavedPlan{FormatVersion: PlanFileVersion, Sources: map[string]string{}, Vars: map[string]json.RawMessage{}, Unknown: map[string][]string{}}
	for n, b := range cfg.Sources {
		sp.Sources[n] = string(b)
	}
	for n, v := range vars {
		if d := cfg.Variables[n]; d != nil && d.Sensitive {
			continue
		}
		b, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			return fmt.Errorf("saving variable %s: %w", n, err)
		}
		tb, _ := ctyjson.MarshalType(v.Type())
		sp.Vars[n], _ = json.Marshal(map[string]json.RawMessage{"type": tb, "value": b})
	}
	cp := *p
	cp.Changes = make([]*Change, len(p.Changes))
	for i, c := range p.Changes {
		cc := *c
		t := model.Lookup(c.Type)
		if c.After != nil {
			cc.After = c.After.Clone()
			for _, a := range t.Attrs {
				v := cc.After[a.Name]
				if model.IsUnknown(v) || (a.WriteOnly && v != nil) {
					sp.Unknown[c.Address] = append(sp.Unknown[c.Address], a.Name)
					delete(cc.After, a.Name)
				}
			}
		}
		cc.Attrs = make([]model.AttrChange, len(c.Attrs))
		for j, a := range c.Attrs {
			if a.Sensitive {
				a.Before, a.After = nil, nil
			}
			if model.IsUnknown(a.After) {
				a.After = nil
			}
			cc.Attrs[j] = a
		}
		cp.Changes[i] = &cc
	}
	sp.Plan = &cp
	b, err := json.MarshalIndent(sp, "", " ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadPlanFile loads a saved plan, its configuration and its variables.
func ReadPlanFile(path, dir string) (*Plan, *schema.Config, map[string]cty.Value, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot read plan file: %w", err)
	}
	var raw struct {
		FormatVersion int                        `json:"format_version"`
		Sources       map[string]string          `json:"configuration"`
		Vars          map[string]json.RawMessage `json:"variables"`
		Unknown       map[string][]string        `json:"unknown"`
		Plan          struct {
			Changes []struct {
				Change
				Before map[string]any `json:"before"`
				After  map[string]any `json:"after"`
			} `json:"changes"`
			Moves     []Move    `json:"moves"`
			Lineage   string    `json:"lineage"`
			Serial    uint64    `json:"serial"`
			Warnings  []string  `json:"warnings"`
			Findings  []Finding `json:"findings"`
			Targets   []Target  `json:"targets"`
			Refreshed bool      `json:"refreshed"`
		} `json:"plan"`
	}
	if err := json.Unmarshal(b, &raw); err != nil || raw.FormatVersion == 0 {
		return nil, nil, nil, fmt.Errorf("%s is not a mailform plan file (make one with mailform plan -out %s)", path, path)
	}
	if raw.FormatVersion > PlanFileVersion {
		return nil, nil, nil, fmt.Errorf("%s was written by a newer mailform", path)
	}
	p := &Plan{Moves: raw.Plan.Moves, Lineage: raw.Plan.Lineage, Serial: raw.Plan.Serial, Warnings: raw.Plan.Warnings, Findings: raw.Plan.Findings, Targets: raw.Plan.Targets, Refreshed: raw.Plan.Refreshed}
	for _, rc := range raw.Plan.Changes {
		c := rc.Change
		t := model.Lookup(c.Type)
		if t == nil {
			return nil, nil, nil, fmt.Errorf("plan file: unknown resource type %q", c.Type)
		}
		if c.Before, err = model.FromJSON(t, rc.Before); err != nil {
			return nil, nil, nil, fmt.Errorf("plan file, %s: %w", c.Address, err)
		}
		if c.After, err = model.FromJSON(t, rc.After); err != nil {
			return nil, nil, nil, fmt.Errorf("plan file, %s: %w", c.Address, err)
		}
		for _, a := range raw.Unknown[c.Address] {
			c.After[a] = model.Unknown
		}
		cc := c
		p.Changes = append(p.Changes, &cc)
	}
	srcs := map[string][]byte{}
	for n, s := range raw.Sources {
		srcs[n] = []byte(s)
	}
	cfg, diags := schema.LoadSources(dir, srcs)
	if diags.HasErrors() {
		return nil, nil, nil, fmt.Errorf("plan file configuration: %s", diagText(diags))
	}
	vars := map[string]cty.Value{}
	for n, rv := range raw.Vars {
		var tv struct {
			Type  json.RawMessage `json:"type"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(rv, &tv); err != nil {
			return nil, nil, nil, fmt.Errorf("plan file variable %s: %w", n, err)
		}
		ty, err := ctyjson.UnmarshalType(tv.Type)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("plan file variable %s: %w", n, err)
		}
		v, err := ctyjson.Unmarshal(tv.Value, ty)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("plan file variable %s: %w", n, err)
		}
		vars[n] = v
	}
	return p, cfg, vars, nil
}
