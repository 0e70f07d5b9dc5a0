package schema

import (
	"fmt"
	"math/big"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mailform/mailform/model"
)

// Ranges maps attribute names (nested ones as "block.attr") to where configuration
// sets them, for diagnostics found after decoding.
type Ranges map[string]hcl.Range

// Decode evaluates the resource body in ctx and returns its attributes as a model
// object. Unknown values (provider-assigned ids not yet created) become model.Unknown.
// Every problem is reported, each at its expression.
func (r *Resource) Decode(ctx *hcl.EvalContext) (model.Object, Ranges, hcl.Diagnostics) {
	return r.Prepare().Decode(ctx)
}

// Prepared is a resource body split into its attributes and blocks once, for
// decoding many instances of a for_each block: the split depends only on the body,
// unless the body has a dynamic block at its top level (whose expansion depends on
// each instance's values). A Prepared is safe for concurrent use.
type Prepared struct {
	r *Resource
	// content and diags are the body's split when it has no top-level dynamic
	// block; content is nil otherwise.
	content *hcl.BodyContent
	diags   hcl.Diagnostics
	// prog is the body compiled for the instances of a for_each block (DecodeEach),
	// for the context it was compiled in.
	prog atomic.Pointer[eachProgram]
}

// Prepare splits the resource body for Decode.
func (r *Resource) Prepare() *Prepared {
	p := &Prepared{r: r}
	if !mayHaveDynamic(r.Body) {
		p.content, p.diags = r.Body.Content(cachedBodySchema(r.Spec.Attrs))
	}
	return p
}

// Decode is Resource.Decode of the prepared body.
func (p *Prepared) Decode(ctx *hcl.EvalContext) (model.Object, Ranges, hcl.Diagnostics) {
	r := p.r
	ranges := Ranges{}
	var o model.Object
	var diags hcl.Diagnostics
	if p.content != nil {
		// Each instance reports the split's problems as its own (callers merge
		// those of one block); a copy, so no instance changes another's.
		for _, d := range p.diags {
			cp := *d
			diags = append(diags, &cp)
		}
		o, diags = decodeContent(p.content, diags, r.Spec.Attrs, ctx, ranges, "", r.Type)
	} else {
		o, diags = decodeBody(r.Body, r.Spec.Attrs, ctx, ranges, "", r.Type)
	}
	if r.Spec == model.DNSRecord {
		diags = append(diags, checkRecords(o, ranges)...)
	}
	return o, ranges, diags
}

func decodeBody(body hcl.Body, attrs []*model.Attr, ctx *hcl.EvalContext, ranges Ranges, prefix, typ string) (model.Object, hcl.Diagnostics) {
	if ctx != nil && mayHaveDynamic(body) {
		// dynamic "offboarding" { for_each = … content { … } } makes nested blocks
		// from data, e.g. from a CSV column.
		body = dynblock.Expand(body, ctx)
	}
	content, diags := body.Content(cachedBodySchema(attrs))
	return decodeContent(content, diags, attrs, ctx, ranges, prefix, typ)
}

