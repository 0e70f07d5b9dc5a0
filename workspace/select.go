package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// EnvWorkspace overrides the workspace selected in the working directory.
const EnvWorkspace = "MAILFORM_WORKSPACE"

// selectionFile remembers the selected workspace, relative to the working directory.
var selectionFile = filepath.Join(".mailform", "environment")

// Current returns the selected CLI workspace of dir and where the selection comes
// from: MAILFORM_WORKSPACE, then .mailform/environment, else "default".
func Current(dir string) (name, from string, err error) {
	if v := os.Getenv(EnvWorkspace); v != "" {
		if err := state.CheckWorkspaceName(v); err != nil {
			return "", "", fmt.Errorf("%s: %v", EnvWorkspace, err)
		}
		return v, EnvWorkspace, nil
	}
	p := filepath.Join(dir, selectionFile)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return state.DefaultWorkspace, "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("cannot read the selected workspace from %s: %w", p, err)
	}
	name = strings.TrimSpace(string(data))
	if err := state.CheckWorkspaceName(name); err != nil {
		return "", "", fmt.Errorf("%s: %v; select one with mailform workspace select NAME", p, err)
	}
	return name, selectionFile, nil
}

// Select remembers name as the selected workspace of dir.
func Select(dir, name string) error {
	p := filepath.Join(dir, selectionFile)
	if name == state.DefaultWorkspace {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot select workspace %q: %w", name, err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("cannot select workspace %q: %w", name, err)
	}
	if err := os.WriteFile(p, []byte(name+"\n"), 0o644); err != nil {
		return fmt.Errorf("cannot select workspace %q: %w", name, err)
	}
	return nil
}

// Stores returns the workspaces of the configuration's backend.
func Stores(dir string, cfg *schema.Config) (state.Workspaces, hcl.Diagnostics) {
	path := filepath.Join(dir, StateFile)
	if cfg.Settings != nil && cfg.Settings.Backend != nil {
		b := cfg.Settings.Backend
		switch b.Kind {
		case "local":
		case "pg":
			c, diags := pgConfig(b)
			if diags.HasErrors() {
				return nil, diags
			}
			return state.PGWorkspaces{Config: c}, nil
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
	return state.LocalWorkspaces{Path: path}, nil
}

// pgConfig decodes `backend "pg" { conn_str schema_name workspace }`. Every
// attribute is optional: the connection string falls back to MAILFORM_PG_CONN_STR
// and the PG* environment variables, so a password need not be written into the
// configuration.
func pgConfig(b *schema.Backend) (state.PGConfig, hcl.Diagnostics) {
	var pc struct {
		ConnStr    *string `hcl:"conn_str"`
		SchemaName *string `hcl:"schema_name"`
		Workspace  *string `hcl:"workspace"`
	}
	var c state.PGConfig
	if d := gohcl.DecodeBody(b.Config, nil, &pc); d.HasErrors() {
		return c, d
	}
	if pc.ConnStr != nil {
		c.ConnStr = *pc.ConnStr
	}
	if pc.SchemaName != nil {
		c.Schema = *pc.SchemaName
	}
	if pc.Workspace != nil {
		c.Workspace = *pc.Workspace
	}
	return c, nil
}

// backend opens the state of the selected workspace. A selected workspace other
// than default must exist, so that a mistyped name never plans a second copy of
// everything; check=false (validate, which contacts nothing) does not look.
func backend(dir string, cfg *schema.Config, check bool) (state.Backend, hcl.Diagnostics) {
	ws, diags := Stores(dir, cfg)
	if diags.HasErrors() {
		return nil, diags
	}
	name, from, err := Current(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid workspace", Detail: err.Error()}}
	}
	cfg.Workspace = name
	var subject *hcl.Range
	if cfg.Settings != nil && cfg.Settings.Backend != nil {
		subject = cfg.Settings.Backend.DeclRange.Ptr()
	}
	if check && name != state.DefaultWorkspace {
		ok, err := state.Exists(ws, name)
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot list workspaces", Detail: err.Error() + ".", Subject: subject}}
		}
		if !ok {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Workspace does not exist",
				Detail: fmt.Sprintf("The workspace %q (selected by %s) does not exist. Create it with: mailform workspace new %s, or select another: mailform workspace list.", name, from, name)}}
		}
	}
	b, err := ws.Backend(name)
	if err != nil {
		summary := "Invalid backend"
		if _, ok := ws.(state.PGWorkspaces); ok {
			summary = "Invalid pg backend"
		}
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: err.Error() + ".", Subject: subject}}
	}
	return b, nil
}
