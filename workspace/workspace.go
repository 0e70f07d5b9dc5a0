// Package workspace opens a configuration directory for a command: its files,
// variables, providers and state backend, the steps every command shares.
package workspace

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
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
	ps, d := planner.ConfigureProviders(cfg, w.Vars, env)
	diags = append(diags, d...)
	w.Providers = ps
	b, d := backend(dir, cfg)
	diags = append(diags, d...)
	w.Backend = b
	return w, diags
}

func backend(dir string, cfg *schema.Config) (state.Backend, hcl.Diagnostics) {
	path := filepath.Join(dir, StateFile)
	if cfg.Settings != nil && cfg.Settings.Backend != nil {
		b := cfg.Settings.Backend
		switch b.Kind {
		case "local":
		case "pg":
			return pgBackend(b)
		default:
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Backend not available",
				Detail: fmt.Sprintf("The %q backend is not built into this mailform; use backend \"local\" or \"pg\".", b.Kind), Subject: b.DeclRange.Ptr()}}
		}
		var lc struct {
			Path *string `hcl:"path"`
		}
		if d := gohcl.DecodeBody(b.Config, nil, &lc); d.HasErrors() {
			return nil, d
		}
		if lc.Path != nil {
			path = *lc.Path
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
		}
	}
	return state.NewLocal(path), nil
}

// pgBackend opens `backend "pg" { conn_str schema_name workspace }`. Every attribute
// is optional: the connection string falls back to MAILFORM_PG_CONN_STR and the PG*
// environment variables, so a password need not be written into the configuration.
func pgBackend(b *schema.Backend) (state.Backend, hcl.Diagnostics) {
	var pc struct {
		ConnStr    *string `hcl:"conn_str"`
		SchemaName *string `hcl:"schema_name"`
		Workspace  *string `hcl:"workspace"`
	}
	if d := gohcl.DecodeBody(b.Config, nil, &pc); d.HasErrors() {
		return nil, d
	}
	var c state.PGConfig
	if pc.ConnStr != nil {
		c.ConnStr = *pc.ConnStr
	}
	if pc.SchemaName != nil {
		c.Schema = *pc.SchemaName
	}
	if pc.Workspace != nil {
		c.Workspace = *pc.Workspace
	}
	p, err := state.NewPG(c)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid pg backend",
			Detail: err.Error() + ".", Subject: b.DeclRange.Ptr()}}
	}
	return p, nil
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