// decodeContent evaluates the attributes and decodes the blocks of a body's content;
// diags are the problems found splitting the body, to which it adds its own.
func decodeContent(content *hcl.BodyContent, diags hcl.Diagnostics, attrs []*model.Attr, ctx *hcl.EvalContext, ranges Ranges, prefix, typ string) (model.Object, hcl.Diagnostics) {
	o := model.Object{}
	for _, a := range attrs {
		if a.Kind == model.KindBlock {
			var blocks []*hcl.Block
			for _, b := range content.Blocks {
				if b.Type == a.Name {
					blocks = append(blocks, b)
				}
			}
			if len(blocks) > 1 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate " + a.Name + " block",
					Detail: fmt.Sprintf("A %s takes at most one %s block; merge them into one.", typ, a.Name), Subject: blocks[1].DefRange.Ptr()})
			}
			if len(blocks) > 0 {
				ranges[prefix+a.Name] = blocks[0].DefRange
				sub, d := decodeBody(blocks[0].Body, a.Block, ctx, ranges, prefix+a.Name+".", typ)
				diags = append(diags, d...)
				o[a.Name] = sub
			}
			continue
		}
		at, ok := content.Attributes[a.Name]
		if !ok {
			continue
		}
		ranges[prefix+a.Name] = at.Expr.Range()
		if a.Computed {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Attribute is assigned by the provider",
				Detail: fmt.Sprintf("%s.%s is computed when the object is created and cannot be set. Remove it; refer to it from other resources instead.", typ, a.Name), Subject: at.NameRange.Ptr()})
			continue
		}
		val, d := exprValue(at.Expr, ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		v, d := fromCty(a, val, at.Expr.Range(), typ)
		diags = append(diags, d...)
		if !d.HasErrors() && v != nil {
			o[a.Name] = v
		}
	}
	return o, diags
}

// stringElements reports whether ty is a list, set or tuple whose elements are all
// strings: its elements are then those convert.Convert to list(string) would give,
// in the same order.
func stringElements(ty cty.Type) bool {
	switch {
	case ty.IsListType() || ty.IsSetType():
		return ty.ElementType().Equals(cty.String)
	case ty.IsTupleType():
		for _, et := range ty.TupleElementTypes() {
			if !et.Equals(cty.String) {
				return false
			}
		}
		return true
	}
	return false
}

// elementMarked reports whether an element of a collection is marked (sensitive).
func elementMarked(val cty.Value) bool {
	for it := val.ElementIterator(); it.Next(); {
		if _, e := it.Element(); e.IsMarked() {
			return true
		}
	}
	return false
}

// exprValue is expr.Value(ctx), with a shortcut for the commonest attribute of a
// for_each block, a plain attribute path such as each.value.email: hcl's traversal
// allocates at each step (~130 MB for the 50,000 accounts of bench/engine). The
// shortcut takes only objects that are known, not null, unmarked and have the
// attribute, where hcl.GetAttr returns exactly obj.GetAttr(name); anything else
// (and every error, with its diagnostic) goes through hcl.
func exprValue(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	if v, ok := attrPathValue(expr, ctx); ok {
		return v, nil
	}
	return expr.Value(ctx)
}

func attrPathValue(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, bool) {
	e, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || ctx == nil || len(e.Traversal) < 2 {
		return cty.NilVal, false
	}
	root, ok := e.Traversal[0].(hcl.TraverseRoot)
	if !ok {
		return cty.NilVal, false
	}
	// The root is looked up as hcl does: the nearest context that defines it.
	var cur cty.Value
	found := false
	for c := ctx; c != nil && !found; c = c.Parent() {
		cur, found = c.Variables[root.Name]
	}
	if !found {
		return cty.NilVal, false
	}
	for _, step := range e.Traversal[1:] {
		at, ok := step.(hcl.TraverseAttr)
		if !ok || cur.IsMarked() || !cur.IsKnown() || cur.IsNull() {
			return cty.NilVal, false
		}
		ty := cur.Type()
		if !ty.IsObjectType() || !ty.HasAttribute(at.Name) {
			return cty.NilVal, false
		}
		cur = cur.GetAttr(at.Name)
	}
	return cur, true
}

// mayHaveDynamic reports whether body may hold a dynamic block at its own level:
// false only for a native-syntax body without one, which dynblock.Expand would
// leave as it is at the cost of a wrapper and an extended schema per instance.
// Nested levels are checked when they are decoded.
func mayHaveDynamic(body hcl.Body) bool {
	b, ok := body.(*hclsyntax.Body)
	if !ok {
		return true
	}
	for _, blk := range b.Blocks {
		if blk.Type == "dynamic" {
			return true
		}
	}
	return false
}

// bodySchemas holds the HCL schema of each attribute list, keyed by where the list
// lives, built once rather than once per instance of a for_each block. Attribute
// lists are the resource types' own, fixed at start.
var bodySchemas sync.Map

