package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// rowsDir writes CSV files for the for_each tests and returns a Config reading them.
func rowsDir(t testing.TB, files map[string]string) *Config {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &Config{Dir: dir}
}

// forEachOutcome renders everything ForEachKeys returns, diagnostics included (with
// their ranges), so that two outcomes compare as strings.
func forEachOutcome(keys []string, values map[string]cty.Value, diags hcl.Diagnostics) string {
	var b strings.Builder
	fmt.Fprintf(&b, "keys %q (nil %v)\n", keys, keys == nil)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range values {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "%q = %#v %s\n", k, values[k], values[k].Type().GoString())
	}
	fmt.Fprintf(&b, "values nil %v\n", values == nil)
	for _, d := range diags {
		fmt.Fprintf(&b, "diag %d %q %q subject %v context %v\n", d.Severity, d.Summary, d.Detail, d.Subject, d.Context)
	}
	return b.String()
}

var rowsFiles = map[string]string{
	"staff.csv":   "email,name,dept\nb@example.com,Bob,ops\na@example.com,Alice,sales\nc@example.com,Carol,ops\n",
	"dns.csv":     "zone,name,type,ttl\nexample.com,www,A,300\nexample.com,www,AAAA,300\nexample.org,@,MX,3600\n",
	"depts.csv":   "key,level,name\nl1,1,Top\nl2,2,Mid\nl3,3,Leaf\nl4,1,Other\n",
	"dup.csv":     "email,name\na@example.com,A\na@example.com,B\n",
	"header.csv":  "email,name\n",
	"bom.csv":     "\ufeffemail,name\na@example.com,A\n",
	"nfc.csv":     "a,b\ne,\u0301x\nf\u0301,y\n",
	"ragged.csv":  "email,name\na@example.com\n",
	"empty.csv":   "",
	"dupcol.csv":  "email,email\na,b\n",
	"quoted.csv":  "email,name\n\"a@example.com\",\"Smith, Ann\"\n\"b@example.com\",\"say \"\"hi\"\"\"\n",
	"crlf.csv":    "email,name\r\na@example.com,A\r\nb@example.com,B\r\n",
	"unicode.csv": "email,name\nzoë@example.com,Zoë\n王@example.com,王\n",
}

