package schema

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// ModuleCall is a `module "name" { source = "./modules/x"  for_each = …  input = … }`
// block. Its child configuration is loaded from source, relative to the calling
// module's directory.
type ModuleCall struct {
	Name        string
	Source      string
	SourceRange hcl.Range
	// ForEach is the for_each expression, or nil.
	ForEach hcl.Expression
	// Args are the input variable values, one attribute per variable of the module.
	Args      hcl.Attributes
	DeclRange hcl.Range
	// Child is the called module's configuration, nil when it could not be loaded.
	Child *Config
}

// maxModuleDepth bounds module nesting: a call chain deeper than this is a mistake.
const maxModuleDepth = 16

var moduleMetaSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "source", Required: true}, {Name: "for_each"}, {Name: "count"}, {Name: "providers"}, {Name: "depends_on"},
}}

func decodeModuleBlock(b *hcl.Block) (*ModuleCall, hcl.Diagnostics) {
	m := &ModuleCall{Name: b.Labels[0], DeclRange: b.DefRange}
	var diags hcl.Diagnostics
	if !hclsyntax.ValidIdentifier(m.Name) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid module name",
			Detail: "A module name is letters, digits, underscores and dashes, starting with a letter.", Subject: b.LabelRanges[0].Ptr()})
	}
	content, rest, d := b.Body.PartialContent(moduleMetaSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["source"]; ok {
		m.SourceRange = a.Expr.Range()
		v, d := a.Expr.Value(nil)
		if d.HasErrors() || v.Type() != cty.String || v.IsNull() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid module source",
				Detail: `source is a literal path such as "./modules/company-baseline", relative to this file's directory.`, Subject: a.Expr.Range().Ptr()})
		} else {
			m.Source = v.AsString()
			if strings.HasPrefix(m.Source, "git::") {
				if _, err := parseGitSource(m.Source); err != nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid module source",
						Detail: err.Error() + ".", Subject: a.Expr.Range().Ptr()})
					m.Source = ""
				}
			} else if !strings.HasPrefix(m.Source, "./") && !strings.HasPrefix(m.Source, "../") {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported module source",
					Detail: fmt.Sprintf("source %q is neither a local path nor a git URL. Write a path starting with ./ or ../ (relative to the calling module's directory), or git::URL//subdir?ref=TAG.", m.Source), Subject: a.Expr.Range().Ptr()})
				m.Source = ""
			}
		}
	}
	if a, ok := content.Attributes["for_each"]; ok {
		m.ForEach = a.Expr
	}
	for _, n := range []string{"count", "providers", "depends_on"} {
		if a, ok := content.Attributes[n]; ok {
			detail := map[string]string{
				"count":      "Modules are keyed by name: use for_each with a map or a set of strings instead of count.",
				"providers":  "A module uses the root module's providers; declare providers in the root module and refer to them by name (provider = kind.alias) inside the module.",
				"depends_on": "A module waits for what its inputs refer to; pass the values it needs as inputs instead of depends_on.",
			}[n]
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: n + " is not supported on a module",
				Detail: detail, Subject: a.NameRange.Ptr()})
		}
	}
	attrs, d := rest.JustAttributes()
	diags = append(diags, d...)
	m.Args = attrs
	return m, diags
}

// ModulePath is the configuration prefix of a module's addresses: "" for the root module,
// `module.sub.` for a module called sub from the root.
func (c *Config) ModulePath() string {
	if c == nil {
		return ""
	}
	return c.path
}

// Parent is the calling module's configuration, nil for the root.
func (c *Config) Parent() *Config { return c.parent }

// Call is the module block that loaded this configuration, nil for the root.
func (c *Config) Call() *ModuleCall {
	if c == nil {
		return nil
	}
	return c.call
}

// Walk calls f for c and every module below it, callers first.
func (c *Config) Walk(f func(*Config)) {
	f(c)
	for _, m := range c.Modules {
		if m.Child != nil {
			m.Child.Walk(f)
		}
	}
}

