package planner

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
)

// Secrets is where secret values live in a configuration: the variables whose values
// reach a sensitive attribute (a password, a provider secret, a TSIG key), and the
// expressions that hold secrets written into the files themselves.
type Secrets struct {
	// Vars are the variables declared sensitive or whose values flow into a
	// sensitive attribute, directly or through locals and for_each.
	Vars map[string]bool
	// Literals are expressions without references in sensitive positions: the
	// value of a sensitive attribute, or a local that flows into one. Each is a
	// secret written into the configuration.
	Literals []SecretLiteral
	// Withheld are the ranges a saved plan leaves out of the configuration source:
	// the literals and the defaults of sensitive variables.
	Withheld []hcl.Range
}

// SecretLiteral is a secret written into the configuration.
type SecretLiteral struct {
	// What names the position: "account.alice password", "local.pw".
	What  string
	Range hcl.Range
}

// FindSecrets traces which variables and expressions of cfg feed sensitive
// attributes.
func FindSecrets(cfg *schema.Config) *Secrets {
	s := &Secrets{Vars: map[string]bool{}}
	seenLocal := map[string]bool{}
	seenForEach := map[*schema.Resource]bool{}
	var trace func(what string, expr hcl.Expression, r *schema.Resource)
	trace = func(what string, expr hcl.Expression, r *schema.Resource) {
		refs := expr.Variables()
		if len(refs) == 0 {
			// A constant: a secret written into the file, unless it is empty. A
			// call such as file("key") fails without functions and holds no secret.
			if v, d := expr.Value(nil); !d.HasErrors() && !v.IsNull() && !(v.Type() == cty.String && v.IsKnown() && v.AsString() == "") {
				s.Literals = append(s.Literals, SecretLiteral{What: what, Range: expr.Range()})
			}
			return
		}
		for _, tr := range refs {
			switch tr.RootName() {
			case "var":
				if n := attrName(tr); n != "" {
					s.Vars[n] = true
				}
			case "local":
				n := attrName(tr)
				if l := cfg.Locals[n]; l != nil && !seenLocal[n] {
					seenLocal[n] = true
					trace("local."+n, l.Expr, nil)
				}
			case "each":
				if r != nil && r.ForEach != nil && !seenForEach[r] {
					seenForEach[r] = true
					// for_each may hold many values besides the secrets: it is
					// a source of sensitive variables, never a literal secret.
					traceVars(cfg, r.ForEach, s, seenLocal)
				}
			}
		}
	}
	for _, r := range cfg.Resources {
		if r.Spec == nil || r.Body == nil {
			continue
		}
		for _, a := range sensitiveAttrs(r.Body, r.Spec.Attrs) {
			trace(r.Addr()+" "+a.Name, a.Expr, r)
		}
	}
	for _, p := range cfg.Providers {
		f := providers.Lookup(p.Kind)
		if f == nil || p.Config == nil {
			continue
		}
		for _, a := range sensitiveAttrs(p.Config, f.Config) {
			trace("provider "+p.Name()+" "+a.Name, a.Expr, nil)
		}
	}
	// A pg backend's conn_str is a secret when it carries a password.
	if st := cfg.Settings; st != nil && st.Backend != nil && st.Backend.Kind == "pg" && st.Backend.Config != nil {
		content, _, _ := st.Backend.Config.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "conn_str"}}})
		if a := content.Attributes["conn_str"]; a != nil {
			if v, d := a.Expr.Value(nil); !d.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() && connStrPassword.MatchString(v.AsString()) {
				s.Literals = append(s.Literals, SecretLiteral{What: "the pg backend's conn_str (its password)", Range: a.Expr.Range()})
			}
		}
	}
	for n, v := range cfg.Variables {
		if v.Sensitive {
			s.Vars[n] = true
		}
	}
	for n := range s.Vars {
		if v := cfg.Variables[n]; v != nil && v.DefaultExpr != nil {
			s.Withheld = append(s.Withheld, v.DefaultExpr.Range())
		}
	}
	for _, l := range s.Literals {
		s.Withheld = append(s.Withheld, l.Range)
	}
	sort.Slice(s.Literals, func(i, j int) bool { return rangeLess(s.Literals[i].Range, s.Literals[j].Range) })
	sort.Slice(s.Withheld, func(i, j int) bool { return rangeLess(s.Withheld[i], s.Withheld[j]) })
	return s
}

