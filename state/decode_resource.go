package state

import (
	"encoding/json"
	"errors"
	"runtime"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mailform/mailform/intern"
	"github.com/mailform/mailform/model"
)

// batchSize is how many resources one worker decodes at a time: large enough that
// handing batches over costs nothing next to decoding them.
const batchSize = 1024

// batch is a run of resources, as spans of the state file, and what they decode to.
type batch struct {
	spans [][2]int
	out   []*Resource
	err   error
}

// decodeResources reads the resources array, or null, from dec, whose whole input is
// src. jsontext checks each resource's syntax as it splits the array; workers decode
// the checked spans meanwhile, batch by batch. The first error in file order wins, as
// it would reading one resource after the other: a resource that does not decode
// before a syntax error further on.
func decodeResources(dec *jsontext.Decoder, src []byte) ([]*Resource, error) {
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
	todo := make(chan *batch, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			rd := newResourceDecoder()
			for b := range todo {
				b.decode(rd, src)
			}
		})
	}
	var all []*batch
	cur := &batch{}
	var splitErr error
	for dec.PeekKind() != ']' {
		v, err := dec.ReadValue()
		if err != nil {
			splitErr = err
			break
		}
		end := int(dec.InputOffset())
		cur.spans = append(cur.spans, [2]int{end - len(v), end})
		if len(cur.spans) == batchSize {
			all = append(all, cur)
			todo <- cur
			cur = &batch{}
		}
	}
	if len(cur.spans) > 0 {
		all = append(all, cur)
		todo <- cur
	}
	close(todo)
	wg.Wait()
	n := 0
	for _, b := range all {
		if b.err != nil {
			return nil, b.err
		}
		n += len(b.out)
	}
	if splitErr != nil {
		return nil, splitErr
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	out := make([]*Resource, 0, n)
	for _, b := range all {
		out = append(out, b.out...)
	}
	return out, nil
}

// decode decodes b's resources, stopping at the first that fails.
func (b *batch) decode(rd *resourceDecoder, src []byte) {
	slab := make([]Resource, len(b.spans))
	b.out = make([]*Resource, len(b.spans))
	for i, sp := range b.spans {
		r := &slab[i]
		raw := src[sp[0]:sp[1]]
		if !rd.resource(raw, r) {
			*r = Resource{}
			if err := json.Unmarshal(raw, r); err != nil {
				b.out, b.err = nil, err
				return
			}
		}
		b.out[i] = r
	}
}

// resourceDecoder reads one resource at a time from bytes jsontext has already
// checked. It shares the strings resources repeat: names of types and providers,
// attribute values that recur (a department id, a status; package intern), and a
// resource's id and match key, which usually equal one of its own attributes. One per
// worker.
type resourceDecoder struct {
	s scanner
	// names interns type, provider and pending.
	names map[string]string
	vals  *intern.Table[*model.Attr]
	// sizes is how many attributes the last object of each kind had: a map made
	// that size at once does not grow (and copy itself) as it fills.
	sizes map[*model.Attr]int
	// tops are the resource's top-level string attributes, for its id and match key.
	tops []string
	// id and key are the id and match key as read, until the attributes are known.
	id, key []byte
}

func newResourceDecoder() *resourceDecoder {
	return &resourceDecoder{names: map[string]string{}, vals: intern.New[*model.Attr](), sizes: map[*model.Attr]int{}}
}

func (rd *resourceDecoder) name(b []byte) string {
	if v, ok := rd.names[string(b)]; ok {
		return v
	}
	v := string(b)
	rd.names[v] = v
	return v
}

// own returns b as a string, sharing an equal top-level attribute's.
func (rd *resourceDecoder) own(b []byte) string {
	for _, s := range rd.tops {
		if s == string(b) {
			return s
		}
	}
	return string(b)
}