type attrsKey struct {
	first **model.Attr
	n     int
}

func cachedBodySchema(attrs []*model.Attr) *hcl.BodySchema {
	if len(attrs) == 0 {
		return bodySchema(attrs)
	}
	k := attrsKey{&attrs[0], len(attrs)}
	if s, ok := bodySchemas.Load(k); ok {
		return s.(*hcl.BodySchema)
	}
	s, _ := bodySchemas.LoadOrStore(k, bodySchema(attrs))
	return s.(*hcl.BodySchema)
}

func tooMany(a *model.Attr, typ string, rng hcl.Range, n int) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Too many " + a.Name,
		Detail: fmt.Sprintf("%s.%s holds %d items; the limit is %d. Remove some.", typ, a.Name, n, a.MaxItems), Subject: rng.Ptr()}}
}

// knownLength is the number of elements of a list or tuple whose elements are not all
// known yet; sets are left out because unknown elements may still turn out equal.
func knownLength(val cty.Value) (int, bool) {
	if !val.IsKnown() || val.IsNull() {
		return 0, false
	}
	ty := val.Type()
	if !ty.IsListType() && !ty.IsTupleType() {
		return 0, false
	}
	val, _ = val.Unmark()
	return val.LengthInt(), true
}

func typeErr(a *model.Attr, typ string, rng hcl.Range, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + a.Name,
		Detail: fmt.Sprintf("%s.%s must be a %s: %s", typ, a.Name, a.Kind, detail), Subject: rng.Ptr()}}
}

// fromCty converts an evaluated value into the model's Go value for attribute a and
// checks it.
func fromCty(a *model.Attr, val cty.Value, rng hcl.Range, typ string) (any, hcl.Diagnostics) {
	if val.IsNull() {
		return nil, nil
	}
	if !val.IsWhollyKnown() {
		// Department ids are unknown until apply, yet a list of 21 of them is already
		// too long: check the count whenever the collection's length is known.
		if n, ok := knownLength(val); ok && a.Kind.IsCollection() && a.MaxItems > 0 && n > a.MaxItems {
			return nil, tooMany(a, typ, rng, n)
		}
		return model.Unknown, nil
	}
	val, _ = val.Unmark()
	switch {
	case a.Kind == model.KindInt:
		v, err := convert.Convert(val, cty.Number)
		if err != nil {
			return nil, typeErr(a, typ, rng, err.Error()+".")
		}
		bf := v.AsBigFloat()
		if !bf.IsInt() {
			return nil, typeErr(a, typ, rng, "it must be a whole number.")
		}
		i, acc := bf.Int64()
		if acc != big.Exact || i < 0 {
			return nil, typeErr(a, typ, rng, "it must be a non-negative whole number.")
		}
		return i, nil
	case a.Kind == model.KindBool:
		v, err := convert.Convert(val, cty.Bool)
		if err != nil {
			return nil, typeErr(a, typ, rng, err.Error()+".")
		}
		return v.True(), nil
	case a.Kind.IsCollection():
		// A list, set or tuple of strings ([department.x.id], split(…)) is read as it
		// is; converting it to a list first cost a copy per instance.
		if val.CanIterateElements() && elementMarked(val) {
			// A sensitive element ([var.secret_alias]): the attribute's value has no
			// marks (sensitivity is the attribute's), and AsString refuses a marked one.
			val, _ = val.UnmarkDeep()
		}
		v := val
		if !stringElements(val.Type()) {
			var err error
			v, err = convert.Convert(val, cty.List(cty.String))
			if err != nil {
				return nil, typeErr(a, typ, rng, "give a list such as [\"a\", \"b\"]; "+err.Error()+".")
			}
		}
		out := make([]string, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() {
				return nil, typeErr(a, typ, rng, "an element is null.")
			}
			out = append(out, e.AsString())
		}
		return checkStrings(a, typ, rng, out)
	default:
		v, err := convert.Convert(val, cty.String)
		if err != nil {
			return nil, typeErr(a, typ, rng, err.Error()+".")
		}
		return checkString(a, typ, rng, v.AsString())
	}
}

