package tenant

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mailform/mailform/model"
)

// decoder turns stored objects back into the canonical model form. It reads each
// object's JSON as a stream of tokens straight into a model.Object typed by the
// resource type's attributes, rather than into a generic map converted afterwards
// (which doubled the allocations of listing 50,000 accounts). Anything the fast path
// does not expect (an attribute this build does not know, a value of another kind,
// malformed JSON) is decoded again the generic way, whose result or error stands.
// A decoder is not safe for concurrent use; it is reused across the objects of one
// listing.
type decoder struct {
	r   bytes.Reader
	dec *jsontext.Decoder
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
	o, err := d.object(t.Attrs)
	if err == nil {
		// Exactly one value: trailing data is the generic path's error to give.
		if _, e := d.dec.ReadToken(); e == nil {
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
	out := make(model.Object, len(attrs))
	for d.dec.PeekKind() != '}' {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String()
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
	return out, nil
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
			tok, err := d.dec.ReadToken()
			if err != nil {
				return nil, err
			}
			if tok.Kind() != '"' {
				return nil, errSlow
			}
			out = append(out, tok.String())
		}
		if _, err := d.dec.ReadToken(); err != nil {
			return nil, err
		}
		return out, nil
	}
	tok, err := d.dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch a.Kind {
	case model.KindInt:
		if tok.Kind() == '0' {
			if n, err := strconv.ParseInt(tok.String(), 10, 64); err == nil {
				return n, nil
			}
		}
	case model.KindBool:
		if k := tok.Kind(); k == 't' || k == 'f' {
			return tok.Bool(), nil
		}
	default:
		if tok.Kind() == '"' {
			return tok.String(), nil
		}
	}
	return nil, errSlow
}

func attrByName(attrs []*model.Attr, name string) *model.Attr {
	for _, a := range attrs {
		if a.Name == name {
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
