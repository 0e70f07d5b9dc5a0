// Package workspace opens a configuration directory for a command: its files,
// variables, providers and state backend, the steps every command shares.
package workspace

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// StateFile is the default local state file name.
const StateFile = "mailform.state"

// Workspace is an opened configuration directory.
type Workspace struct {
	Dir       string
	Config    *schema.Config
	Vars      map[string]cty.Value
	Providers *planner.ProviderSet
	Backend   state.Backend
	Env       providers.Env
}

// Now returns the clock for offboarding schedules: MAILFORM_NOW (RFC 3339 or
// YYYY-MM-DD) when set, for tests and rehearsals, else the real time.
func Now() (time.Time, error) {
	s := os.Getenv("MAILFORM_NOW")
	if s == "" {
		return time.Now(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("MAILFORM_NOW=%q is not a time like 2027-01-21 or 2027-01-21T09:00:00Z", s)
}

// Env returns the environment providers get.
func Env(dir string) (providers.Env, error) {
	now, err := Now()
	if err != nil {
		return providers.Env{}, err
	}
	var log io.Writer = io.Discard
	if level, ok := logLevel(os.Getenv("MAILFORM_LOG")); ok {
		log = NewLogWriter(os.Stderr, level)
	}
	fixed := now
	realClock := os.Getenv("MAILFORM_NOW") == ""
	return providers.Env{Dir: dir, Log: log, Progress: os.Stderr, Now: func() time.Time {
		if realClock {
			return time.Now()
		}
		return fixed
	}}, nil
}

// Open loads the configuration in dir, resolves its variables and makes its providers.
func Open(dir string, in schema.VarInputs) (*Workspace, hcl.Diagnostics) {
	cfg, diags := schema.Load(dir)
	if diags.HasErrors() {
		return &Workspace{Dir: dir, Config: cfg}, diags
	}
	return FromConfig(dir, cfg, nil, in)
}

// OpenOffline is Open for validate: providers are made without their credentials,
// which validate never uses.
func OpenOffline(dir string, in schema.VarInputs) (*Workspace, hcl.Diagnostics) {
	cfg, diags := schema.Load(dir)
	if diags.HasErrors() {
		return &Workspace{Dir: dir, Config: cfg}, diags
	}
	in.UnsetUnknown = true
	return fromConfig(dir, cfg, nil, in, true)
}

// FromConfig finishes opening a loaded configuration (a saved plan's); vars given
// are used as they are, and only the missing ones are resolved from in.
func FromConfig(dir string, cfg *schema.Config, vars map[string]cty.Value, in schema.VarInputs) (*Workspace, hcl.Diagnostics) {
	return fromConfig(dir, cfg, vars, in, false)
}

func fromConfig(dir string, cfg *schema.Config, vars map[string]cty.Value, in schema.VarInputs, offline bool) (*Workspace, hcl.Diagnostics) {
	w := &Workspace{Dir: dir, Config: cfg}
	var diags hcl.Diagnostics
	if vars == nil {
		w.Vars, diags = cfg.VariableValues(in)
	} else {
		w.Vars = vars
		missing := false
		for n := range cfg.Variables {
			if _, ok := vars[n]; !ok {
				missing = true
			}
		}
		if missing {
			all, d := cfg.VariableValues(in)
			diags = append(diags, d...)
			for n, v := range all {
				if _, ok := w.Vars[n]; !ok {
					w.Vars[n] = v
				}
			}
		}
	}
	if diags.HasErrors() {
		return w, diags
	}
	env, err := Env(dir)
	if err != nil {
		return w, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid clock", Detail: err.Error()})
	}
	env.Offline = offline
	w.Env = env
	// The backend first: it settles the workspace, which provider settings may use
	// (mailform.workspace).
	b, d := backend(dir, cfg, !offline)
	diags = append(diags, d...)
	w.Backend = b
	ps, d := planner.ConfigureProviders(cfg, w.Vars, env)
	diags = append(diags, d...)
	w.Providers = ps
	return w, diags
}

// Close releases the providers and the backend's connections.
func (w *Workspace) Close() {
	if w.Providers != nil {
		w.Providers.Close()
	}
	if c, ok := w.Backend.(io.Closer); ok {
		c.Close()
	}
}
