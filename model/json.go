package model

import "fmt"

// FromJSON converts attribute values decoded from JSON (float64, []any, map[string]any)
// back into an Object typed by t. Unknown attributes are kept as they came.
func FromJSON(t *Type, m map[string]any) (Object, error) {
	return fromJSON(t.Attrs, m)
}

func fromJSON(attrs []*Attr, m map[string]any) (Object, error) {
	if m == nil {
		return nil, nil
	}
	out := make(Object, len(m))
	byName := make(map[string]*Attr, len(attrs))
	for _, a := range attrs {
		byName[a.Name] = a
	}
	for k, v := range m {
		a := byName[k]
		if a == nil || v == nil {
			out[k] = v
			continue
		}
		c, err := jsonValue(a, v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = c
	}
	return out, nil
}

func jsonValue(a *Attr, v any) (any, error) {
	switch a.Kind {
	case KindInt:
		switch n := v.(type) {
		case float64:
			return int64(n), nil
		case int64:
			return n, nil
		case int:
			return int64(n), nil
		}
	case KindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case KindBlock:
		if m, ok := v.(map[string]any); ok {
			return fromJSON(a.Block, m)
		}
		if m, ok := v.(Object); ok {
			return m, nil
		}
	default:
		if a.Kind.IsCollection() {
			switch l := v.(type) {
			case []string:
				return l, nil
			case []any:
				out := make([]string, len(l))
				for i, e := range l {
					s, ok := e.(string)
					if !ok {
						return nil, fmt.Errorf("element %d is %T, want string", i, e)
					}
					out[i] = s
				}
				return out, nil
			}
		} else if s, ok := v.(string); ok {
			return s, nil
		}
	}
	return nil, fmt.Errorf("value %v (%T) is not a %s", v, v, a.Kind)
}
