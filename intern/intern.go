// Package intern shares the strings that decoders of many similar objects (a state
// file's resources, a sandbox tenant's accounts) read again and again: a status, a
// department id, a quota. Each distinct value is kept once, already boxed as it is
// stored in a model.Object, so a repeated value costs neither a string nor a box.
// Values of a field that turn out mostly unique (an e-mail, a phone number) stop
// being looked up, where a table entry per value would only cost.
package intern

// Table interns the values of fields named by keys of type K. It is not safe for
// concurrent use: give each goroutine its own.
type Table[K comparable] struct {
	vals  map[string]any
	stats map[K]*stat
	ints  map[int64]any
}

// stat counts a field's look-ups and how many found the value already there.
type stat struct{ tries, hits int }

// minTries is how many values of a field are looked up before its hit rate decides.
const minTries = 256

// maxInts bounds the distinct integers kept.
const maxInts = 4096

// New returns an empty table.
func New[K comparable]() *Table[K] {
	return &Table[K]{vals: map[string]any{}, stats: map[K]*stat{}, ints: map[int64]any{}}
}

// Box returns b as a string in an interface: the one kept for an equal earlier value
// of the field k when its values repeat, a new one otherwise.
func (t *Table[K]) Box(k K, b []byte) any {
	if v, ok := t.lookup(k, b); ok {
		return v
	}
	return string(b)
}

// String is Box for a value stored as a plain string (an element of a list).
func (t *Table[K]) String(k K, b []byte) string {
	if v, ok := t.lookup(k, b); ok {
		return v.(string)
	}
	return string(b)
}

// Int returns n in an interface, shared with earlier equal values.
func (t *Table[K]) Int(n int64) any {
	if v, ok := t.ints[n]; ok {
		return v
	}
	v := any(n)
	if len(t.ints) < maxInts {
		t.ints[n] = v
	}
	return v
}

func (t *Table[K]) lookup(k K, b []byte) (any, bool) {
	st := t.stats[k]
	if st == nil {
		st = &stat{}
		t.stats[k] = st
	}
	// Keep looking up while at least one value in four was found.
	if st.tries >= minTries && st.hits*4 < st.tries {
		return nil, false
	}
	st.tries++
	if v, ok := t.vals[string(b)]; ok {
		st.hits++
		return v, true
	}
	v := any(string(b))
	t.vals[v.(string)] = v
	return v, true
}
