package exmailapi

import (
	"encoding/json"
	"strconv"
	"strings"
)

// looseInt decodes a JSON number or a numeric string, as the API accepts both.
type looseInt int64

func (n *looseInt) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*n = 0
	case float64:
		*n = looseInt(x)
	case string:
		if strings.TrimSpace(x) == "" {
			*n = 0
			return nil
		}
		i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return err
		}
		*n = looseInt(i)
	default:
		return &json.UnsupportedValueError{Str: string(b)}
	}
	return nil
}

func ints(in []looseInt) []int64 {
	out := make([]int64, len(in))
	for i, v := range in {
		out[i] = int64(v)
	}
	return out
}

// validAddress applies the API's userid rule: local@domain with a dotted domain.
func validAddress(a string) bool {
	at := strings.IndexByte(a, '@')
	if at <= 0 || at != strings.LastIndexByte(a, '@') || strings.ContainsAny(a, " \t\r\n,;<>") {
		return false
	}
	dom := a[at+1:]
	return strings.Contains(dom, ".") && !strings.HasPrefix(dom, ".") && !strings.HasSuffix(dom, ".")
}

// The kinds of owner user/batchcheck reports for an address.
const (
	ownerInvalid = -1
	ownerFree    = 0
	ownerUser    = 1
	ownerAlias   = 2
	ownerGroup   = 3
)

// owner says what holds addr, ignoring the user named except (an update of that user).
func (h *handler) owner(addr, except string) (int, error) {
	if !validAddress(addr) {
		return ownerInvalid, nil
	}
	users, err := h.t.Users()
	if err != nil {
		return 0, err
	}
	for _, u := range users {
		if strings.EqualFold(u.UserID, except) {
			continue
		}
		if strings.EqualFold(u.UserID, addr) {
			return ownerUser, nil
		}
		for _, s := range u.Slaves {
			if strings.EqualFold(s, addr) {
				return ownerAlias, nil
			}
		}
	}
	if _, ok, err := h.t.Group(addr); err != nil {
		return 0, err
	} else if ok && !strings.EqualFold(addr, except) {
		return ownerGroup, nil
	}
	return ownerFree, nil
}
