package exmail

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// flexInt decodes a JSON number, a numeric string, "" or null, because the API sends
// enable, gender and ids sometimes as numbers and sometimes as strings.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*n = 0
	case float64:
		*n = flexInt(x)
	case bool:
		*n = 0
		if x {
			*n = 1
		}
	case string:
		x = strings.TrimSpace(x)
		if x == "" {
			*n = 0
			return nil
		}
		i, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", x)
		}
		*n = flexInt(i)
	default:
		return fmt.Errorf("%s is not a number", b)
	}
	return nil
}

func int64s(in []flexInt) []int64 {
	out := make([]int64, len(in))
	for i, v := range in {
		out[i] = int64(v)
	}
	return out
}