// rowsVars are the locals the for_each tests iterate over.
func rowsVars() map[string]cty.Value {
	str := cty.StringVal
	row := func(kv ...string) cty.Value {
		m := map[string]cty.Value{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = str(kv[i+1])
		}
		return cty.ObjectVal(m)
	}
	return map[string]cty.Value{
		"rows":  cty.ListVal([]cty.Value{row("key", "x", "level", "1"), row("key", "y", "level", "2")}),
		"mixed": cty.TupleVal([]cty.Value{row("key", "x", "extra", "e"), row("key", "y")}),
		"numkey": cty.TupleVal([]cty.Value{
			cty.ObjectVal(map[string]cty.Value{"key": cty.NumberIntVal(1)}),
			cty.ObjectVal(map[string]cty.Value{"key": cty.NumberIntVal(2)}),
		}),
		"nullkey":      cty.ListVal([]cty.Value{row("key", "x"), cty.ObjectVal(map[string]cty.Value{"key": cty.NullVal(cty.String)})}),
		"unknownkey":   cty.ListVal([]cty.Value{row("key", "x"), cty.ObjectVal(map[string]cty.Value{"key": cty.UnknownVal(cty.String)})}),
		"unknowncell":  cty.ListVal([]cty.Value{row("key", "x", "v", "1"), cty.ObjectVal(map[string]cty.Value{"key": str("y"), "v": cty.UnknownVal(cty.String)})}),
		"unknowncond":  cty.ListVal([]cty.Value{row("key", "x", "level", "1"), cty.ObjectVal(map[string]cty.Value{"key": str("y"), "level": cty.UnknownVal(cty.String)})}),
		"sensitivekey": cty.ListVal([]cty.Value{row("key", "x"), cty.ObjectVal(map[string]cty.Value{"key": str("y").Mark("sensitive")})}),
		"sensitivecell": cty.ListVal([]cty.Value{row("key", "x", "pw", "a"),
			cty.ObjectVal(map[string]cty.Value{"key": str("y"), "pw": str("b").Mark("sensitive")})}),
		"sensitiverows": cty.ListVal([]cty.Value{row("key", "x")}).Mark("sensitive"),
		"sensitiverow":  cty.TupleVal([]cty.Value{row("key", "x"), row("key", "y").Mark("sensitive")}),
		"nested": cty.ListVal([]cty.Value{
			cty.ObjectVal(map[string]cty.Value{"key": str("x"), "tags": cty.ListVal([]cty.Value{str("a")})}),
			cty.ObjectVal(map[string]cty.Value{"key": str("y"), "tags": cty.ListVal([]cty.Value{cty.UnknownVal(cty.String)})}),
		}),
		"nullrow":     cty.TupleVal([]cty.Value{row("key", "x"), cty.NullVal(cty.Object(map[string]cty.Type{"key": cty.String}))}),
		"unknownrow":  cty.TupleVal([]cty.Value{row("key", "x"), cty.UnknownVal(cty.Object(map[string]cty.Type{"key": cty.String}))}),
		"unknownrows": cty.UnknownVal(cty.List(cty.Object(map[string]cty.Type{"key": cty.String}))),
		"nullrows":    cty.NullVal(cty.List(cty.Object(map[string]cty.Type{"key": cty.String}))),
		"maprows":     cty.ListVal([]cty.Value{cty.MapVal(map[string]cty.Value{"key": str("x")})}),
		"setrows":     cty.SetVal([]cty.Value{row("key", "x"), row("key", "y")}),
		"objrows":     cty.ObjectVal(map[string]cty.Value{"a": row("key", "x"), "b": row("key", "y")}),
		"strings":     cty.ListVal([]cty.Value{str("a"), str("b")}),
		"emptyrows":   cty.ListValEmpty(cty.Object(map[string]cty.Type{"key": cty.String})),
		"emptytuple":  cty.EmptyTupleVal,
		"dynrows":     cty.DynamicVal,
	}
}

