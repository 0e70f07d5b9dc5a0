package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	jsoniter "github.com/json-iterator/go"

	"github.com/mailform/mailform/model"
)

// decodeState parses and checks a state file's contents. It reads the JSON as a
// stream of tokens straight into the model, typing each attribute by its resource
// type as it goes, so a 50,000-resource state never exists twice in memory (once as
// a generic JSON tree, once as the model). A resource holding something the fast path
// does not expect (a field this build does not know, a value of the wrong kind) is
// decoded again by encoding/json, whose errors are the ones users see.
func decodeState(data []byte) (*State, error) {
	d := &stateDecoder{iter: jsoniter.ConfigDefault.BorrowIterator(data), strs: map[string]string{}}
	defer jsoniter.ConfigDefault.ReturnIterator(d.iter)
	return d.decode()
}

type stateDecoder struct {
	iter *jsoniter.Iterator
	// strs interns the provider and type names every resource repeats.
	strs map[string]string
	// sub decodes one resource's bytes again on the slow path or after the version.
	sub *jsoniter.Iterator
}

func (d *stateDecoder) decode() (*State, error) {
	it := d.iter
	if it.WhatIsNext() != jsoniter.ObjectValue {
		if it.Error == nil {
			return nil, errors.New("not a JSON object")
		}
		return nil, it.Error
	}
	var version *int
	var resources []byte // held until the version is known to be readable
	st := &State{}
	rest := map[string]json.RawMessage{}
	sawResources := false
	var failed error
	it.ReadObjectCB(func(it *jsoniter.Iterator, k string) bool {
		switch k {
		case "version":
			if it.WhatIsNext() != jsoniter.NumberValue {
				failed = errors.New("version is not a number")
				return false
			}
			n, err := strconv.Atoi(string(it.ReadNumber()))
			if err != nil {
				failed = fmt.Errorf("version: %w", err)
				return false
			}
			version = &n
		case "resources":
			sawResources = true
			if version != nil && *version >= 1 && *version <= Version {
				st.Resources, failed = d.resources(it)
			} else {
				resources = it.SkipAndReturnBytes()
			}
		default:
			raw := it.SkipAndReturnBytes()
			rest[k] = append(json.RawMessage(nil), raw...)
		}
		return failed == nil && it.Error == nil
	})
	if failed != nil {
		return nil, failed
	}
	if it.Error != nil {
		return nil, it.Error
	}
	if version == nil || *version < 1 {
		return nil, errors.New("no format version: not a mailform state file")
	}
	if *version > Version {
		return nil, &newerVersionError{version: *version}
	}
	st.Version = *version
	if sawResources && st.Resources == nil && resources != nil {
		sub := jsoniter.ConfigDefault.BorrowIterator(resources)
		defer jsoniter.ConfigDefault.ReturnIterator(sub)
		rs, err := d.resources(sub)
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
func (d *stateDecoder) resources(it *jsoniter.Iterator) ([]*Resource, error) {
	switch it.WhatIsNext() {
	case jsoniter.NilValue:
		it.Skip()
		return nil, it.Error
	case jsoniter.ArrayValue:
	default:
		return nil, errors.New("resources is not a list")
	}
	out := []*Resource{}
	for it.ReadArray() {
		raw := it.SkipAndReturnBytes()
		if it.Error != nil {
			return nil, it.Error
		}
		r, err := d.resource(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, it.Error
}

// errSlowPath says the fast decoder met something it leaves to encoding/json.
var errSlowPath = errors.New("slow path")

// resource decodes one resource from its bytes: on the fast path, or through
// Resource.UnmarshalJSON when the fast path declines.
func (d *stateDecoder) resource(raw []byte) (*Resource, error) {
	if d.sub == nil {
		d.sub = jsoniter.NewIterator(jsoniter.ConfigDefault)
	}
	r, err := d.fast(d.sub.ResetBytes(raw))
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

func (d *stateDecoder) fast(it *jsoniter.Iterator) (*Resource, error) {
	if it.WhatIsNext() != jsoniter.ObjectValue {
		return nil, errSlowPath
	}
	r := &Resource{}
	var attrs []byte
	ok := true
	it.ReadObjectCB(func(it *jsoniter.Iterator, k string) bool {
		next := it.WhatIsNext()
		if next == jsoniter.NilValue {
			it.Skip()
			return it.Error == nil
		}
		str := func() (string, bool) {
			if next != jsoniter.StringValue {
				return "", false
			}
			return it.ReadString(), true
		}
		switch k {
		case "address":
			r.Address, ok = str()
		case "type":
			r.Type, ok = str()
			r.Type = d.intern(r.Type)
		case "provider":
			r.Provider, ok = str()
			r.Provider = d.intern(r.Provider)
		case "id":
			r.ID, ok = str()
		case "pending":
			r.Pending, ok = str()
		case "match_key":
			r.MatchKey, ok = str()
		case "prevent_destroy":
			if ok = next == jsoniter.BoolValue; ok {
				r.PreventDestroy = it.ReadBool()
			}
		case "attributes":
			// The type may come after the attributes; type them once it is known.
			if ok = next == jsoniter.ObjectValue; ok {
				attrs = it.SkipAndReturnBytes()
			}
		default:
			// frozen_at (a time) and fields this fast path does not know.
			ok = false
		}
		return ok && it.Error == nil
	})
	if !ok || it.Error != nil {
		return nil, errSlowPath
	}
	t := model.Lookup(r.Type)
	if t == nil {
		return nil, errSlowPath
	}
	if attrs != nil {
		o, err := decodeAttrs(it.ResetBytes(attrs), t.Attrs)
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
func decodeAttrs(it *jsoniter.Iterator, attrs []*model.Attr) (model.Object, error) {
	out := model.Object{}
	var failed error
	it.ReadObjectCB(func(it *jsoniter.Iterator, k string) bool {
		var a *model.Attr
		for _, x := range attrs {
			if x.Name == k {
				a = x
				break
			}
		}
		next := it.WhatIsNext()
		if a == nil || next == jsoniter.NilValue {
			out[k] = it.Read()
			return it.Error == nil
		}
		v, err := decodeAttr(it, a, next)
		if err != nil {
			failed = err
			return false
		}
		out[a.Name] = v
		return it.Error == nil
	})
	if failed != nil {
		return nil, failed
	}
	return out, it.Error
}

func decodeAttr(it *jsoniter.Iterator, a *model.Attr, next jsoniter.ValueType) (any, error) {
	switch {
	case a.Kind == model.KindInt:
		if next != jsoniter.NumberValue {
			return nil, errSlowPath
		}
		n := string(it.ReadNumber())
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return nil, errSlowPath
		}
		return int64(f), nil
	case a.Kind == model.KindBool:
		if next != jsoniter.BoolValue {
			return nil, errSlowPath
		}
		return it.ReadBool(), nil
	case a.Kind == model.KindBlock:
		if next != jsoniter.ObjectValue {
			return nil, errSlowPath
		}
		return decodeAttrs(it, a.Block)
	case a.Kind.IsCollection():
		if next != jsoniter.ArrayValue {
			return nil, errSlowPath
		}
		out := []string{}
		for it.ReadArray() {
			if it.WhatIsNext() != jsoniter.StringValue {
				return nil, errSlowPath
			}
			out = append(out, it.ReadString())
		}
		return out, it.Error
	default:
		if next != jsoniter.StringValue {
			return nil, errSlowPath
		}
		return it.ReadString(), it.Error
	}
}