// checkStrings checks the elements of a collection attribute and returns them as its
// value, or nil and the problems.
func checkStrings(a *model.Attr, typ string, rng hcl.Range, out []string) (any, hcl.Diagnostics) {
	if a.MaxItems > 0 && len(out) > a.MaxItems {
		return nil, tooMany(a, typ, rng, len(out))
	}
	var diags hcl.Diagnostics
	for _, s := range out {
		if err := CheckText(s); err != nil {
			return nil, textErr(a, typ, rng, s, err)
		}
	}
	if a.Kind == model.KindEmailSet {
		for _, s := range out {
			if err := CheckEmail(s); err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid email address in " + a.Name,
					Detail: err.Error(), Subject: rng.Ptr()})
			}
		}
	}
	return out, diags
}

// checkString checks the value of a string, address or domain attribute and returns
// it, with the problems found (the value is nil when its text is not valid).
func checkString(a *model.Attr, typ string, rng hcl.Range, s string) (any, hcl.Diagnostics) {
	if err := CheckText(s); err != nil {
		return nil, textErr(a, typ, rng, s, err)
	}
	var diags hcl.Diagnostics
	switch a.Kind {
	case model.KindEmail:
		if err := CheckEmail(s); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid email address", Detail: err.Error(), Subject: rng.Ptr()})
		}
	case model.KindDomain:
		if err := CheckDomain(s); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid domain name", Detail: err.Error(), Subject: rng.Ptr()})
		}
	}
	if len(a.Enum) > 0 && !contains(a.Enum, s) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for " + a.Name,
			Detail: fmt.Sprintf("%s.%s is %q; it must be one of %s.", typ, a.Name, s, quoteList(a.Enum)), Subject: rng.Ptr()})
	}
	if typ == "department" && a.Name == "name" {
		if err := CheckDepartmentName(s); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid department name", Detail: err.Error(), Subject: rng.Ptr()})
		}
	}
	return s, diags
}

// CheckText refuses what no name, address or text attribute may hold and what would
// never converge: bytes that are not UTF-8 (and U+FFFD, which such bytes became on
// their way in), and control characters, NUL included.
func CheckText(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			return fmt.Errorf("byte %d is not valid UTF-8 (or is U+FFFD, what invalid bytes were replaced by); save the file as UTF-8", i+1)
		case unicode.IsControl(r):
			return fmt.Errorf("character %d is the control character %U; names and text may hold only printable characters", utf8.RuneCountInString(s[:i])+1, r)
		}
	}
	return nil
}

func textErr(a *model.Attr, typ string, rng hcl.Range, s string, err error) hcl.Diagnostics {
	// The value is not quoted: it may be a password.
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid text in " + a.Name,
		Detail: fmt.Sprintf("%s.%s: %v.", typ, a.Name, err), Subject: rng.Ptr()}}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// isDotAtomAddr reports whether s is local@domain with both parts dot-atoms of
