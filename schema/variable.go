package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Variable is a `variable "name" { … }` block.
type Variable struct {
	Name        string
	Type        cty.Type
	Default     cty.Value // cty.NilVal when the variable is required
	Description string
	Sensitive   bool
	// DefaultExpr is the default's expression, nil without one.
	DefaultExpr hcl.Expression
	Validations []*VariableValidation
	DeclRange   hcl.Range
}

// VariableValidation is a `validation { condition error_message }` block.
type VariableValidation struct {
	Condition    hcl.Expression
	ErrorMessage string
	DeclRange    hcl.Range
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}, {Name: "sensitive"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "validation"}},
}

func decodeVariableBlock(b *hcl.Block) (*Variable, hcl.Diagnostics) {
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType, DeclRange: b.DefRange}
	var diags hcl.Diagnostics
	if !hclsyntax.ValidIdentifier(v.Name) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid variable name",
			Detail: "A variable name is letters, digits, underscores and dashes, starting with a letter.", Subject: b.LabelRanges[0].Ptr()})
	}
	content, d := b.Body.Content(variableSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["type"]; ok {
		ty, d := typeexpr.TypeConstraint(a.Expr)
		diags = append(diags, d...)
		if !d.HasErrors() {
			v.Type = ty
		}
	}
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &v.Description)...)
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &v.Sensitive)...)
	}
	if a, ok := content.Attributes["default"]; ok {
		v.DefaultExpr = a.Expr
		val, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			cv, err := convert.Convert(val, v.Type)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid default value for variable",
					Detail: fmt.Sprintf("The default does not fit the variable's type: %v. Change the default or the type.", err), Subject: a.Expr.Range().Ptr()})
			} else {
				v.Default = cv
			}
		}
	}
	for _, vb := range content.Blocks {
		vc, d := vb.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "condition", Required: true}, {Name: "error_message", Required: true}}})
		diags = append(diags, d...)
		val := &VariableValidation{DeclRange: vb.DefRange}
		if a, ok := vc.Attributes["condition"]; ok {
			val.Condition = a.Expr
		}
		if a, ok := vc.Attributes["error_message"]; ok {
			diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &val.ErrorMessage)...)
		}
		if val.Condition != nil {
			v.Validations = append(v.Validations, val)
		}
	}
	return v, diags
}

// VarInputs are the variable values given outside the configuration.
type VarInputs struct {
	// Vars are -var name=value arguments in command-line order.
	Vars []string
	// Files are -var-file paths in command-line order.
	Files []string
	// Environ is the process environment (MAILFORM_VAR_name=value); nil = os.Environ().
	Environ []string
	// Args, when set, are the -var and -var-file options in command-line order and take
	// the place of Vars and Files, so that a later option wins whichever kind it is.
	Args []VarArg
	// UnsetUnknown makes a required variable without a value unknown instead of an
	// error: validate checks the configuration for every value it may be given.
	UnsetUnknown bool
}

// VarArg is one -var name=value (File false) or -var-file path (File true) option.
type VarArg struct {
	File  bool
	Value string
}

// args returns the command-line options in the order they apply.
func (in VarInputs) args() []VarArg {
	if len(in.Args) > 0 {
		return in.Args
	}
	out := make([]VarArg, 0, len(in.Files)+len(in.Vars))
	for _, f := range in.Files {
		out = append(out, VarArg{File: true, Value: f})
	}
	for _, v := range in.Vars {
		out = append(out, VarArg{Value: v})
	}
	return out
}

// VarSuffix is the suffix of variable files loaded automatically.
const VarSuffix = ".auto.mfvars.hcl"

type rawVar struct {
	expr   hcl.Expression // nil when raw is a plain string
	raw    string
	source string
	rng    hcl.Range
}

// VariableValues resolves every declared variable: environment MAILFORM_VAR_x, then
// *.auto.mfvars.hcl files, then -var-file and -var in command-line order (later wins),
// then the default. Each value is converted to the declared type and checked by the
// variable's validation blocks.
func (c *Config) VariableValues(in VarInputs) (map[string]cty.Value, hcl.Diagnostics) {
	raw, diags := c.rawValues(in)
	return c.resolve(in, raw, diags)
}

// GivenVariables returns the variables that in gives a value (from the environment,
// an automatic or -var-file file, or -var), each with where the value came from.
func (c *Config) GivenVariables(in VarInputs) map[string]string {
	raw, _ := c.rawValues(in)
	out := make(map[string]string, len(raw))
	for n, r := range raw {
		out[n] = r.source
	}
	return out
}

