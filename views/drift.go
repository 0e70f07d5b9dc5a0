package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
)

// driftHeadings title each class of drift in human output.
var driftHeadings = map[planner.DriftKind]string{
	planner.ChangedOutside: "Changed outside mailform (last applied -> live):",
	planner.NotApplied:     "Not yet applied (last applied -> configuration):",
	planner.Unmanaged:      "Unmanaged (live objects that neither the configuration nor the state knows):",
}

// RenderDrift writes a drift report for a person: a summary line, then each class
// of difference with its items. hints adds the next commands to run; automation
// turns them off.
func RenderDrift(w io.Writer, r *planner.DriftReport, col Colors, hints bool) {
	ignored := ""
	if r.Ignored > 0 {
		ignored = fmt.Sprintf(" (%d ignored by drift ignore rules)", r.Ignored)
	}
	if !r.HasDrift() {
		fmt.Fprintf(w, "No drift. The live objects match the last apply, and the configuration is applied%s.\n", ignored)
		return
	}
	fmt.Fprintf(w, "%s %d changed outside mailform, %d not yet applied, %d unmanaged%s.\n",
		col.Bold("Drift detected:"), len(r.Of(planner.ChangedOutside)), len(r.Of(planner.NotApplied)), len(r.Of(planner.Unmanaged)), ignored)
	for _, k := range planner.DriftKinds {
		items := r.Of(k)
		if len(items) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s\n", col.Bold(driftHeadings[k]))
		for i, it := range items {
			if k == planner.Unmanaged {
				if i > 0 {
					fmt.Fprintln(w)
				}
				renderUnmanaged(w, it, col)
				continue
			}
			renderDriftItem(w, it, col)
		}
	}
	if hints {
		fmt.Fprintln(w)
		if len(r.Of(planner.ChangedOutside))+len(r.Of(planner.NotApplied)) > 0 {
			fmt.Fprintln(w, "To make the live objects match the configuration again, run: mailform plan, then mailform apply.")
			fmt.Fprintln(w, "To keep a change made outside mailform, copy it into the configuration first.")
		}
		fmt.Fprintln(w, "To silence a known difference, add its address (or address.attribute) to mailform { drift { ignore = [...] } } or pass -ignore.")
	}
}

func renderDriftItem(w io.Writer, it *planner.DriftItem, col Colors) {
	id := ""
	if it.ID != "" {
		id = " (id " + it.ID + ")"
	}
	if it.Reason != "" && len(it.Attrs) == 0 {
		fmt.Fprintf(w, "  %s %s%s: %s\n", col.Yellow("!"), col.Bold(it.Address), id, it.Reason)
		renderNotes(w, it.Notes)
		return
	}
	fmt.Fprintf(w, "  %s %s%s\n", col.Yellow("~"), col.Bold(it.Address), id)
	defer renderNotes(w, it.Notes)
	t := model.Lookup(it.Type)
	for _, a := range it.Attrs {
		if a.Sensitive {
			fmt.Fprintf(w, "      %s: (sensitive value changed)\n", a.Name)
			continue
		}
		var at *model.Attr
		if t != nil {
			at = t.Attr(a.Name)
		}
		fmt.Fprintf(w, "      %s: %s -> %s\n", a.Name, formatAttr(at, a.Before), formatAttr(at, a.After))
	}
}

// renderNotes writes what the provider noted about a live object, one line each.
func renderNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(w, "      note: %s\n", n)
	}
}