// letters, digits and "_+-" (dots only between them): an address
// mail.ParseAddress takes as it is, checked without parsing. Almost every address
// is one; the rest go through mail.ParseAddress.
func isDotAtomAddr(s string) bool {
	local, dom, ok := strings.Cut(s, "@")
	return ok && isDotAtom(local) && isDotAtom(dom)
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '+', c == '-':
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isDomainLabel reports whether l matches ^[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?$,
// without a regular expression: it runs for every address of every account.
func isDomainLabel(l string) bool {
	if l == "" || len(l) > 63 {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		switch {
		case i == 0:
			if !alnum && c != '_' {
				return false
			}
		case i == len(l)-1:
			if !alnum {
				return false
			}
		default:
			if !alnum && c != '-' {
				return false
			}
		}
	}
	return true
}

// CheckDomain reports whether s is a valid fully qualified domain name.
func CheckDomain(s string) error {
	d := model.CanonicalDomain(s)
	if d == "" || len(d) > 253 {
		return fmt.Errorf("%q is not a domain name; write it like example.com", s)
	}
	if !strings.Contains(d, ".") {
		return fmt.Errorf("%q is not a fully qualified domain name; write it like example.com", s)
	}
	// Label by label, without a slice of them: it runs for every address.
	for rest, more := d, true; more; {
		var l string
		l, rest, more = strings.Cut(rest, ".")
		if !isDomainLabel(l) {
			return fmt.Errorf("%q is not a domain name: the label %q may hold only letters, digits and inner dashes", s, l)
		}
	}
	return nil
}

// CheckEmail reports whether s is a plain email address (local@domain, no display name).
func CheckEmail(s string) error {
	if !isDotAtomAddr(s) {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || a.Name != "" {
			return fmt.Errorf("%q is not an email address; write it like alice@example.com", s)
		}
	}
	_, dom, _ := strings.Cut(s, "@")
	if err := CheckDomain(dom); err != nil {
		return fmt.Errorf("%q is not an email address: %v", s, err)
	}
	return nil
}

// CheckDepartmentName applies the Exmail department name rules: 1–64 characters, none
// of \ : * ? " < > |.
func CheckDepartmentName(s string) error {
	n := len([]rune(s))
	if n == 0 || n > 64 {
		return fmt.Errorf("a department name is 1 to 64 characters; %q has %d", s, n)
	}
	if i := strings.IndexAny(s, `\:*?"<>|`); i >= 0 {
		return fmt.Errorf("department name %q holds %q; names may not contain any of \\ : * ? \" < > |", s, s[i:i+1])
	}
	return nil
}

func checkRecords(o model.Object, ranges Ranges) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if z, ok := o["zone"].(string); ok {
		if n, ok := o["name"].(string); ok && strings.HasSuffix(n, ".") {
			fq := model.CanonicalDomain(n)
			zone := model.CanonicalDomain(z)
			if fq != zone && !strings.HasSuffix(fq, "."+zone) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Name outside the zone",
					Detail: fmt.Sprintf("%q is not inside the zone %s. Write the name relative to the zone (\"www\", \"@\" for the apex) or put the record in the zone it belongs to.", n, zone), Subject: ranges["name"].Ptr()})
			}
		}
	}
	typ, _ := o["type"].(string)
	recs, _ := o["records"].([]string)
	if typ == "" || recs == nil {
		return diags
	}
	for _, r := range recs {
		if _, err := model.CanonicalRData(typ, r); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + strings.ToUpper(typ) + " record",
				Detail: fmt.Sprintf("%v. Write the RDATA in zone-file form, for example %s.", err, rdataExample(typ)), Subject: ranges["records"].Ptr()})
		}
	}
	if len(recs) == 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Empty RRset",
			Detail: "records must hold at least one value; to remove the RRset, remove the dns_record block.", Subject: ranges["records"].Ptr()})
	}
	return diags
}

// rdataExamples show the zone-file form of each record type in error messages.
var rdataExamples = map[string]string{
	"A": `"192.0.2.10"`, "AAAA": `"2001:db8::10"`, "CNAME": `"target.example.com."`,
	"MX": `"5 mxbiz1.qq.com." (priority, then host)`, "NS": `"ns1.example.com."`,
	"SRV": `"10 5 443 host.example.com." (priority, weight, port, target)`,
	"CAA": `"0 issue \"letsencrypt.org\""`, "TXT": `"v=spf1 include:spf.mail.qq.com ~all"`,
}

func rdataExample(typ string) string {
	if e, ok := rdataExamples[strings.ToUpper(typ)]; ok {
		return e + " for " + strings.ToUpper(typ)
	}
	return `"5 mxbiz1.qq.com." for MX`
}
