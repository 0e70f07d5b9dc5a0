package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// decodeState parses and checks a state file's contents. jsontext checks the file's
// syntax and splits the resources array into one span of bytes per resource; each
// resource is then read straight into the model, typing each attribute by its resource
// type, by a scanner over those already-checked bytes, in batches on every core, so a
// 50,000-resource state never exists twice in memory (once as a generic JSON tree,
// once as the model). A resource holding something the scanner does not expect (a
// field this build does not know, a value of the wrong kind) is decoded again by
// encoding/json, whose errors are the ones users see.
func decodeState(data []byte) (*State, error) {
	d := &stateDecoder{}
	d.top = jsontext.NewDecoder(bytes.NewBuffer(data))
	return d.decode(data)
}

type stateDecoder struct {
	top *jsontext.Decoder
}

func (d *stateDecoder) decode(data []byte) (*State, error) {
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
				if st.Resources, err = decodeResources(top, data); err != nil {
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
	// The file is one JSON value: jsontext would read on into a second one.
	if _, err := top.ReadToken(); err != io.EOF {
		return nil, trailingError(data, err)
	}
	if version == nil || *version < 1 {
		return nil, errors.New("no format version: not a mailform state file")
	}
	if *version > Version {
		return nil, &newerVersionError{version: *version}
	}
	st.Version = *version
	if sawResources && st.Resources == nil && resources != nil {
		rs, err := decodeResources(jsontext.NewDecoder(bytes.NewBuffer(resources)), resources)
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

// trailingError is encoding/json's error for data, whose first value is followed by
// something other than white space; err is jsontext's, should encoding/json not
// object.
func trailingError(data []byte, err error) error {
	if e := json.Unmarshal(data, new(json.RawMessage)); e != nil {
		return e
	}
	if err == nil {
		err = errors.New("more than one JSON value")
	}
	return err
}