// Module returns the call named name of this configuration, or nil.
func (c *Config) Module(name string) *ModuleCall {
	for _, m := range c.Modules {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// CallChain describes where a module is called from, innermost call last:
// `module.sub (main.mf.hcl:12) → module.team (modules/sub/main.mf.hcl:3)`.
func (c *Config) CallChain() string {
	if c == nil || c.call == nil {
		return ""
	}
	here := fmt.Sprintf("module.%s (%s:%d)", c.call.Name, c.call.DeclRange.Filename, c.call.DeclRange.Start.Line)
	if up := c.parent.CallChain(); up != "" {
		return up + " → " + here
	}
	return here
}

// InModule appends "(In module.x (file:line).)" to the detail of each diagnostic,
// so a problem inside a module says which call reached it. chain is a call chain
// such as CallChain gives; "" leaves diags as they are.
func InModule(diags hcl.Diagnostics, chain string) hcl.Diagnostics {
	if chain == "" {
		return diags
	}
	for _, d := range diags {
		if !strings.Contains(d.Detail, "(In module.") {
			d.Detail = strings.TrimSpace(d.Detail + " (In " + chain + ".)")
		}
	}
	return diags
}

// loadModules loads the child configuration of every module call of c, recursively.
// stack holds the absolute directories of the calls that led here, to find cycles.
func (c *Config) loadModules(root *Config, stack []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, m := range c.Modules {
		if m.Source == "" {
			continue
		}
		bad := func(summary, detail string) {
			diags = append(diags, InModule(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: m.SourceRange.Ptr()}}, c.CallChain())...)
		}
		dir := filepath.Join(c.Dir, filepath.FromSlash(m.Source))
		if g, err := parseGitSource(m.Source); err == nil && strings.HasPrefix(m.Source, "git::") {
			if !hasSourcesUnder(root, g) {
				d, err := g.fetch(root.Dir)
				if err != nil {
					bad("Cannot fetch module source", fmt.Sprintf("module.%s: %v. Check the URL and ref, and that git can reach the repository.", m.Name, err))
					continue
				}
				dir = d
			} else {
				dir = filepath.Join(root.Dir, g.cachePath())
			}
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			abs = dir
		}
		if len(stack) >= maxModuleDepth {
			bad("Modules nested too deeply", fmt.Sprintf("module.%s is %d calls deep; the limit is %d. Flatten the module tree.", m.Name, len(stack), maxModuleDepth))
			continue
		}
		if slices.Contains(stack, abs) {
			var names []string
			for p := c; p != nil && p.call != nil; p = p.parent {
				names = append([]string{"module." + p.call.Name}, names...)
			}
			names = append(names, "module."+m.Name)
			bad("Module cycle", fmt.Sprintf("module.%s calls %s, which is already being loaded by %s: modules may not call themselves, directly or through others. Remove one of the calls.", m.Name, m.Source, strings.Join(names, " → ")))
			continue
		}
		rel, err := filepath.Rel(root.Dir, dir)
		if err != nil {
			rel = dir
		}
		rel = filepath.ToSlash(rel)
		files, d := moduleSources(root, dir, rel)
		if d != "" {
			bad("Module source not found", fmt.Sprintf("module.%s: %s. source is resolved against the calling module's directory (%s); fix the path.", m.Name, d, c.Dir))
			continue
		}
		child := newConfig(dir)
		child.Sources = files
		child.path = c.path + "module." + m.Name + "."
		child.parent, child.call = c, m
		child.Files = root.Files
		child.byAddr = root.byAddr
		m.Child = child
		diags = append(diags, InModule(child.decodeSources(files, rel), child.CallChain())...)
		diags = append(diags, child.checkModuleBlocks()...)
		diags = append(diags, m.checkArgs(c, child)...)
		diags = append(diags, child.loadModules(root, append(stack, abs))...)
		c.Resources = append(c.Resources, child.Resources...)
	}
	return diags
}

// moduleSources returns the configuration files of a module directory, keyed by
// their path relative to the root module: from root.Sources when a saved plan
// carries them, else from disk (and then recorded in root.Sources).
func moduleSources(root *Config, dir, rel string) (map[string][]byte, string) {
	out := map[string][]byte{}
	for n, b := range root.Sources {
		if path.Dir(n) == rel {
			out[n] = b
		}
	}
	if len(out) > 0 {
		return out, ""
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Sprintf("cannot read the directory %s (%v)", dir, errText(err))
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), FileSuffix) {
			continue
		}
		b, err := ReadInput(filepath.Join(dir, e.Name()), root.Dir)
		if err != nil {
			return nil, fmt.Sprintf("cannot read %s: %v", e.Name(), err)
		}
		n := path.Join(rel, e.Name())
		out[n] = b
		root.Sources[n] = b
	}
	if len(out) == 0 {
		return nil, fmt.Sprintf("the directory %s holds no *%s files", dir, FileSuffix)
	}
	return out, ""
}

