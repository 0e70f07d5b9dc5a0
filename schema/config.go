// Package schema is mailform's configuration language: it loads the *.mf.hcl files of
// a directory, decodes every block, evaluates expressions and checks values against the
// resource types of package model. Resource bodies stay unevaluated until the planner
// knows the values they refer to.
package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// FileSuffix is the suffix of configuration files.
const FileSuffix = ".mf.hcl"

// Config is a loaded configuration directory.
type Config struct {
	// Dir is the configuration directory; file() resolves paths against it.
	Dir string
	// Sources maps each file name (relative to Dir) to its bytes.
	Sources map[string][]byte
	// Files maps each file name to its parsed form, for diagnostics with source lines.
	Files map[string]*hcl.File

	Settings  *Settings
	Providers []*Provider
	Variables map[string]*Variable
	Locals    map[string]*Local
	Outputs   []*Output
	Resources []*Resource
	Moved     []*Moved
	Imports   []*Import
	// Logs and Audit are the `logs` and `audit` blocks, nil when absent.
	Logs  *Logs
	Audit *Audit
	// Workspace is the CLI workspace the configuration is used in ("" is
	// "default"), the value of mailform.workspace.
	Workspace string

	byAddr map[string]*Resource
}

// Resource returns the resource block with address "type.name", or nil.
func (c *Config) Resource(addr string) *Resource { return c.byAddr[addr] }

// Load reads every *.mf.hcl file of dir (not recursive) and decodes it.
func Load(dir string) (*Config, hcl.Diagnostics) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration directory",
			Detail:   fmt.Sprintf("%v. Run mailform in a directory with *.mf.hcl files, or pass -chdir=DIR.", err),
		}}
	}
	sources := map[string][]byte{}
	var unread hcl.Diagnostics
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), FileSuffix) {
			continue
		}
		b, err := ReadInput(filepath.Join(dir, e.Name()), dir)
		if err != nil {
			unread = append(unread, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read configuration file " + e.Name(), Detail: err.Error()})
			continue
		}
		sources[e.Name()] = b
	}
	if unread.HasErrors() {
		return nil, unread
	}
	if len(sources) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("The directory %s holds no *%s files. Run mailform in a configuration directory, or pass -chdir=DIR.", dir, FileSuffix),
		}}
	}
	return LoadSources(dir, sources)
}

// LoadSources decodes a configuration from file contents (a saved plan carries them).
func LoadSources(dir string, sources map[string][]byte) (*Config, hcl.Diagnostics) {
	c := &Config{
		Dir:       dir,
		Sources:   sources,
		Files:     map[string]*hcl.File{},
		Variables: map[string]*Variable{},
		Locals:    map[string]*Local{},
		byAddr:    map[string]*Resource{},
	}
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	p := hclparse.NewParser()
	var diags hcl.Diagnostics
	for _, n := range names {
		if d := CheckNesting(sources[n], n, hcl.InitialPos, false); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		f, d := p.ParseHCL(sources[n], n)
		diags = append(diags, d...)
		if f == nil {
			continue
		}
		c.Files[n] = f
		diags = append(diags, c.decodeFile(f)...)
	}
	return c, diags
}

var fileSchema = func() *hcl.BodySchema {
	s := &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "mailform"},
		{Type: "provider", LabelNames: []string{"kind"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "output", LabelNames: []string{"name"}},
		{Type: "import"},
		{Type: "moved"},
		{Type: "logs"},
		{Type: "audit"},
	}}
	for _, n := range resourceTypeNames() {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: n, LabelNames: []string{"name"}})
	}
	return s
}()

func (c *Config) decodeFile(f *hcl.File) hcl.Diagnostics {
	content, diags := f.Body.Content(fileSchema)
	for _, b := range content.Blocks {
		switch b.Type {
		case "mailform":
			s, d := decodeSettingsBlock(b)
			diags = append(diags, d...)
			if c.Settings != nil {
				diags = append(diags, duplicateDiag("mailform block", "", c.Settings.DeclRange, b.DefRange))
			} else {
				c.Settings = s
			}
		case "provider":
			p, d := decodeProviderBlock(b)
			diags = append(diags, d...)
			if p != nil {
				for _, o := range c.Providers {
					if o.Name() == p.Name() {
						diags = append(diags, duplicateDiag("provider", p.Name(), o.DeclRange, p.DeclRange))
					}
				}
				c.Providers = append(c.Providers, p)
			}
		case "variable":
			v, d := decodeVariableBlock(b)
			diags = append(diags, d...)
			if v != nil {
				if o, dup := c.Variables[v.Name]; dup {
					diags = append(diags, duplicateDiag("variable", v.Name, o.DeclRange, v.DeclRange))
				} else {
					c.Variables[v.Name] = v
				}
			}
		case "locals":
			ls, d := decodeLocalsBlock(b)
			diags = append(diags, d...)
			for _, l := range ls {
				if o, dup := c.Locals[l.Name]; dup {
					diags = append(diags, duplicateDiag("local value", l.Name, o.DeclRange, l.DeclRange))
				} else {
					c.Locals[l.Name] = l
				}
			}
		case "output":
			o, d := decodeOutputBlock(b)
			diags = append(diags, d...)
			if o != nil {
				c.Outputs = append(c.Outputs, o)
			}
		case "moved":
			m, d := decodeMovedBlock(b)
			diags = append(diags, d...)
			if m != nil {
				c.Moved = append(c.Moved, m)
			}
		case "logs":
			l, d := decodeLogsBlock(b)
			diags = append(diags, d...)
			if c.Logs != nil {
				diags = append(diags, duplicateDiag("logs block", "", c.Logs.DeclRange, b.DefRange))
			} else {
				c.Logs = l
			}
		case "audit":
			a, d := decodeAuditBlock(b)
			diags = append(diags, d...)
			if c.Audit != nil {
				diags = append(diags, duplicateDiag("audit block", "", c.Audit.DeclRange, b.DefRange))
			} else {
				c.Audit = a
			}
		case "import":
			i, d := decodeImportBlock(b)
			diags = append(diags, d...)
			if i != nil {
				c.Imports = append(c.Imports, i)
			}
		default:
			r, d := decodeResourceBlock(b)
			diags = append(diags, d...)
			if r != nil {
				if o, dup := c.byAddr[r.Addr()]; dup {
					diags = append(diags, duplicateDiag("resource", r.Addr(), o.DeclRange, r.DeclRange))
				} else {
					c.byAddr[r.Addr()] = r
					c.Resources = append(c.Resources, r)
				}
			}
		}
	}
	return diags
}

func duplicateDiag(what, name string, first, second hcl.Range) *hcl.Diagnostic {
	label := what
	if name != "" {
		label += " " + name
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Duplicate " + what,
		Detail:   fmt.Sprintf("The %s is already declared at %s. Remove one of them or give it another name.", label, first.String()),
		Subject:  second.Ptr(),
	}
}