// The for_each shapes of a block over CSV rows give exactly what hcl gives:
// the same keys, values and types when the fast path takes them, and hcl's own
// diagnostics (it falls back) for every error.
func TestForEachRowsMatchesHCL(t *testing.T) {
	c := rowsDir(t, rowsFiles)
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"local": cty.ObjectVal(rowsVars())},
		Functions: c.Functions(),
	}
	tests := []struct {
		src  string
		fast bool // the fast path gives the result itself
	}{
		{`{ for r in csvdecode(file("staff.csv")) : r.email => r }`, true},
		{`{ for r in csvdecode(file("staff.csv")) : "${r.email}" => r }`, true},
		{`{ for r in csvdecode(file("staff.csv")) : "${r.dept}/${r.email}" => r if r.dept == "ops" }`, true},
		{`{ for r in csvdecode(file("staff.csv")) : r.email => r if r.dept != "ops" }`, true},
		{`{ for r in csvdecode(file("staff.csv")) : r.email => r if "ops" == r.dept }`, true},
		{`{ for r in csvdecode(file("staff.csv")) : r.email => r if r.dept == "none" }`, true},
		{`{ for row in csvdecode(file("dns.csv")) : "${row.zone}/${row.name}/${row.type}" => row }`, true},
		{`{ for r in csvdecode(file("dns.csv")) : "rr-${r.name}.${r.zone}:${r.type}!" => r }`, true},
		{`{ for r in csvdecode(file("depts.csv")) : r.key => r if r.level == "1" }`, true},
		{`{ for r in csvdecode(file("header.csv")) : r.email => r }`, true},
		{`{ for r in csvdecode(file("bom.csv")) : r.email => r }`, true},
		{`{ for r in csvdecode(file("nfc.csv")) : "${r.a}${r.b}" => r }`, true},
		{`{ for r in csvdecode(file("nfc.csv")) : r.a => r if r.b == "y" }`, true},
		{`{ for r in csvdecode(file("quoted.csv")) : r.name => r }`, true},
		{`{ for r in csvdecode(file("crlf.csv")) : r.email => r }`, true},
		{`{ for r in csvdecode(file("unicode.csv")) : r.email => r }`, true},
		{`{ for r in local.rows : r.key => r }`, true},
		{`{ for r in local.rows : r.key => r if r.level == "2" }`, true},
		{`{ for r in local.mixed : r.key => r }`, true},
		{`{ for r in local.sensitivecell : r.key => r }`, true},
		{`{ for r in local.nested : r.key => r if r.key == "x" }`, true},
		{`{ for r in local.unknowncond : r.key => r if r.key == "x" }`, true},
		{`{ for r in local.emptyrows : r.key => r }`, true},
		{`{ for r in local.emptytuple : r.key => r }`, true},
		{`{ for r in local.unknowncell : r.key => r if r.v == "1" }`, false},
		// Errors and unusual values: hcl decides.
		{`{ for r in csvdecode(file("dup.csv")) : r.email => r }`, false},
		{`{ for r in csvdecode(file("staff.csv")) : r.nope => r }`, false},
		{`{ for r in csvdecode(file("staff.csv")) : r.email => r if r.nope == "x" }`, false},
		{`{ for r in csvdecode(file("staff.csv")) : "${r.email}-${r.nope}" => r }`, false},
		{`{ for r in csvdecode(file("ragged.csv")) : r.email => r }`, false},
		{`{ for r in csvdecode(file("empty.csv")) : r.email => r }`, false},
		{`{ for r in csvdecode(file("dupcol.csv")) : r.email => r }`, false},
		{`{ for r in csvdecode(file("missing.csv")) : r.email => r }`, false},
		{`{ for r in csvdecode(file("staff.csv")) : r.email => r if r.dept == 1 }`, false},
		{`{ for r in local.numkey : r.key => r }`, false},
		{`{ for r in local.nullkey : r.key => r }`, false},
		{`{ for r in local.unknownkey : r.key => r }`, false},
		{`{ for r in local.unknowncell : r.key => r }`, false},
		{`{ for r in local.unknowncond : r.key => r if r.level == "1" }`, false},
		{`{ for r in local.sensitivekey : r.key => r }`, false},
		{`{ for r in local.sensitiverows : r.key => r }`, false},
		{`{ for r in local.sensitiverow : r.key => r }`, false},
		{`{ for r in local.nested : r.key => r }`, false},
		{`{ for r in local.nullrow : r.key => r }`, false},
		{`{ for r in local.unknownrow : r.key => r }`, false},
		{`{ for r in local.unknownrows : r.key => r }`, false},
		{`{ for r in local.nullrows : r.key => r }`, false},
		{`{ for r in local.dynrows : r.key => r }`, false},
		{`{ for r in local.maprows : r.key => r }`, false},
		{`{ for r in local.setrows : r.key => r }`, false},
		{`{ for r in local.objrows : r.key => r }`, false},
		{`{ for r in local.strings : r => r }`, false},
		{`{ for r in local.nope : r.key => r }`, false},
		// Shapes the fast path leaves to hcl.
		{`{ for i, r in local.rows : r.key => r }`, false},
		{`{ for r in local.rows : r.key => r.level }`, false},
		{`{ for r in local.rows : r.level => r... }`, false},
		{`{ for r in local.rows : lower(r.key) => r }`, false},
		{`{ for r in local.rows : r["key"] => r }`, false},
		{`{ for r in local.rows : r.key => r if r.level == "1" && r.key == "x" }`, false},
		{`{ for r in local.rows : r.key => r if r.level == r.key }`, false},
		{`{ for r in local.rows : "%{if r.level == "1"}a%{endif}${r.key}" => r }`, false},
		{`[for r in local.rows : r.key]`, false},
		{`toset([for r in local.rows : r.key])`, false},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			expr, diags := hclsyntax.ParseExpression([]byte(tt.src), "main.mf.hcl", hcl.Pos{Line: 7, Column: 14, Byte: 90})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			want := forEachOutcome(forEachKeysOf(expr, ctx))
			got := forEachOutcome(ForEachKeys(expr, ctx))
			if got != want {
				t.Errorf("ForEachKeys:\n%s\nhcl's path:\n%s", got, want)
			}
			fast := false
			if f, ok := matchRowsFor(expr); ok {
				_, _, fast = f.eval(ctx)
			}
			if fast != tt.fast {
				t.Errorf("fast path taken: %v, want %v (hcl's outcome:\n%s)", fast, tt.fast, want)
			}
		})
	}
}

