package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mailform/mailform/model"
)

// decodeState parses and checks a state file's contents. It reads the JSON as a
// stream of tokens straight into the model, typing each attribute by its resource
// type as it goes, so a 50,000-resource state never exists twice in memory (once as
// a generic JSON tree, once as the model). A resource holding something the fast path
// does not expect (a field this build does not know, a value of the wrong kind) is
// decoded again by encoding/json, whose errors are the ones users see.
func decodeState(data []byte) (*State, error) {
	d := &stateDecoder{strs: map[string]string{}}
	d.top = jsontext.NewDecoder(bytes.NewReader(data))
	return d.decode()
}

type stateDecoder struct {
	top *jsontext.Decoder
	// strs interns the provider and type names every resource repeats.
	strs map[string]string
	// sub decodes one resource's bytes again; subR is what it reads.
	sub  *jsontext.Decoder
	subR bytes.Reader
	// attrs holds a resource's attributes until its type is known.
	attrs []byte
	// raw holds one resource's bytes while they are decoded.
	raw []byte
}

func (d *stateDecoder) decode() (*State, error) {
	top := d.top
	if top.PeekKind() != '{' {
		if _, err := top.ReadToken(); err != nil {
			return nil, err
		}
		return nil, errors.New("not a JSON object")
	}
	if _, err := top.ReadToken(); err != nil {
		return nil, err
	}
	var version *int
	var resources []byte // held until the version is known to be readable
	st := &State{}
	rest := map[string]json.RawMessage{}
	sawResources := false
	for top.PeekKind() != '}' {
		tok, err := top.ReadToken()
		if err != nil {
			return nil, err
		}
		switch k := tok.String(); k {
		case "version":
			tok, err := top.ReadToken()
			if err != nil {
				return nil, err
			}
			if tok.Kind() != '0' {
				return nil, errors.New("version is not a number")
			}
			n, err := strconv.Atoi(tok.String())
			if err != nil {
				return nil, fmt.Errorf("version: %w", err)
			}
			version = &n
		case "resources":
			sawResources = true
			if version != nil && *version >= 1 && *version <= Version {
				if st.Resources, err = d.resources(top); err != nil {
					return nil, err
				}
			} else {
				v, err := top.ReadValue()
				if err != nil {
					return nil, err
				}
				resources = bytes.Clone(v)
			}
		default:
			v, err := top.ReadValue()
			if err != nil {
				return nil, err
			}
			rest[k] = bytes.Clone(v)
		}
	}
	if _, err := top.ReadToken(); err != nil {
		return nil, err
	}
	if version == nil || *version < 1 {
		return nil, errors.New("no format version: not a mailform state file")
	}
	if *version > Version {
		return nil, &newerVersionError{version: *version}
	}
	st.Version = *version
	if sawResources && st.Resources == nil && resources != nil {
		rs, err := d.resources(jsontext.NewDecoder(bytes.NewReader(resources)))
		if err != nil {
			return nil, err
		}
		st.Resources = rs
	}
	// Everything else (lineage, serial, and whatever fields the state grows) goes
	// through encoding/json and the State struct's tags: small, and always in step.
	if len(rest) > 0 {
		head, err := json.Marshal(rest)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(head, st); err != nil {
			return nil, err
		}
	}
	if st.Lineage == "" {
		return nil, errors.New("no lineage")
	}
	if st.Resources == nil {
		st.Resources = []*Resource{}
	}
	st.Reindex()
	return st, nil
}

// resources reads the resources array, or null.
func (d *stateDecoder) resources(dec *jsontext.Decoder) ([]*Resource, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case '[':
	default:
		return nil, errors.New("resources is not a list")
	}
	out := []*Resource{}
	for dec.PeekKind() != ']' {
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		// v is valid only until dec reads again: decode it now, from a copy the
		// sub-decoder may keep reading while v's buffer is reused.
		d.raw = append(d.raw[:0], v...)
		r, err := d.resource(d.raw)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	return out, nil
}

// errSlowPath says the fast decoder met something it leaves to encoding/json.
var errSlowPath = errors.New("slow path")

// resource decodes one resource from its bytes: on the fast path, or through
// Resource.UnmarshalJSON when the fast path declines.
func (d *stateDecoder) resource(raw []byte) (*Resource, error) {
	r, err := d.fast(raw)
	if err == nil {
		return r, nil
	}
	r = &Resource{}
	if err := json.Unmarshal(raw, r); err != nil {
		return nil, err
	}
	return r, nil
}