// rawValues collects the variable values in gives, later sources winning.
func (c *Config) rawValues(in VarInputs) (map[string]*rawVar, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	raw := map[string]*rawVar{}
	env := in.Environ
	if env == nil {
		env = os.Environ()
	}
	for _, kv := range env {
		if !strings.HasPrefix(kv, "MAILFORM_VAR_") {
			continue
		}
		k, v, _ := strings.Cut(strings.TrimPrefix(kv, "MAILFORM_VAR_"), "=")
		if _, ok := c.Variables[k]; ok {
			raw[k] = &rawVar{raw: v, source: "environment variable MAILFORM_VAR_" + k}
		}
	}
	var autoFiles []string
	if entries, err := os.ReadDir(c.Dir); err == nil {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), VarSuffix) {
				autoFiles = append(autoFiles, filepath.Join(c.Dir, e.Name()))
			}
		}
	}
	sort.Strings(autoFiles)
	for _, f := range autoFiles {
		diags = append(diags, c.readVarFile(f, raw)...)
	}
	for _, arg := range in.args() {
		if arg.File {
			diags = append(diags, c.readVarFile(arg.Value, raw)...)
			continue
		}
		a := arg.Value
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -var option",
				Detail: fmt.Sprintf("The option -var %q is not of the form name=value.", a)})
			continue
		}
		if _, declared := c.Variables[k]; !declared {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
				Detail: fmt.Sprintf("-var gives a value for %q, but no variable block declares it.%s Declare it with variable %q {} or remove the option.", k, DidYouMean(k, c.variableNames()), k)})
			continue
		}
		raw[k] = &rawVar{raw: v, source: "-var " + k}
	}
	return raw, diags
}

func (c *Config) resolve(in VarInputs, raw map[string]*rawVar, diags hcl.Diagnostics) (map[string]cty.Value, hcl.Diagnostics) {
	out := map[string]cty.Value{}
	names := make([]string, 0, len(c.Variables))
	for n := range c.Variables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := c.Variables[n]
		r, given := raw[n]
		var val cty.Value
		switch {
		case given && r.expr != nil:
			x, d := r.expr.Value(nil)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			val = x
		case given:
			val = cty.StringVal(r.raw)
			if !v.Type.Equals(cty.String) && v.Type != cty.DynamicPseudoType {
				if d := CheckNesting([]byte(r.raw), r.source, hcl.InitialPos, true); d.HasErrors() {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable " + n,
						Detail: fmt.Sprintf("The value from %s nests more than %d levels deep.", r.source, MaxNesting)})
					continue
				}
				expr, d := hclsyntax.ParseExpression([]byte(r.raw), r.source, hcl.InitialPos)
				if d.HasErrors() {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable " + n,
						Detail: fmt.Sprintf("The value from %s is not a valid %s expression.", r.source, v.Type.FriendlyName())})
					continue
				}
				x, d := expr.Value(nil)
				if d.HasErrors() {
					// A bare word such as abc parses as a reference: say which value is
					// wrong rather than "Variables not allowed".
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable " + n,
						Detail: fmt.Sprintf("The value from %s is not a valid %s expression: %s. Quote strings inside lists, as in [\"a\"].", r.source, v.Type.FriendlyName(), d[0].Detail)})
					continue
				}
				val = x
			}
		case v.Default != cty.NilVal:
			val = v.Default
		case in.UnsetUnknown:
			out[n] = cty.UnknownVal(v.Type)
			continue
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No value for required variable",
				Detail:  fmt.Sprintf("The variable %q has no default. Set it with -var %s=VALUE, in a *%s file, or with the environment variable MAILFORM_VAR_%s.", n, n, VarSuffix, n),
				Subject: v.DeclRange.Ptr()})
			continue
		}
		cv, err := convert.Convert(val, v.Type)
		if err != nil {
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable " + n,
				Detail: fmt.Sprintf("The value does not fit the type %s: %v.", v.Type.FriendlyName(), err), Subject: v.DeclRange.Ptr()}
			if given && r.expr != nil {
				d.Subject = r.expr.Range().Ptr()
			}
			diags = append(diags, d)
			continue
		}
		out[n] = cv
	}
	for _, n := range names {
		v := c.Variables[n]
		val, ok := out[n]
		if !ok {
			continue
		}
		ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{n: val})}, Functions: c.Functions()}
		for _, vv := range v.Validations {
			res, d := vv.Condition.Value(ctx)
			diags = append(diags, d...)
			if d.HasErrors() || !res.IsKnown() || res.IsNull() {
				continue
			}
			if res.Type() != cty.Bool {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid validation condition",
					Detail: "A validation condition must be true or false.", Subject: vv.Condition.Range().Ptr()})
				continue
			}
			if res.False() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable " + n,
					Detail: vv.ErrorMessage, Subject: vv.Condition.Range().Ptr()})
			}
		}
	}
	return out, diags
}

func (c *Config) readVarFile(path string, raw map[string]*rawVar) hcl.Diagnostics {
	src, err := ReadInput(path, c.Dir)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read variable file", Detail: fmt.Sprintf("%v. Check the -var-file path.", err)}}
	}
	if d := CheckNesting(src, path, hcl.InitialPos, false); d.HasErrors() {
		return d
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return diags
	}
	c.Files[path] = f
	attrs, d := f.Body.JustAttributes()
	diags = append(diags, d...)
	for n, a := range attrs {
		if _, ok := c.Variables[n]; !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Value for undeclared variable",
				Detail: fmt.Sprintf("The file sets %q, but no variable block declares it; the value is ignored.", n), Subject: a.NameRange.Ptr()})
			continue
		}
		raw[n] = &rawVar{expr: a.Expr, source: path, rng: a.Range}
	}
	return diags
}

// variableNames lists the declared variables, sorted.
func (c *Config) variableNames() []string {
	out := make([]string, 0, len(c.Variables))
	for n := range c.Variables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