// FuzzForEachRows compares the fast path with hcl's on arbitrary CSV text.
func FuzzForEachRows(f *testing.F) {
	for _, text := range rowsFiles {
		f.Add(text, uint8(0))
	}
	f.Add("a,b\n1,2\n1,3\n", uint8(1))
	f.Add("a,b\nx,\ny,2\n", uint8(2))
	exprs := []string{
		`{ for r in csvdecode(file("in.csv")) : r.a => r }`,
		`{ for r in csvdecode(file("in.csv")) : "${r.a}/${r.b}" => r }`,
		`{ for r in csvdecode(file("in.csv")) : r.a => r if r.b == "2" }`,
		`{ for r in csvdecode(file("in.csv")) : "${r.b}${r.a}" => r if r.a != "" }`,
	}
	parsed := make([]hcl.Expression, len(exprs))
	for i, src := range exprs {
		e, diags := hclsyntax.ParseExpression([]byte(src), "main.mf.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			f.Fatal(diags.Error())
		}
		parsed[i] = e
	}
	dir := f.TempDir()
	c := &Config{Dir: dir}
	ctx := &hcl.EvalContext{Functions: c.Functions()}
	f.Fuzz(func(t *testing.T, text string, which uint8) {
		if err := os.WriteFile(filepath.Join(dir, "in.csv"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		expr := parsed[int(which)%len(parsed)]
		want := forEachOutcome(forEachKeysOf(expr, ctx))
		if got := forEachOutcome(ForEachKeys(expr, ctx)); got != want {
			t.Errorf("%q over %q:\nForEachKeys:\n%s\nhcl's path:\n%s", exprs[int(which)%len(exprs)], text, got, want)
		}
	})
}

// accountsCSV is a CSV of n accounts shaped as the engine benchmark's.
func accountsCSV(n int) string {
	var b strings.Builder
	b.WriteString("email,name,dept,position,mobile,external_id,quota_mb\n")
	for i := range n {
		fmt.Fprintf(&b, "user%06d@bigcorp%d.example.com,User %d,l3-%04d,Engineer,+86 138%08d,E%06d,%d\n",
			i, i%4, i, i%600, i, i, 1024<<(i%3))
	}
	return b.String()
}

// BenchmarkForEachKeysRows is the for_each of the engine benchmark's account block
// (50,000 rows): reading the file, csvdecode and the for expression.
func BenchmarkForEachKeysRows(b *testing.B) {
	c := rowsDir(b, map[string]string{"accounts.csv": accountsCSV(50000)})
	ctx := &hcl.EvalContext{Functions: c.Functions()}
	expr, diags := hclsyntax.ParseExpression([]byte(`{ for r in csvdecode(file("accounts.csv")) : r.email => r }`), "a.mf.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	b.ReportAllocs()
	for b.Loop() {
		keys, _, diags := ForEachKeys(expr, ctx)
		if diags.HasErrors() || len(keys) != 50000 {
			b.Fatal(len(keys), diags)
		}
	}
}

// BenchmarkCSVDecode is csvdecode alone on 50,000 rows.
func BenchmarkCSVDecode(b *testing.B) {
	in := []cty.Value{cty.StringVal(accountsCSV(50000))}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := csvDecodeFunc.Call(in); err != nil {
			b.Fatal(err)
		}
	}
}

// Only this package's csvdecode is trusted to give wholly known rows: a function
// of that name that gives an unknown cell still meets the general check.
func TestForEachRowsChecksAnotherCSVDecode(t *testing.T) {
	rows := cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal("x"), "v": cty.UnknownVal(cty.String)})})
	other := function.New(&function.Spec{
		Type: function.StaticReturnType(rows.Type()),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) { return rows, nil },
	})
	ctx := &hcl.EvalContext{Functions: map[string]function.Function{"csvdecode": other}}
	expr, diags := hclsyntax.ParseExpression([]byte(`{ for r in csvdecode() : r.key => r }`), "main.mf.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	_, _, diags = ForEachKeys(expr, ctx)
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "known only after apply") {
		t.Errorf("ForEachKeys over rows with an unknown cell: %v", diags)
	}
	if fromCSVDecode(expr.(*hclsyntax.ForExpr).CollExpr, ctx) {
		t.Error("another csvdecode is taken for this package's")
	}
	ours := &hcl.EvalContext{Functions: (&Config{}).Functions()}
	if !fromCSVDecode(expr.(*hclsyntax.ForExpr).CollExpr, ours.NewChild()) {
		t.Error("this package's csvdecode, in a parent context, is not recognised")
	}
}

