package schema

import (
	"encoding/csv"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// csvDecodeFunc is go-cty's csvdecode, which also reads what Excel and HR systems
// export: a leading UTF-8 byte-order mark would otherwise become part of the first
// column's name (encoding/csv already reads CRLF line ends). It builds the same
// list of objects as go-cty's, with less garbage and on every core: a big text
// without quotes is read in one piece per core, cut at line ends. On any error
// go-cty's function runs, so the message is its own.
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

// csvChunkBytes is the least CSV text worth a goroutine of its own.
var csvChunkBytes = 128 << 10

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
	chunks := csvChunks(text[cr.InputOffset():])
	var rows []cty.Value
	if len(chunks) == 1 {
		var ok bool
		if rows, ok = csvRows(chunks[0], cols); !ok {
			return cty.NilVal, false
		}
	} else {
		parts := make([][]cty.Value, len(chunks))
		var failed atomic.Bool
		var wg sync.WaitGroup
		for i, c := range chunks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rows, ok := csvRows(c, cols)
				if !ok {
					failed.Store(true)
				}
				parts[i] = rows
			}()
		}
		wg.Wait()
		if failed.Load() {
			return cty.NilVal, false
		}
		rows = slices.Concat(parts...)
	}
	if len(rows) == 0 {
		return cty.ListValEmpty(ety), true
	}
	return cty.ListVal(rows), true
}

// csvChunks cuts CSV records into one piece per core, at line ends. Only a text
// without quotes is cut: a quoted field may hold a line end.
func csvChunks(body string) []string {
	n := min(runtime.GOMAXPROCS(0), len(body)/csvChunkBytes)
	if n <= 1 || strings.IndexByte(body, '"') >= 0 {
		return []string{body}
	}
	chunks := make([]string, 0, n)
	for i := n; i > 1 && body != ""; i-- {
		end := len(body) / i
		nl := strings.IndexByte(body[end:], '\n')
		if nl < 0 {
			break
		}
		end += nl + 1
		chunks = append(chunks, body[:end])
		body = body[end:]
	}
	if body != "" {
		chunks = append(chunks, body)
	}
	return chunks
}

// csvRows reads records of len(cols) fields and makes an object of each.
func csvRows(text string, cols []string) ([]cty.Value, bool) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = len(cols)
	cr.ReuseRecord = true
	rows := make([]cty.Value, 0, strings.Count(text, "\n")+1)
	// cty.ObjectVal copies the map it is given: one map serves every row.
	vals := make(map[string]cty.Value, len(cols))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, true
		}
		if err != nil {
			return nil, false
		}
		for j, c := range cols {
			vals[c] = cty.StringVal(rec[j])
		}
		rows = append(rows, cty.ObjectVal(vals))
	}
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