// RefersTo reports whether expr uses a secret: a sensitive variable, or a local
// that holds one or is written as one, directly or through other locals.
func (s *Secrets) RefersTo(cfg *schema.Config, expr hcl.Expression) bool {
	literal := map[string]bool{}
	for _, l := range s.Literals {
		literal[l.What] = true
	}
	seen := map[string]bool{}
	var refers func(hcl.Expression) bool
	refers = func(e hcl.Expression) bool {
		for _, tr := range e.Variables() {
			n := attrName(tr)
			switch tr.RootName() {
			case "var":
				if s.Vars[n] {
					return true
				}
			case "local":
				if literal["local."+n] {
					return true
				}
				if l := cfg.Locals[n]; l != nil && !seen[n] {
					seen[n] = true
					if refers(l.Expr) {
						return true
					}
				}
			}
		}
		return false
	}
	return refers(expr)
}

// connStrPassword finds a password in a PostgreSQL connection string, keyword or URL
// form.
var connStrPassword = regexp.MustCompile(`(?i)(^|\s)password\s*=|^postgres(ql)?://[^/@]*:[^/@]*@`)

// traceVars marks every variable expr refers to, through locals, as sensitive.
func traceVars(cfg *schema.Config, expr hcl.Expression, s *Secrets, seenLocal map[string]bool) {
	for _, tr := range expr.Variables() {
		switch tr.RootName() {
		case "var":
			if n := attrName(tr); n != "" {
				s.Vars[n] = true
			}
		case "local":
			n := attrName(tr)
			if l := cfg.Locals[n]; l != nil && !seenLocal["for_each "+n] {
				seenLocal["for_each "+n] = true
				traceVars(cfg, l.Expr, s, seenLocal)
			}
		}
	}
}

func attrName(tr hcl.Traversal) string {
	if len(tr) > 1 {
		if a, ok := tr[1].(hcl.TraverseAttr); ok {
			return a.Name
		}
	}
	return ""
}

// sensitiveAttrs returns the attributes of body that attrs declares sensitive.
func sensitiveAttrs(body hcl.Body, attrs []*model.Attr) []*hcl.Attribute {
	var sch hcl.BodySchema
	for _, a := range attrs {
		if a.Sensitive {
			sch.Attributes = append(sch.Attributes, hcl.AttributeSchema{Name: a.Name})
		}
	}
	if len(sch.Attributes) == 0 {
		return nil
	}
	content, _, _ := body.PartialContent(&sch)
	if content == nil {
		return nil
	}
	var out []*hcl.Attribute
	for _, a := range sch.Attributes {
		if at := content.Attributes[a.Name]; at != nil {
			out = append(out, at)
		}
	}
	return out
}

func rangeLess(a, b hcl.Range) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Start.Byte < b.Start.Byte
}

// LiteralSecretWarnings warns about each secret written into the configuration: it
// is in git, and a saved plan must read it from the file again.
func LiteralSecretWarnings(s *Secrets) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, l := range s.Literals {
		// No Subject: the source line would print the secret into a CI log.
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Secret written in the configuration",
			Detail: fmt.Sprintf("On %s line %d, the value of %s is written literally, so it is in version control for anyone who can read the repository, and a saved plan has to read it from the file again. Declare a variable with sensitive = true and pass the value in MAILFORM_VAR_<name> or -var from your secret store.",
				l.Range.Filename, l.Range.Start.Line, l.What),
		})
	}
	return diags
}

// withholdPlaceholder stands in a saved plan's configuration for a withheld secret.
const withholdPlaceholder = `"(withheld from the plan file)"`

// redactSources returns the configuration source with the withheld ranges replaced
// by a placeholder, and the files that had any.
func redactSources(sources map[string][]byte, withheld []hcl.Range) (map[string][]byte, []string) {
	byFile := map[string][]hcl.Range{}
	for _, r := range withheld {
		byFile[r.Filename] = append(byFile[r.Filename], r)
	}
	out := make(map[string][]byte, len(sources))
	var files []string
	for n, src := range sources {
		rs := byFile[n]
		if len(rs) == 0 {
			out[n] = src
			continue
		}
		files = append(files, n)
		sort.Slice(rs, func(i, j int) bool { return rs[i].Start.Byte < rs[j].Start.Byte })
		var b []byte
		at := 0
		for _, r := range rs {
			if r.Start.Byte < at || r.End.Byte > len(src) {
				continue // nested in one already withheld
			}
			b = append(b, src[at:r.Start.Byte]...)
			b = append(b, withholdPlaceholder...)
			at = r.End.Byte
		}
		out[n] = append(b, src[at:]...)
	}
	sort.Strings(files)
	return out, files
}
