package schema

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// eachBodies are for_each blocks whose bodies TestDecodeEachMatchesDecode decodes
// through both paths. The fast ones are compiled whole; the rest hold something
// that is not (a function the compiler does not know, a conditional, a for
// expression, a nested block, a computed or unknown attribute, a constant in error).
const eachBodies = `
locals {
  domain = "Example.com"
}

account "fast" {
  for_each    = {}
  email       = each.value.email
  name        = each.value.name
  departments = [department.leaf[each.value.dept].id]
  quota_mb    = tonumber(each.value.quota)
  position    = "Engineer"
  mobile      = each.key
  external_id = "${each.value.first}-${each.value.last}"
  status      = "active"
}

account "fast_more" {
  for_each              = {}
  email                 = each.value["email"]
  name                  = (each.value.name)
  aliases               = split(";", each.value.members)
  password              = var.secret
  force_password_change = true
  imap_smtp             = each.value.flag
  quota_mb              = each.value.quota
  departments           = ["d0", department.leaf[each.value.dept].id, var.known_id]
  phone                 = "${each.value.first}"
  external_id           = each.value.nested.x
}

group "fast" {
  for_each = {}
  email    = "${each.key}@${local.domain}"
  name     = each.value.name
  members  = split(";", each.value.members)
  senders  = each.value.senders
}

dns_record "fast" {
  for_each = {}
  zone     = each.value.zone
  name     = each.value.rname
  type     = each.value.rtype
  ttl      = tonumber(each.value.ttl)
  records  = split(";", each.value.records)
}

department "fast" {
  for_each = {}
  name     = each.value.name
  parent   = department.leaf[each.value.dept].id
  order    = tonumber(each.value.quota)
}

department "fast_index" {
  for_each = {}
  name     = each.value.name
  parent   = department.failed[each.value.dept].id
}

account "mixed" {
  for_each    = {}
  email       = each.value.email
  name        = upper(each.value.name)
  position    = each.value.name == "" ? null : each.value.name
  departments = [for d in split(",", each.value.dept) : department.leaf[d].id]
  mobile      = lower(each.value.first)
  quota_mb    = tonumber(each.value.quota) * 2
}

group "whole_value" {
  for_each = {}
  email    = each.value
  name     = each.key
}

# Missing required arguments: a problem of the split, reported by Decode.
group "empty" {
  for_each = {}
}

account "typo" {
  for_each = {}
  email    = each.value.mail
  name     = each.valu
}

department "computed" {
  for_each = {}
  id       = each.key
  name     = each.value.name
}

account "nested" {
  for_each = {}
  email    = each.value.email
  name     = each.value.name
  status   = "departed"
  offboarding {
    handover_to = each.value.email
  }
}

account "unsupported" {
  for_each = {}
  email    = each.value.email
  name     = each.value.name
  mail     = each.value.email
}

account "bad_constant" {
  for_each = {}
  email    = each.value.email
  name     = local.nosuch
  position = var.control
}

account "empty_constant" {
  for_each = {}
  email    = each.value.email
  name     = each.value.name
  aliases  = []
}

dns_record "empty_records" {
  for_each = {}
  zone     = each.value.zone
  name     = each.value.rname
  type     = each.value.rtype
  records  = []
}

dns_record "tuple_records" {
  for_each = {}
  zone     = "${each.value.zone}."
  name     = "${each.key}.${each.value.rname}"
  type     = (each.value.rtype)
  ttl      = tonumber(each.value.quota)
  records  = [each.value.records, "192.0.2.9"]
}

account "null_constant" {
  for_each = {}
  email    = each.value.email
  name     = each.value.name
  position = null
}
`

func eachBase(c *Config) *hcl.EvalContext {
	dept := func(id cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"id": id, "name": cty.StringVal("D")})
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"department": cty.ObjectVal(map[string]cty.Value{
				"leaf": cty.MapVal(map[string]cty.Value{
					"l1":     dept(cty.StringVal("101")),
					"l2":     dept(cty.UnknownVal(cty.String)),
					"secret": dept(cty.StringVal("103").Mark("sensitive")),
					"ctl":    dept(cty.StringVal("1\x01")),
				}),
				// The value of a block one of whose instances failed.
				"failed": cty.ObjectVal(map[string]cty.Value{"l1": dept(cty.StringVal("201")), "bad": cty.DynamicVal}),
			}),
			"local": cty.ObjectVal(map[string]cty.Value{"domain": cty.StringVal("Example.com")}),
			"var": cty.ObjectVal(map[string]cty.Value{
				"secret":   cty.StringVal("pw").Mark("sensitive"),
				"control":  cty.StringVal("a\x01b"),
				"known_id": cty.StringVal("301"),
			}),
		},
		Functions: c.Functions(),
	}
}