func renderUnmanaged(w io.Writer, it *planner.DriftItem, col Colors) {
	fmt.Fprintf(w, "  %s %s %q (provider %s)\n", col.Yellow("?"), it.Type, it.ID, it.Provider)
	renderNotes(w, it.Notes)
	fmt.Fprintln(w, "    To manage it, add this to the configuration (or delete it where it was created):")
	fmt.Fprintln(w)
	for _, line := range strings.Split(strings.TrimRight(AdoptSnippet(it), "\n"), "\n") {
		if line == "" {
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintf(w, "      %s\n", line)
	}
}

// AdoptSnippet returns ready-to-paste HCL that adopts an unmanaged live object: an
// import block and a resource block holding its current values.
func AdoptSnippet(it *planner.DriftItem) string {
	typ, label, _ := strings.Cut(it.Address, ".")
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	im := body.AppendNewBlock("import", nil).Body()
	im.SetAttributeTraversal("to", hcl.Traversal{hcl.TraverseRoot{Name: typ}, hcl.TraverseAttr{Name: label}})
	im.SetAttributeValue("id", cty.StringVal(it.ID))
	body.AppendNewline()
	res := body.AppendNewBlock(typ, []string{label}).Body()
	if it.NeedsProvider {
		var tr hcl.Traversal
		for i, part := range strings.Split(it.Provider, ".") {
			if i == 0 {
				tr = append(tr, hcl.TraverseRoot{Name: part})
			} else {
				tr = append(tr, hcl.TraverseAttr{Name: part})
			}
		}
		res.SetAttributeTraversal("provider", tr)
	}
	if t := model.Lookup(typ); t != nil {
		writeAttrs(res, t.Attrs, it.Live)
		writeDepartmentRefs(res, it)
	}
	return string(hclwrite.Format(f.Bytes()))
}

// writeDepartmentRefs rewrites department ids that name managed departments as
// references (department.sales.id), as a configuration would say them.
func writeDepartmentRefs(b *hclwrite.Body, it *planner.DriftItem) {
	ref := func(id string) hclwrite.Tokens {
		addr, ok := it.Departments[id]
		if !ok {
			return hclwrite.TokensForValue(cty.StringVal(id))
		}
		tr, diags := hclsyntax.ParseTraversalAbs([]byte(addr+".id"), "", hcl.InitialPos)
		if diags.HasErrors() {
			return hclwrite.TokensForValue(cty.StringVal(id))
		}
		return hclwrite.TokensForTraversal(tr)
	}
	if len(it.Departments) == 0 {
		return
	}
	for _, attr := range []string{"departments", "member_departments"} {
		ids := it.Live.Strings(attr)
		if len(ids) == 0 {
			continue
		}
		var toks []hclwrite.Tokens
		for _, id := range ids {
			toks = append(toks, ref(id))
		}
		b.SetAttributeRaw(attr, hclwrite.TokensForTuple(toks))
	}
	if p := it.Live.Str("parent"); p != "" && b.GetAttribute("parent") != nil {
		b.SetAttributeRaw("parent", ref(p))
	}
}

// writeAttrs sets the attributes of o that a configuration would write: known,
// non-empty, not computed or write-only, and not just the default.
func writeAttrs(b *hclwrite.Body, attrs []*model.Attr, o model.Object) {
	for _, a := range attrs {
		v, ok := o[a.Name]
		if !ok || v == nil || a.Computed || a.WriteOnly || isZero(v) || (a.Default != nil && model.Equal(v, a.Default)) {
			continue
		}
		switch x := v.(type) {
		case string:
			b.SetAttributeValue(a.Name, cty.StringVal(x))
		case int64:
			b.SetAttributeValue(a.Name, cty.NumberIntVal(x))
		case bool:
			b.SetAttributeValue(a.Name, cty.BoolVal(x))
		case []string:
			l := make([]cty.Value, len(x))
			for i, s := range x {
				l[i] = cty.StringVal(s)
			}
			b.SetAttributeValue(a.Name, cty.ListVal(l))
		case model.Object:
			writeAttrs(b.AppendNewBlock(a.Name, nil).Body(), a.Block, x)
		}
	}
}

// JSONDrift is the machine-readable drift report printed by drift -json
// (docs/drift-json.md).
type JSONDrift struct {
	FormatVersion string           `json:"format_version"`
	Lineage       string           `json:"lineage"`
	Serial        uint64           `json:"serial"`
	Drift         bool             `json:"drift"`
	Summary       JSONDriftSummary `json:"summary"`
	Items         []JSONDriftItem  `json:"items"`
}

// JSONDriftSummary counts the items of each class and the ignored differences.
type JSONDriftSummary struct {
	ChangedOutside int `json:"changed_outside"`
	NotApplied     int `json:"not_applied"`
	Unmanaged      int `json:"unmanaged"`
	Ignored        int `json:"ignored"`
}

// JSONDriftItem is one difference in the JSON drift report.
type JSONDriftItem struct {
	Kind       string               `json:"kind"`
	Address    string               `json:"address"`
	Type       string               `json:"type"`
	Provider   string               `json:"provider"`
	ID         string               `json:"id,omitempty"`
	Reason     string               `json:"reason,omitempty"`
	Notes      []string             `json:"notes,omitempty"`
	Attributes []JSONDriftAttribute `json:"attributes,omitempty"`
	Live       map[string]any       `json:"live,omitempty"`
	Adopt      string               `json:"adopt,omitempty"`
}

// JSONDriftAttribute is one attribute difference: the last applied value and either
// the live value (changed_outside) or the configured value (not_applied). An absent
// value is null.
type JSONDriftAttribute struct {
	Name    string
	Applied any
	// Other is the live or the configured value, as OtherKey says.
	Other     any
	OtherKey  string
	Sensitive bool
}

// MarshalJSON writes {"name", "applied", "live" or "configured", "sensitive"} with
// the value keys always present, so a consumer can tell "was empty" from "missing".
func (a JSONDriftAttribute) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range []struct {
		k string
		v any
	}{{"name", a.Name}, {"applied", a.Applied}, {a.OtherKey, a.Other}, {"sensitive", a.Sensitive}} {
		if kv.k == "sensitive" && !a.Sensitive {
			continue
		}
		if i > 0 {
			b.WriteByte(',')
		}
		v, err := json.Marshal(kv.v)
		if err != nil {
			return nil, err
		}
		k, _ := json.Marshal(kv.k)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// DriftToJSON converts a drift report into its JSON view; sensitive values become
// "(sensitive)".
func DriftToJSON(r *planner.DriftReport) JSONDrift {
	jd := JSONDrift{FormatVersion: "1", Lineage: r.Lineage, Serial: r.Serial, Drift: r.HasDrift(), Items: []JSONDriftItem{},
		Summary: JSONDriftSummary{len(r.Of(planner.ChangedOutside)), len(r.Of(planner.NotApplied)), len(r.Of(planner.Unmanaged)), r.Ignored}}
	for _, it := range r.Items {
		ji := JSONDriftItem{Kind: string(it.Kind), Address: it.Address, Type: it.Type, Provider: it.Provider, ID: it.ID, Reason: it.Reason, Notes: it.Notes}
		for _, a := range it.Attrs {
			ja := JSONDriftAttribute{Name: a.Name, Applied: jsonValue(a.Before), Other: jsonValue(a.After), OtherKey: "configured", Sensitive: a.Sensitive}
			if it.Kind == planner.ChangedOutside {
				ja.OtherKey = "live"
			}
			if a.Sensitive {
				ja.Applied, ja.Other = "(sensitive)", "(sensitive)"
			}
			ji.Attributes = append(ji.Attributes, ja)
		}
		if it.Kind == planner.Unmanaged {
			if t := model.Lookup(it.Type); t != nil {
				ji.Live = jsonObject(t.Attrs, it.Live)
			}
			ji.Adopt = AdoptSnippet(it)
		}
		jd.Items = append(jd.Items, ji)
	}
	return jd
}