// resource decodes raw into r and reports whether it could; false leaves the
// resource to encoding/json (see decodeState).
func (rd *resourceDecoder) resource(raw []byte, r *Resource) bool {
	s := &rd.s
	s.reset(raw)
	if !s.eat('{') {
		return false
	}
	var attrs []byte
	haveID, haveKey := false, false
	for first := true; !s.eat('}'); first = false {
		if !first && !s.eat(',') {
			return false
		}
		k, ok := s.str(&s.keyBuf)
		if !ok || !s.eat(':') {
			return false
		}
		if s.peek() == 'n' {
			if !s.literal("null") {
				return false
			}
			continue
		}
		switch string(k) {
		case "attributes":
			// The type may come after the attributes; type them once it is known.
			if s.peek() != '{' {
				return false
			}
			if attrs, ok = s.skip(); !ok {
				return false
			}
		case "address":
			v, ok := s.str(&s.valBuf)
			if !ok {
				return false
			}
			r.Address = string(v)
		case "type":
			v, ok := s.str(&s.valBuf)
			if !ok {
				return false
			}
			r.Type = rd.name(v)
		case "provider":
			v, ok := s.str(&s.valBuf)
			if !ok {
				return false
			}
			r.Provider = rd.name(v)
		case "pending":
			v, ok := s.str(&s.valBuf)
			if !ok {
				return false
			}
			r.Pending = rd.name(v)
		case "id":
			v, ok := s.str(&s.valBuf)
			if !ok {
				return false
			}
			rd.id, haveID = append(rd.id[:0], v...), true
		case "match_key":
			v, ok := s.str(&s.valBuf)
			if !ok {
				return false
			}
			rd.key, haveKey = append(rd.key[:0], v...), true
		case "prevent_destroy":
			switch s.peek() {
			case 't':
				r.PreventDestroy = true
				if !s.literal("true") {
					return false
				}
			case 'f':
				r.PreventDestroy = false
				if !s.literal("false") {
					return false
				}
			default:
				return false
			}
		default:
			// frozen_at (a time) and fields this scanner does not know go slow.
			return false
		}
	}
	t := model.Lookup(r.Type)
	if t == nil {
		return false
	}
	rd.tops = rd.tops[:0]
	if attrs != nil {
		s.reset(attrs)
		o, ok := rd.object(t.Attrs, true)
		if !ok {
			return false
		}
		r.Attrs = o
	}
	if haveID {
		r.ID = rd.own(rd.id)
	}
	if haveKey {
		if r.ID == string(rd.key) {
			r.MatchKey = r.ID
		} else {
			r.MatchKey = rd.own(rd.key)
		}
	}
	return true
}

// object reads an attributes object typed by attrs, as model.FromJSON would from a
// decoded tree: ints as int64, collections as []string, blocks as Objects, attributes
// the type does not declare kept as encoding/json would decode them.
func (rd *resourceDecoder) object(attrs []*model.Attr, top bool) (model.Object, bool) {
	s := &rd.s
	if !s.eat('{') {
		return nil, false
	}
	var kind *model.Attr // the first attribute stands for the list
	if len(attrs) > 0 {
		kind = attrs[0]
	}
	out := make(model.Object, rd.sizes[kind])
	for first := true; !s.eat('}'); first = false {
		if !first && !s.eat(',') {
			return nil, false
		}
		k, ok := s.str(&s.keyBuf)
		if !ok || !s.eat(':') {
			return nil, false
		}
		var a *model.Attr
		for _, x := range attrs {
			if x.Name == string(k) {
				a = x
				break
			}
		}
		if a == nil || s.peek() == 'n' {
			name := string(k)
			if a != nil {
				name = a.Name
			}
			v, ok := s.skip()
			if !ok {
				return nil, false
			}
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				return nil, false
			}
			out[name] = x
			continue
		}
		v, ok := rd.attr(a, top)
		if !ok {
			return nil, false
		}
		out[a.Name] = v
	}
	rd.sizes[kind] = len(out)
	return out, true
}