// eachRows are the rows each body is decoded with: the plain case first, then one
// departure from it per row.
func eachRows() []struct {
	name string
	row  cty.Value
} {
	plain := map[string]cty.Value{
		"email": cty.StringVal("Nora.Wang@Example.com"), "name": cty.StringVal("Nora Wang"),
		"dept": cty.StringVal("l1"), "quota": cty.StringVal("1024"), "first": cty.StringVal("Nora"),
		"last": cty.StringVal("Wang"), "members": cty.StringVal("b@example.com;A@example.com"),
		"senders": cty.StringVal("organization"), "flag": cty.StringVal("true"),
		"zone": cty.StringVal("example.com"), "rname": cty.StringVal("host"), "rtype": cty.StringVal("A"),
		"ttl": cty.StringVal("300"), "records": cty.StringVal("192.0.2.1;192.0.2.2"),
		"nested": cty.ObjectVal(map[string]cty.Value{"x": cty.StringVal("E1")}),
	}
	with := func(k string, v cty.Value) cty.Value {
		m := maps.Clone(plain)
		m[k] = v
		return cty.ObjectVal(m)
	}
	without := func(k string) cty.Value {
		m := maps.Clone(plain)
		delete(m, k)
		return cty.ObjectVal(m)
	}
	type row = struct {
		name string
		row  cty.Value
	}
	rows := []row{
		{"plain", cty.ObjectVal(plain)},
		{"unknown department id", with("dept", cty.StringVal("l2"))},
		{"missing department", with("dept", cty.StringVal("nope"))},
		{"sensitive department id", with("dept", cty.StringVal("secret"))},
		{"control character in a department id", with("dept", cty.StringVal("ctl"))},
		{"failed department", with("dept", cty.StringVal("bad"))},
		{"null department key", with("dept", cty.NullVal(cty.String))},
		{"number department key", with("dept", cty.NumberIntVal(1))},
		{"quota abc", with("quota", cty.StringVal("abc"))},
		{"quota fraction", with("quota", cty.StringVal("1.5"))},
		{"quota negative", with("quota", cty.StringVal("-3"))},
		{"quota empty", with("quota", cty.StringVal(""))},
		{"quota leading zeros", with("quota", cty.StringVal("0042"))},
		{"quota too big", with("quota", cty.StringVal("99999999999999999999"))},
		{"quota 18 digits", with("quota", cty.StringVal("999999999999999999"))},
		{"quota exponent", with("quota", cty.StringVal("1e3"))},
		{"quota number", with("quota", cty.NumberIntVal(5))},
		{"quota bool", with("quota", cty.True)},
		{"quota fractional number", with("quota", cty.NumberFloatVal(1.5))},
		{"quota negative number", with("quota", cty.NumberIntVal(-2))},
		{"quota big number", with("quota", cty.MustParseNumberVal("1e30"))},
		{"quota null", with("quota", cty.NullVal(cty.String))},
		{"quota unknown", with("quota", cty.UnknownVal(cty.String))},
		{"quota sensitive", with("quota", cty.StringVal("7").Mark("sensitive"))},
		{"email null", with("email", cty.NullVal(cty.String))},
		{"email invalid", with("email", cty.StringVal("not an address"))},
		{"email number", with("email", cty.NumberIntVal(3))},
		{"email sensitive", with("email", cty.StringVal("s@example.com").Mark("sensitive"))},
		{"email unknown", with("email", cty.UnknownVal(cty.String))},
		{"name object", with("name", cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("b")}))},
		{"name control character", with("name", cty.StringVal("No\x00ra"))},
		{"name not NFC", with("name", cty.StringVal("Zoe\u0301"))},
		{"name department rule", with("name", cty.StringVal("Sales: East"))},
		{"name empty", with("name", cty.StringVal(""))},
		{"first null", with("first", cty.NullVal(cty.String))},
		{"first number", with("first", cty.NumberIntVal(7))},
		{"first unknown", with("first", cty.UnknownVal(cty.String))},
		{"first bool", with("first", cty.False)},
		{"first fraction", with("first", cty.NumberFloatVal(2.50))},
		{"first list", with("first", cty.ListVal([]cty.Value{cty.StringVal("x")}))},
		{"members with an invalid address", with("members", cty.StringVal("a@example.com;nope"))},
		{"members empty", with("members", cty.StringVal(""))},
		{"members too many aliases", with("members", cty.StringVal("a@x.com;b@x.com;c@x.com;d@x.com;e@x.com;f@x.com"))},
		{"members splitting a combining mark", with("members", cty.StringVal("e;\u0301@example.com"))},
		{"members tuple", with("members", cty.TupleVal([]cty.Value{cty.StringVal("a@example.com")}))},
		{"senders not in the enum", with("senders", cty.StringVal("bogus"))},
		{"flag false", with("flag", cty.StringVal("false"))},
		{"flag yes", with("flag", cty.StringVal("yes"))},
		{"flag bool", with("flag", cty.True)},
		{"zone invalid", with("zone", cty.StringVal("no zone"))},
		{"name outside the zone", with("rname", cty.StringVal("www.other.org."))},
		{"record type lower case", with("rtype", cty.StringVal("a"))},
		{"record invalid", with("records", cty.StringVal("192.0.2.1;not an address"))},
		{"ttl abc", with("ttl", cty.StringVal("abc"))},
		{"nested null", with("nested", cty.NullVal(cty.Object(map[string]cty.Type{"x": cty.String})))},
		{"nested map", with("nested", cty.MapVal(map[string]cty.Value{"x": cty.StringVal("M")}))},
		{"nested sensitive", with("nested", cty.ObjectVal(map[string]cty.Value{"x": cty.StringVal("S")}).Mark("sensitive"))},
		{"no dept column", without("dept")},
		{"no email column", without("email")},
		{"row sensitive", cty.ObjectVal(plain).Mark("sensitive")},
		{"row null", cty.NullVal(cty.ObjectVal(plain).Type())},
		{"row a string", cty.StringVal("nora@example.com")},
		{"row a map", cty.MapVal(map[string]cty.Value{"email": cty.StringVal("m@example.com"), "name": cty.StringVal("M")})},
	}
	return rows
}

