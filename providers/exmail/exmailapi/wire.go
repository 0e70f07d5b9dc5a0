package exmailapi

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// looseInt decodes a JSON number or a numeric string, as the API accepts both.
type looseInt int64

func (n *looseInt) UnmarshalJSON(b []byte) error {
	v, err := DecodeLooseInt(b)
	*n = looseInt(v)
	return err
}

// DecodeLooseInt decodes one JSON value that stands for an integer: a number, a
// numeric string, "" or null (0), true or false (1 or 0). Integers are parsed from
// their digits, never through float64, because department ids exceed 2^53; a number
// written with a fraction or an exponent is accepted only when it is a whole number
// that float64 holds exactly.
func DecodeLooseInt(b []byte) (int64, error) {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		return 0, nil
	case s == "true":
		return 1, nil
	case s == "false":
		return 0, nil
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal([]byte(s), &str); err != nil {
			return 0, err
		}
		str = strings.TrimSpace(str)
		if str == "" {
			return 0, nil
		}
		i, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number", str)
		}
		return i, nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not a number", s)
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s is not a whole number that can be read exactly (ids above 2^53 must be sent as integers)", s)
	}
	return int64(f), nil
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
