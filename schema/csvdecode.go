package schema

import (
	"encoding/csv"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// csvDecodeFunc is go-cty's csvdecode, which also reads what Excel and HR systems
// export: a leading UTF-8 byte-order mark would otherwise become part of the first
// column's name (encoding/csv already reads CRLF line ends). It builds the same
// list of objects as go-cty's, with less garbage and on every core: the records are
// read first, then the rows are built in parallel. On any error go-cty's function
// runs, so the message is its own.
var csvDecodeFunc = function.New(&function.Spec{
	Description: stdlib.CSVDecodeFunc.Description(),
	Params:      stdlib.CSVDecodeFunc.Params(),
	Type: func(args []cty.Value) (cty.Type, error) {
		return stdlib.CSVDecodeFunc.ReturnTypeForValues(withoutBOM(args))
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		args = withoutBOM(args)
		if v, ok := decodeCSVRows(args[0].AsString(), retType); ok {
			return v, nil
		}
		return stdlib.CSVDecodeFunc.Call(args)
	},
})

func withoutBOM(args []cty.Value) []cty.Value {
	if len(args) != 1 || !args[0].IsKnown() || args[0].IsNull() || args[0].Type() != cty.String {
		return args
	}
	s := args[0].AsString()
	if !strings.HasPrefix(s, "\ufeff") {
		return args
	}
	return []cty.Value{cty.StringVal(strings.TrimPrefix(s, "\ufeff"))}
}

// csvRowsPerWorker is the fewest rows worth a goroutine of their own.
const csvRowsPerWorker = 2048

// decodeCSVRows is csvdecode's result for text, of type retType (a list of objects
// whose attributes are the header's columns); false on any error, and then go-cty's
// function says what is wrong.
func decodeCSVRows(text string, retType cty.Type) (cty.Value, bool) {
	if !retType.IsListType() || !retType.ElementType().IsObjectType() {
		return cty.NilVal, false
	}
	ety := retType.ElementType()
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = len(ety.AttributeTypes())
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return cty.NilVal, false
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = cty.NormalizeString(h)
		if !ety.HasAttribute(cols[i]) {
			return cty.NilVal, false
		}
	}
	// Every cell, row after row: one slice rather than one per record.
	cells := make([]string, 0, (strings.Count(text, "\n")+1)*len(cols))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return cty.NilVal, false
		}
		cells = append(cells, rec...)
	}
	n := 0
	if len(cols) > 0 {
		n = len(cells) / len(cols)
	}
	if n == 0 {
		return cty.ListValEmpty(ety), true
	}
	rows := make([]cty.Value, n)
	build := func(lo, hi int) {
		// cty.ObjectVal copies the map it is given: one map serves every row.
		vals := make(map[string]cty.Value, len(cols))
		for i := lo; i < hi; i++ {
			rec := cells[i*len(cols) : (i+1)*len(cols)]
			for j, c := range cols {
				vals[c] = cty.StringVal(rec[j])
			}
			rows[i] = cty.ObjectVal(vals)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), n/csvRowsPerWorker)
	if workers <= 1 {
		build(0, n)
	} else {
		var wg sync.WaitGroup
		per := (n + workers - 1) / workers
		for lo := 0; lo < n; lo += per {
			wg.Add(1)
			go func() {
				defer wg.Done()
				build(lo, min(lo+per, n))
			}()
		}
		wg.Wait()
	}
	return cty.ListVal(rows), true
}

// fromCSVDecode reports whether expr calls this package's csvdecode (looked up as
// hcl looks a function up), whose result, when known and unmarked, holds only
// known strings.
func fromCSVDecode(expr hcl.Expression, ctx *hcl.EvalContext) bool {
	call, ok := expr.(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "csvdecode" {
		return false
	}
	for c := ctx; c != nil; c = c.Parent() {
		if f, ok := c.Functions[call.Name]; ok {
			return f == csvDecodeFunc
		}
	}
	return false
}