// diagFields renders everything of a diagnostic that reaches a user or a caller.
func diagFields(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%d|%s|%s|%v|%v|%v|%v\n", d.Severity, d.Summary, d.Detail, d.Subject, d.Context, d.Expression != nil, d.EvalContext != nil)
	}
	return b.String()
}

// TestDecodeEachMatchesDecode decodes every body with every row through DecodeEach
// and through Decode with `each` in a child context, and checks that the objects,
// ranges and diagnostics are the same; that the compiled path is taken for the plain
// row of the compiled bodies; and that it never decides an instance Decode finds in
// error.
func TestDecodeEachMatchesDecode(t *testing.T) {
	c := load(t, eachBodies)
	base := eachBase(c)
	fastBodies := map[string]bool{"account.fast": true, "account.fast_more": true, "group.fast": true,
		"dns_record.fast": true, "department.fast": true, "department.fast_index": true, "account.mixed": true,
		"account.null_constant": true, "account.empty_constant": true, "dns_record.empty_records": true, "dns_record.tuple_records": true, "group.whole_value": false, "group.empty": false}
	took := map[string]int{}
	for _, r := range c.Resources {
		p := r.Prepare()
		for _, tc := range eachRows() {
			key := "k-" + strings.ReplaceAll(tc.name, " ", "_")
			gotObj, gotRanges, gotDiags := p.DecodeEach(base, key, tc.row)
			ctx := base.NewChild()
			ctx.Variables = map[string]cty.Value{"each": EachValue(key, tc.row)}
			wantObj, wantRanges, wantDiags := p.Decode(ctx)
			what := r.Addr() + " with row " + tc.name
			if !reflect.DeepEqual(gotObj, wantObj) {
				t.Errorf("%s: object %#v, Decode gives %#v", what, gotObj, wantObj)
			}
			if !maps.Equal(gotRanges, wantRanges) {
				t.Errorf("%s: ranges %v, Decode gives %v", what, gotRanges, wantRanges)
			}
			if g, w := diagFields(gotDiags), diagFields(wantDiags); g != w {
				t.Errorf("%s: diagnostics\n%s\nDecode gives\n%s", what, g, w)
			}
			prog := p.program(base)
			fast := false
			if prog != nil {
				_, fast = prog.decode(key, tc.row)
			}
			if fast {
				took[r.Addr()]++
				// Only checkRecords may find problems after a compiled decode.
				for _, d := range wantDiags {
					if d.Severity == hcl.DiagError && !strings.Contains(d.Summary, "record") && d.Summary != "Name outside the zone" && d.Summary != "Empty RRset" {
						t.Errorf("%s: compiled path decided an instance Decode refuses: %s: %s", what, d.Summary, d.Detail)
					}
				}
			}
			if tc.name == "plain" && fastBodies[r.Addr()] != fast {
				t.Errorf("%s: compiled path taken %v, want %v", what, fast, fastBodies[r.Addr()])
			}
		}
	}
	t.Logf("instances decided by the compiled path, per block: %v", took)
}

