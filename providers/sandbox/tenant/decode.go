package tenant

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mailform/mailform/intern"
	"github.com/mailform/mailform/model"
)

// decoder turns stored objects back into the canonical model form. It reads each
// object's JSON as a stream of tokens straight into a model.Object typed by the
// resource type's attributes, rather than into a generic map converted afterwards
// (which doubled the allocations of listing 50,000 accounts). Anything the fast path
// does not expect (an attribute this build does not know, a value of another kind,
// malformed JSON) is decoded again the generic way, whose result or error stands.
// Values that recur across the objects of a listing (a status, a department id) are
// shared (package intern), and names and values are read from the JSON's own bytes
// rather than as a new string per token. A decoder is not safe for concurrent use; it
// is reused across the objects of one listing.
type decoder struct {
	r   bytes.Reader
	dec *jsontext.Decoder
	// vals is made on first use.
	vals *intern.Table[*model.Attr]
	// sizes is how many attributes the last object of each kind had (keyed by the
	// kind's first attribute): a map made that size does not grow as it fills, and
	// is not made the size of every attribute the type declares.
	sizes map[*model.Attr]int
	// buf holds a string that had escapes, decoded.
	buf []byte
}

// errSlow sends an object to the generic path.
var errSlow = errors.New("not on the fast path")

func (d *decoder) decode(t *model.Type, b []byte) (model.Object, error) {
	d.r.Reset(b)
	if d.dec == nil {
		d.dec = jsontext.NewDecoder(&d.r)
	} else {
		d.dec.Reset(&d.r)
	}
	if d.vals == nil {
		d.vals, d.sizes = intern.New[*model.Attr](), map[*model.Attr]int{}
	}
	o, err := d.object(t.Attrs)
	if err == nil {
		// Exactly one value: anything after it (another value, or bytes that are
		// not JSON) is the generic path's error to give.
		if _, e := d.dec.ReadToken(); e != io.EOF {
			err = errSlow
		}
	}
	if err != nil {
		return decodeGeneric(t, b)
	}
	return o, nil
}

func (d *decoder) object(attrs []*model.Attr) (model.Object, error) {
	tok, err := d.dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, errSlow
	}
	var kind *model.Attr
	if len(attrs) > 0 {
		kind = attrs[0]
	}
	out := make(model.Object, d.sizes[kind])
	for d.dec.PeekKind() != '}' {
		name, err := d.str()
		if err != nil {
			return nil, err
		}
		a := attrByName(attrs, name)
		if a == nil {
			return nil, errSlow
		}
		if d.dec.PeekKind() == 'n' {
			if _, err := d.dec.ReadToken(); err != nil {
				return nil, err
			}
			out[a.Name] = nil
			continue
		}
		v, err := d.value(a)
		if err != nil {
			return nil, err
		}
		out[a.Name] = v
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return nil, err
	}
	d.sizes[kind] = len(out)
	return out, nil
}

// str reads a string, as its bytes in the input (valid until the next read) or, when
// it had escapes, decoded into d.buf. Anything else is errSlow.
func (d *decoder) str() ([]byte, error) {
	if d.dec.PeekKind() != '"' {
		return nil, errSlow
	}
	v, err := d.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1], nil
	}
	d.buf, err = jsontext.AppendUnquote(d.buf[:0], v)
	return d.buf, err
}

func (d *decoder) value(a *model.Attr) (any, error) {
	if a.Kind == model.KindBlock {
		return d.object(a.Block)
	}
	if a.Kind.IsCollection() {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return nil, err
		}
		if tok.Kind() != '[' {
			return nil, errSlow
		}
		out := []string{}
		for d.dec.PeekKind() != ']' {
			v, err := d.str()
			if err != nil {
				return nil, err
			}
			out = append(out, d.vals.String(a, v))
		}
		if _, err := d.dec.ReadToken(); err != nil {
			return nil, err
		}
		return out, nil
	}
	if a.Kind != model.KindInt && a.Kind != model.KindBool {
		v, err := d.str()
		if err != nil {
			return nil, err
		}
		return d.vals.Box(a, v), nil
	}
	if a.Kind == model.KindInt && d.dec.PeekKind() == '0' {
		v, err := d.dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return d.vals.Int(n), nil
		}
		return nil, errSlow
	}
	tok, err := d.dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch a.Kind {
	case model.KindBool:
		if k := tok.Kind(); k == 't' || k == 'f' {
			return tok.Bool(), nil
		}
	}
	return nil, errSlow
}

func attrByName(attrs []*model.Attr, name []byte) *model.Attr {
	for _, a := range attrs {
		if a.Name == string(name) {
			return a
		}
	}
	return nil
}

// decodeGeneric decodes through a generic JSON map, as every object was before the
// fast path; its errors are the ones users see.
func decodeGeneric(t *model.Type, b []byte) (model.Object, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return model.FromJSON(t, m)
}