func (d *stateDecoder) intern(s string) string {
	if v, ok := d.strs[s]; ok {
		return v
	}
	d.strs[s] = s
	return s
}

// reset points the sub-decoder at b.
func (d *stateDecoder) reset(b []byte) *jsontext.Decoder {
	d.subR.Reset(b)
	if d.sub == nil {
		d.sub = jsontext.NewDecoder(&d.subR)
	} else {
		d.sub.Reset(&d.subR)
	}
	return d.sub
}

func (d *stateDecoder) fast(raw []byte) (*Resource, error) {
	dec := d.reset(raw)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, errSlowPath
	}
	r := &Resource{}
	haveAttrs := false
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, errSlowPath
		}
		k := tok.String()
		next := dec.PeekKind()
		if next == 'n' {
			if _, err := dec.ReadToken(); err != nil {
				return nil, errSlowPath
			}
			continue
		}
		if k == "attributes" {
			// The type may come after the attributes; type them once it is known.
			if next != '{' {
				return nil, errSlowPath
			}
			v, err := dec.ReadValue()
			if err != nil {
				return nil, errSlowPath
			}
			d.attrs = append(d.attrs[:0], v...)
			haveAttrs = true
			continue
		}
		tok, err = dec.ReadToken()
		if err != nil {
			return nil, errSlowPath
		}
		str := func(dst *string) bool {
			if tok.Kind() != '"' {
				return false
			}
			*dst = tok.String()
			return true
		}
		ok := false
		switch k {
		case "address":
			ok = str(&r.Address)
		case "type":
			ok = str(&r.Type)
			r.Type = d.intern(r.Type)
		case "provider":
			ok = str(&r.Provider)
			r.Provider = d.intern(r.Provider)
		case "id":
			ok = str(&r.ID)
		case "pending":
			ok = str(&r.Pending)
		case "match_key":
			ok = str(&r.MatchKey)
		case "prevent_destroy":
			if kind := tok.Kind(); kind == 't' || kind == 'f' {
				r.PreventDestroy, ok = tok.Bool(), true
			}
		}
		// frozen_at (a time) and fields this fast path does not know go slow.
		if !ok {
			return nil, errSlowPath
		}
	}
	t := model.Lookup(r.Type)
	if t == nil {
		return nil, errSlowPath
	}
	if haveAttrs {
		o, err := decodeAttrs(d.reset(d.attrs), t.Attrs)
		if err != nil {
			return nil, errSlowPath
		}
		r.Attrs = o
	}
	return r, nil
}

// decodeAttrs reads an attributes object typed by attrs, as model.FromJSON would
// from a decoded tree: ints as int64, collections as []string, blocks as Objects,
// attributes the type does not declare kept as encoding/json would decode them.
func decodeAttrs(dec *jsontext.Decoder, attrs []*model.Attr) (model.Object, error) {
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, errSlowPath
	}
	out := model.Object{}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		k := tok.String()
		var a *model.Attr
		for _, x := range attrs {
			if x.Name == k {
				a = x
				break
			}
		}
		if a == nil || dec.PeekKind() == 'n' {
			v, err := dec.ReadValue()
			if err != nil {
				return nil, err
			}
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				return nil, err
			}
			out[k] = x
			continue
		}
		v, err := decodeAttr(dec, a)
		if err != nil {
			return nil, err
		}
		out[a.Name] = v
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	return out, nil
}

func decodeAttr(dec *jsontext.Decoder, a *model.Attr) (any, error) {
	if a.Kind == model.KindBlock {
		return decodeAttrs(dec, a.Block)
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch {
	case a.Kind == model.KindInt:
		if tok.Kind() != '0' {
			return nil, errSlowPath
		}
		n := tok.String()
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return nil, errSlowPath
		}
		return int64(f), nil
	case a.Kind == model.KindBool:
		if k := tok.Kind(); k != 't' && k != 'f' {
			return nil, errSlowPath
		}
		return tok.Bool(), nil
	case a.Kind.IsCollection():
		if tok.Kind() != '[' {
			return nil, errSlowPath
		}
		out := []string{}
		for dec.PeekKind() != ']' {
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			if tok.Kind() != '"' {
				return nil, errSlowPath
			}
			out = append(out, tok.String())
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		return out, nil
	default:
		if tok.Kind() != '"' {
			return nil, errSlowPath
		}
		return tok.String(), nil
	}
}