func errText(err error) string {
	if os.IsNotExist(err) {
		return "it does not exist"
	}
	return err.Error()
}

// checkModuleBlocks refuses blocks that only the root module may hold.
func (c *Config) checkModuleBlocks() hcl.Diagnostics {
	var diags hcl.Diagnostics
	only := func(what string, rng hcl.Range, todo string) {
		diags = append(diags, InModule(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: what + " block in a module",
			Detail: what + " blocks belong in the root module. " + todo, Subject: rng.Ptr()}}, c.CallChain())...)
	}
	if c.Settings != nil {
		only("mailform", c.Settings.DeclRange, "Move it to the root configuration.")
	}
	for _, p := range c.Providers {
		only("provider", p.DeclRange, "Modules use the root module's providers: declare the provider there and refer to it by name.")
	}
	if c.Logs != nil {
		only("logs", c.Logs.DeclRange, "Move it to the root configuration.")
	}
	if c.Audit != nil {
		only("audit", c.Audit.DeclRange, "Move it to the root configuration.")
	}
	for _, m := range c.Moved {
		only("moved", m.DeclRange, "Write it in the root module with the full address, as in to = module.x.account.alice.")
	}
	for _, i := range c.Imports {
		only("import", i.DeclRange, "Write it in the root module with the full address, as in to = module.x.account.alice.")
	}
	return diags
}

// checkArgs checks a call's arguments against the module's variables: each argument
// names a variable, and each variable without a default is given.
func (m *ModuleCall) checkArgs(caller, child *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	names := child.variableNames()
	for n, a := range m.Args {
		if _, ok := child.Variables[n]; !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported module argument",
				Detail:  fmt.Sprintf("module.%s (%s) declares no variable %q.%s Remove the argument or declare variable %q {} in the module.", m.Name, m.Source, n, DidYouMean(n, names), n),
				Subject: a.NameRange.Ptr()})
		}
	}
	for _, n := range names {
		v := child.Variables[n]
		if _, given := m.Args[n]; !given && v.Default == cty.NilVal && v.DefaultExpr == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing module argument",
				Detail:  fmt.Sprintf("module.%s needs a value for its variable %q (declared at %s), which has no default. Add %s = … to the module block.", m.Name, n, v.DeclRange.String(), n),
				Subject: m.DeclRange.Ptr()})
		}
	}
	sort.SliceStable(diags, func(i, j int) bool { return diags[i].Subject.Start.Byte < diags[j].Subject.Start.Byte })
	return InModule(diags, caller.CallChain())
}

// ModuleVariables converts the values a module call gives into the module's
// variables: each is converted to its declared type, a left-out one takes its
// default, and every validation block is checked. argRanges place errors at the
// arguments.
func (c *Config) ModuleVariables(args map[string]cty.Value, argRanges map[string]hcl.Range) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := map[string]cty.Value{}
	for _, n := range c.variableNames() {
		v := c.Variables[n]
		val, given := args[n]
		if !given {
			if v.Default == cty.NilVal {
				out[n] = cty.UnknownVal(v.Type)
				continue // reported when loading
			}
			out[n] = v.Default
			continue
		}
		cv, err := convert.Convert(val, v.Type)
		if err != nil {
			rng := argRanges[n]
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for module variable " + n,
				Detail:  fmt.Sprintf("The value does not fit the type %s declared at %s: %v.", v.Type.FriendlyName(), v.DeclRange.String(), err),
				Subject: rng.Ptr()})
			out[n] = cty.UnknownVal(v.Type)
			continue
		}
		out[n] = cv
	}
	for _, n := range c.variableNames() {
		v := c.Variables[n]
		val := out[n]
		if !val.IsWhollyKnown() {
			continue
		}
		ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{n: val})}, Functions: c.Functions()}
		for _, vv := range v.Validations {
			res, d := vv.Condition.Value(ctx)
			diags = append(diags, d...)
			if d.HasErrors() || !res.IsKnown() || res.IsNull() || res.Type() != cty.Bool {
				continue
			}
			if res.False() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for module variable " + n,
					Detail: vv.ErrorMessage, Subject: vv.Condition.Range().Ptr()})
			}
		}
	}
	return out, diags
}