// BenchmarkForEachKeysObject is for_each = local.staff, a local holding the
// object of 50,000 account rows keyed by e-mail.
func BenchmarkForEachKeysObject(b *testing.B) {
	c := rowsDir(b, map[string]string{"accounts.csv": accountsCSV(50000)})
	ctx := &hcl.EvalContext{Functions: c.Functions()}
	rows, diags := hclsyntax.ParseExpression([]byte(`{ for r in csvdecode(file("accounts.csv")) : r.email => r }`), "a.mf.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	staff, diags := rows.Value(ctx)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	ctx.Variables = map[string]cty.Value{"local": cty.ObjectVal(map[string]cty.Value{"staff": staff})}
	expr, diags := hclsyntax.ParseExpression([]byte(`local.staff`), "a.mf.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	b.ReportAllocs()
	for b.Loop() {
		keys, _, diags := ForEachKeys(expr, ctx)
		if diags.HasErrors() || len(keys) != 50000 {
			b.Fatal(len(keys), diags)
		}
	}
}

// whollyKnown agrees with cty's IsWhollyKnown.
func TestWhollyKnownMatchesCty(t *testing.T) {
	str, unk := cty.StringVal("a"), cty.UnknownVal(cty.String)
	obj := func(v cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": v})
	}
	for _, v := range []cty.Value{
		str, unk, cty.NullVal(cty.String), cty.DynamicVal, cty.NullVal(cty.DynamicPseudoType),
		str.Mark("s"), unk.Mark("s"),
		obj(str), obj(unk), obj(unk.Mark("s")), obj(str).Mark("s"), obj(cty.NullVal(cty.String)),
		cty.EmptyObjectVal, cty.UnknownVal(cty.EmptyObject),
		cty.ObjectVal(map[string]cty.Value{"r1": obj(str), "r2": obj(unk)}),
		cty.ObjectVal(map[string]cty.Value{"r1": obj(str), "r2": obj(str)}),
		cty.ObjectVal(map[string]cty.Value{"deep": cty.ListVal([]cty.Value{obj(str), obj(unk)})}),
		cty.ListVal([]cty.Value{obj(str), obj(unk)}), cty.ListVal([]cty.Value{obj(str)}),
		cty.TupleVal([]cty.Value{str, cty.MapVal(map[string]cty.Value{"k": unk})}),
		cty.MapVal(map[string]cty.Value{"k": obj(str)}), cty.MapVal(map[string]cty.Value{"k": obj(unk)}),
		cty.SetVal([]cty.Value{str, unk}), cty.SetVal([]cty.Value{obj(unk)}), cty.SetValEmpty(cty.String),
		cty.ListVal([]cty.Value{unk.Mark("s")}).Mark("t"),
		cty.NumberIntVal(1), cty.True,
	} {
		if got, want := whollyKnown(v), v.IsWhollyKnown(); got != want {
			t.Errorf("whollyKnown(%#v) = %v, cty says %v", v, got, want)
		}
	}
}