// TestDecodeEachTrustsOnlyStandardFunctions checks that tonumber and split are
// compiled only when they are cty's, as Functions binds them.
func TestDecodeEachTrustsOnlyStandardFunctions(t *testing.T) {
	c := load(t, eachBodies)
	fs := c.Functions()
	if fs["split"] != stdlib.SplitFunc {
		t.Error("Functions binds split to something other than stdlib.SplitFunc: the compiled split would not be used")
	}
	base := &hcl.EvalContext{Functions: fs}
	for _, name := range []string{"split", "tonumber"} {
		if !standardFunction(base, name) {
			t.Errorf("%s of Functions is not recognised as the standard one", name)
		}
		// Found in a parent, as hcl looks it up.
		if !standardFunction(base.NewChild(), name) {
			t.Errorf("%s of a parent context is not found", name)
		}
	}
	other := &hcl.EvalContext{Functions: maps.Clone(fs)}
	other.Functions["split"] = stdlib.JoinFunc
	other.Functions["tonumber"] = stdlib.MakeToFunc(cty.String)
	for _, name := range []string{"split", "tonumber", "upper", "nosuch"} {
		if standardFunction(other, name) {
			t.Errorf("%s bound to another function is taken for the standard one", name)
		}
	}
}

// TestDecodeEachRangesAreShared checks that the instances the compiled path decodes
// share one ranges map (callers must not change it), and that a body compiled for one
// context is not used in another.
func TestDecodeEachRangesAreShared(t *testing.T) {
	c := load(t, eachBodies)
	base := eachBase(c)
	var p *Prepared
	for _, r := range c.Resources {
		if r.Addr() == "account.fast" {
			p = r.Prepare()
		}
	}
	row := eachRows()[0].row
	_, r1, d1 := p.DecodeEach(base, "a", row)
	_, r2, d2 := p.DecodeEach(base, "b", row)
	if d1.HasErrors() || d2.HasErrors() {
		t.Fatal(d1, d2)
	}
	if reflect.ValueOf(r1).UnsafePointer() != reflect.ValueOf(r2).UnsafePointer() {
		t.Error("two instances of the compiled path have ranges maps of their own")
	}
	// Another scope where department.leaf lacks l1: the constant compiled for base
	// must not be reused.
	other := eachBase(c)
	other.Variables["department"] = cty.ObjectVal(map[string]cty.Value{
		"leaf": cty.MapVal(map[string]cty.Value{"l9": cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("9")})}),
	})
	_, _, d := p.DecodeEach(other, "a", row)
	if !strings.Contains(d.Error(), "Invalid index") {
		t.Errorf("decode in another context: %v, want the missing department's Invalid index", d)
	}
}

// TestDecodeEachConcurrent decodes the instances of each block on several
// goroutines at once through one Prepared, as the planner does on every core, in two
// contexts in turn (two module instances), so that the compiled body is made, used
// and replaced concurrently: every result is still Decode's (run with -race).
func TestDecodeEachConcurrent(t *testing.T) {
	c := load(t, eachBodies)
	bases := []*hcl.EvalContext{eachBase(c), eachBase(c)}
	bases[1].Variables["local"] = cty.ObjectVal(map[string]cty.Value{"domain": cty.StringVal("other.example")})
	rows := eachRows()
	for _, r := range c.Resources {
		p := r.Prepare()
		var wg sync.WaitGroup
		errs := make(chan string, 4*len(rows))
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, tc := range rows {
					base := bases[(g+i)%2]
					key := fmt.Sprintf("k%d", i)
					gotObj, gotRanges, gotDiags := p.DecodeEach(base, key, tc.row)
					ctx := base.NewChild()
					ctx.Variables = map[string]cty.Value{"each": EachValue(key, tc.row)}
					wantObj, wantRanges, wantDiags := p.Decode(ctx)
					if !reflect.DeepEqual(gotObj, wantObj) || !maps.Equal(gotRanges, wantRanges) || diagFields(gotDiags) != diagFields(wantDiags) {
						errs <- fmt.Sprintf("%s with row %s in context %d: %#v, Decode gives %#v", r.Addr(), tc.name, (g+i)%2, gotObj, wantObj)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
}
