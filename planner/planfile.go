package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
)

// PlanFileVersion is the format version of saved plans.
const PlanFileVersion = 1

// SavedPlan is what `plan -out FILE` writes: the plan, the configuration it was made
// from, and the values of the variables that are not sensitive. Secrets are never
// written: not the values of variables declared sensitive or flowing into a
// sensitive attribute (FindSecrets), not passwords, and not the secrets written into
// the configuration files, which are replaced by a placeholder. Apply takes the
// variables again from its command line and environment, and the withheld parts of
// the configuration from the files, which must be unchanged.
type SavedPlan struct {
	FormatVersion int                        `json:"format_version"`
	Plan          *Plan                      `json:"plan"`
	Sources       map[string]string          `json:"configuration"`
	Vars          map[string]json.RawMessage `json:"variables"`
	// Unknown lists, per address, the attributes known only after apply.
	Unknown map[string][]string `json:"unknown,omitempty"`
	// WithheldVars are the sensitive variables that had a value other than their
	// default at plan time: apply must be given them again.
	WithheldVars []string `json:"withheld_variables,omitempty"`
	// WithheldFiles are the configuration files whose secrets were replaced by a
	// placeholder: apply reads them from the configuration directory.
	WithheldFiles []string `json:"withheld_files,omitempty"`
}

// WritePlanFile saves a plan with its configuration; the file is mode 0600.
func WritePlanFile(path string, p *Plan, cfg *schema.Config, vars map[string]cty.Value) error {
	sp := SavedPlan{FormatVersion: PlanFileVersion, Sources: map[string]string{}, Vars: map[string]json.RawMessage{}, Unknown: map[string][]string{}}
	secrets := FindSecrets(cfg)
	redacted, files := redactSources(cfg.Sources, secrets.Withheld)
	sp.WithheldFiles = files
	for n, b := range redacted {
		sp.Sources[n] = string(b)
	}
	for n, v := range vars {
		if secrets.Vars[n] {
			if d := cfg.Variables[n]; d != nil && (d.Default == cty.NilVal || !d.Default.RawEquals(v)) {
				sp.WithheldVars = append(sp.WithheldVars, n)
			}
			continue
		}
		b, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			return fmt.Errorf("saving variable %s: %w", n, err)
		}
		tb, _ := ctyjson.MarshalType(v.Type())
		sp.Vars[n], _ = json.Marshal(map[string]json.RawMessage{"type": tb, "value": b})
	}
	sort.Strings(sp.WithheldVars)
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

// ReadPlanFile loads a saved plan, its configuration and its variables. The
// configuration files whose secrets the plan withholds are read from dir and must
// be as they were at plan time; the plan's WithheldVars must be given again.
func ReadPlanFile(path, dir string) (*Plan, *schema.Config, map[string]cty.Value, error) {
	return readPlanFile(path, dir, true)
}

// ReadPlan loads only the plan of a saved plan file, to show it: neither its
// configuration nor the files whose secrets it withholds are needed.
func ReadPlan(path string) (*Plan, error) {
	p, _, _, err := readPlanFile(path, "", false)
	return p, err
}

func readPlanFile(path, dir string, withConfig bool) (*Plan, *schema.Config, map[string]cty.Value, error) {
	// A plan file may live anywhere, but it must be a regular file: a FIFO would
	// block apply forever.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, nil, nil, fmt.Errorf("%s is not a regular file; a plan file is what mailform plan -out writes", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot read plan file: %w", err)
	}
	var raw struct {
		FormatVersion int                        `json:"format_version"`
		Sources       map[string]string          `json:"configuration"`
		Vars          map[string]json.RawMessage `json:"variables"`
		Unknown       map[string][]string        `json:"unknown"`
		WithheldVars  []string                   `json:"withheld_variables"`
		WithheldFiles []string                   `json:"withheld_files"`
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
			// Outputs and the workspace (since the staples; absent in older files).
			OutputChanges []OutputChange `json:"output_changes"`
			Workspace     string         `json:"workspace"`
		} `json:"plan"`
	}
	if err := json.Unmarshal(b, &raw); err != nil || raw.FormatVersion == 0 {
		return nil, nil, nil, fmt.Errorf("%s is not a mailform plan file (make one with mailform plan -out %s)", path, path)
	}
	if raw.FormatVersion > PlanFileVersion {
		return nil, nil, nil, fmt.Errorf("%s was written by a newer mailform", path)
	}
	p := &Plan{Moves: raw.Plan.Moves, Lineage: raw.Plan.Lineage, Serial: raw.Plan.Serial, Warnings: raw.Plan.Warnings, Findings: raw.Plan.Findings, Targets: raw.Plan.Targets, Refreshed: raw.Plan.Refreshed,
		WithheldVars: raw.WithheldVars, OutputChanges: raw.Plan.OutputChanges, Workspace: raw.Plan.Workspace}
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
	if !withConfig {
		return p, nil, nil, nil
	}
	srcs := map[string][]byte{}
	for n, s := range raw.Sources {
		srcs[n] = []byte(s)
	}
	if len(raw.WithheldFiles) > 0 {
		if srcs, err = withheldFromDisk(path, dir, srcs, raw.WithheldFiles); err != nil {
			return nil, nil, nil, err
		}
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

// withheldFromDisk returns the plan's configuration with the files whose secrets it
// withholds read from dir, after checking that with the secrets withheld again they
// are exactly what the plan holds.
func withheldFromDisk(path, dir string, planned map[string][]byte, files []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(planned))
	for n, b := range planned {
		out[n] = b
	}
	for _, n := range files {
		if _, ok := planned[n]; !ok || filepath.Base(n) != n {
			return nil, fmt.Errorf("plan file %s names an unknown configuration file %q", path, n)
		}
		b, err := schema.ReadInput(filepath.Join(dir, n), dir)
		if err != nil {
			return nil, fmt.Errorf("the plan file %s does not hold the secrets written in %s, so apply reads them from that file: %v", path, n, err)
		}
		out[n] = b
	}
	cfg, diags := schema.LoadSources(dir, out)
	if diags.HasErrors() {
		return nil, fmt.Errorf("the plan file %s does not hold the secrets written in %s, so apply reads them from there, but the configuration no longer loads: %s. Run plan again", path, strings.Join(files, ", "), diagText(diags))
	}
	again, _ := redactSources(out, FindSecrets(cfg).Withheld)
	var changed []string
	for n, b := range planned {
		if !bytes.Equal(again[n], b) {
			changed = append(changed, n)
		}
	}
	if len(changed) > 0 {
		sort.Strings(changed)
		return nil, fmt.Errorf("the plan file %s does not hold the secrets written in %s, so apply reads them from the configuration directory, but %s changed since the plan was made. Run plan again", path, strings.Join(files, ", "), strings.Join(changed, ", "))
	}
	return out, nil
}

// MissingWithheldVars returns the variables whose values a saved plan withholds and
// that given (the variables given to apply, schema.Config.GivenVariables) lacks.
func MissingWithheldVars(p *Plan, given map[string]string) []string {
	var out []string
	for _, n := range p.WithheldVars {
		if _, ok := given[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}
