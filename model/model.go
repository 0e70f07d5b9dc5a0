// Package model holds mailform's canonical resource model: the resource types, their
// attributes, and the one canonical form in which values are compared everywhere.
//
// Values in an Object are plain Go values: string, int64, bool, []string, Object (a
// nested block), nil (absent), or Unknown (assigned by the provider at apply time).
package model

import (
	"fmt"
	"sort"
	"strings"
)

// Object is the attribute values of one resource instance.
type Object map[string]any

// unknownValue is the type of Unknown.
type unknownValue struct{}

// Unknown marks a value that is known only after apply (a provider-assigned id).
var Unknown any = unknownValue{}

// IsUnknown reports whether v is Unknown or holds an Unknown element.
func IsUnknown(v any) bool {
	switch x := v.(type) {
	case unknownValue:
		return true
	case Object:
		for _, e := range x {
			if IsUnknown(e) {
				return true
			}
		}
	}
	return false
}

// Kind says how an attribute's value is typed and compared.
type Kind int

// The attribute kinds.
const (
	KindString    Kind = iota // plain string, compared exactly
	KindEmail                 // address, compared case-insensitively
	KindDomain                // FQDN, lower-cased, trailing dot ignored
	KindInt                   // int64
	KindBool                  // bool
	KindList                  // ordered list of strings
	KindStringSet             // set of strings, order-free
	KindEmailSet              // set of addresses, order-free and case-insensitive
	KindRDataSet              // set of DNS RDATA, canonicalised with the record's type
	KindBlock                 // nested block with attributes of its own
)

var kindNames = map[Kind]string{
	KindString: "string", KindEmail: "email address", KindDomain: "domain name",
	KindInt: "number", KindBool: "bool", KindList: "list of strings",
	KindStringSet: "set of strings", KindEmailSet: "set of email addresses",
	KindRDataSet: "set of RDATA strings", KindBlock: "block",
}

// String names the kind as a user would read it in a diagnostic.
func (k Kind) String() string { return kindNames[k] }

// IsCollection reports whether values of the kind are []string.
func (k Kind) IsCollection() bool {
	return k == KindList || k == KindStringSet || k == KindEmailSet || k == KindRDataSet
}

// Attr describes one attribute of a resource type or provider configuration.
type Attr struct {
	Name      string
	Kind      Kind
	Required  bool
	Computed  bool     // assigned by the provider; never set in configuration
	Sensitive bool     // printed as (sensitive); stored only as a salted hash
	WriteOnly bool     // the provider cannot read it back (passwords)
	Default   any      // value used when configuration leaves it out
	Enum      []string // allowed values of a string
	MaxItems  int      // limit on a collection, 0 = none
	Block     []*Attr  // attributes of a KindBlock
	// Engine marks an attribute mailform carries out itself (the offboarding policy):
	// providers need not support it, and it is compared with state, not live.
	Engine bool
	Doc    string
}

// Type is one resource type of SPEC §3.
type Type struct {
	Name  string
	Attrs []*Attr
	// Identity lists the attributes that name the live object: changing one means replace.
	// Empty for types whose identity is a provider id or the resource label.
	Identity []string
	// LabelIdentity is true when the resource label names the live object.
	LabelIdentity bool
	// MatchKey gives the natural key used to find a live object that state does not
	// know (after a crash between a create and the state write, or for adoption).
	// label is the instance name ("finance" or `finance["k"]`). Returns "" when the
	// key cannot be known (it depends on an unknown value).
	MatchKey func(label string, o Object) string
}

// Attr returns the attribute named n, or nil.
func (t *Type) Attr(n string) *Attr {
	for _, a := range t.Attrs {
		if a.Name == n {
			return a
		}
	}
	return nil
}

// AttrNames returns the names of the type's attributes in declaration order.
func (t *Type) AttrNames() []string {
	out := make([]string, len(t.Attrs))
	for i, a := range t.Attrs {
		out[i] = a.Name
	}
	return out
}

// IsIdentity reports whether changing attribute n replaces the object.
func (t *Type) IsIdentity(n string) bool {
	for _, x := range t.Identity {
		if x == n {
			return true
		}
	}
	return false
}

var types = map[string]*Type{}
var typeOrder []string

func register(t *Type) *Type {
	types[t.Name] = t
	typeOrder = append(typeOrder, t.Name)
	return t
}

// Lookup returns the resource type named n, or nil.
func Lookup(n string) *Type { return types[n] }

// Types returns all resource types in a stable order.
func Types() []*Type {
	out := make([]*Type, 0, len(typeOrder))
	for _, n := range typeOrder {
		out = append(out, types[n])
	}
	return out
}

// TypeNames returns the names of all resource types, sorted.
func TypeNames() []string {
	out := append([]string(nil), typeOrder...)
	sort.Strings(out)
	return out
}

// Clone returns a deep copy of o.
func (o Object) Clone() Object {
	if o == nil {
		return nil
	}
	c := make(Object, len(o))
	for k, v := range o {
		c[k] = cloneValue(v)
	}
	return c
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case []string:
		return append([]string(nil), x...)
	case Object:
		return x.Clone()
	}
	return v
}

// Str returns the string attribute n, or "" when absent or not a string.
func (o Object) Str(n string) string {
	s, _ := o[n].(string)
	return s
}

// Strings returns the collection attribute n, or nil.
func (o Object) Strings(n string) []string {
	s, _ := o[n].([]string)
	return s
}

// Int returns the number attribute n, or 0.
func (o Object) Int(n string) int64 {
	i, _ := o[n].(int64)
	return i
}

// Bool returns the bool attribute n, or false.
func (o Object) Bool(n string) bool {
	b, _ := o[n].(bool)
	return b
}

// Block returns the nested block n, or nil.
func (o Object) Block(n string) Object {
	b, _ := o[n].(Object)
	return b
}

// FormatValue renders a value for humans in HCL-like syntax.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case unknownValue:
		return "(known after apply)"
	case string:
		return fmt.Sprintf("%q", x)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Object:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + " = " + FormatValue(x[k])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return fmt.Sprint(v)
}