func (rd *resourceDecoder) attr(a *model.Attr, top bool) (any, bool) {
	s := &rd.s
	switch {
	case a.Kind == model.KindBlock:
		return rd.object(a.Block, false)
	case a.Kind == model.KindInt:
		n, ok := s.number()
		if !ok {
			return nil, false
		}
		if i, ok := parseInt(n); ok {
			return rd.vals.Int(i), true
		}
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return rd.vals.Int(i), true
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return nil, false
		}
		return rd.vals.Int(int64(f)), true
	case a.Kind == model.KindBool:
		switch s.peek() {
		case 't':
			return true, s.literal("true")
		case 'f':
			return false, s.literal("false")
		}
		return nil, false
	case a.Kind.IsCollection():
		if !s.eat('[') {
			return nil, false
		}
		out := []string{}
		for first := true; !s.eat(']'); first = false {
			if !first && !s.eat(',') {
				return nil, false
			}
			v, ok := s.str(&s.valBuf)
			if !ok {
				return nil, false
			}
			out = append(out, rd.vals.String(a, v))
		}
		return out, true
	default:
		v, ok := s.str(&s.valBuf)
		if !ok {
			return nil, false
		}
		x := rd.vals.Box(a, v)
		if top {
			rd.tops = append(rd.tops, x.(string))
		}
		return x, true
	}
}

// parseInt reads a plain decimal integer of up to 18 digits, the common case, without
// strconv's string.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// scanner reads JSON values from bytes jsontext has already checked: it trusts their
// syntax, and only reports what is not the kind of value the caller asked for.
type scanner struct {
	b []byte
	i int
	// keyBuf and valBuf hold a name and a value that had escapes.
	keyBuf, valBuf []byte
}

func (s *scanner) reset(b []byte) {
	s.b, s.i = b, 0
}

// peek returns the next byte that is not white space, or 0 at the end.
func (s *scanner) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// eat consumes c if it comes next.
func (s *scanner) eat(c byte) bool {
	if s.peek() != c {
		return false
	}
	s.i++
	return true
}

// literal consumes lit (true, false or null) if it comes next.
func (s *scanner) literal(lit string) bool {
	s.peek()
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// strEnd returns the index just past the string that opens at i, and whether it
// holds escapes.
func (s *scanner) strEnd(i int) (int, bool, bool) {
	escaped := false
	for j := i + 1; j < len(s.b); j++ {
		switch s.b[j] {
		case '"':
			return j + 1, escaped, true
		case '\\':
			escaped = true
			j++
		}
	}
	return 0, false, false
}

// str consumes a string and returns its contents: a slice of the input, or of buf
// when it had escapes to decode. Either is valid until the next call with buf.
func (s *scanner) str(buf *[]byte) ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	end, escaped, ok := s.strEnd(s.i)
	if !ok {
		return nil, false
	}
	raw := s.b[s.i:end]
	s.i = end
	if !escaped {
		return raw[1 : len(raw)-1], true
	}
	out, err := jsontext.AppendUnquote((*buf)[:0], raw)
	if err != nil {
		return nil, false
	}
	*buf = out
	return out, true
}

// number consumes a number and returns its text.
func (s *scanner) number() ([]byte, bool) {
	c := s.peek()
	if c != '-' && (c < '0' || c > '9') {
		return nil, false
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		if c := s.b[s.i]; (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			break
		}
	}
	return s.b[start:s.i], true
}

// skip consumes one value of any kind and returns its bytes.
func (s *scanner) skip() ([]byte, bool) {
	c := s.peek()
	start := s.i
	switch c {
	case '"':
		end, _, ok := s.strEnd(s.i)
		if !ok {
			return nil, false
		}
		s.i = end
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				end, _, ok := s.strEnd(s.i)
				if !ok {
					return nil, false
				}
				s.i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return s.b[start:s.i], true
				}
			}
			s.i++
		}
		return nil, false
	case 't', 'f', 'n':
		for _, lit := range [...]string{"true", "false", "null"} {
			if lit[0] == c {
				if !s.literal(lit) {
					return nil, false
				}
			}
		}
	default:
		return s.number()
	}
	return s.b[start:s.i], true
}
