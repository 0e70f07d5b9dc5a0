package state

import "encoding/json"

// OutputValue is one root output as the last apply evaluated it.
type OutputValue struct {
	// Value is the value in go-cty's JSON encoding; it is null when Withheld.
	Value json.RawMessage `json:"value"`
	// Type is the value's go-cty type in its JSON encoding, so that the value can be
	// decoded back exactly (a list is not a tuple).
	Type json.RawMessage `json:"type"`
	// Sensitive says the output block was declared sensitive: its value is stored,
	// but printed only when asked for by name.
	Sensitive bool `json:"sensitive,omitempty"`
	// Withheld says the value is made from a secret (a password, a provider secret, a
	// sensitive variable): state never holds secrets in clear, so it was not stored.
	Withheld bool `json:"withheld,omitempty"`
}

// cloneOutputs returns a copy of outs that shares no map with it.
func cloneOutputs(outs map[string]*OutputValue) map[string]*OutputValue {
	if outs == nil {
		return nil
	}
	c := make(map[string]*OutputValue, len(outs))
	for k, v := range outs {
		o := *v
		c[k] = &o
	}
	return c
}
