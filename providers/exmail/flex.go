package exmail

import "github.com/mailform/mailform/providers/exmail/exmailapi"

// flexInt decodes a JSON number, a numeric string, "" or null, because the API sends
// enable, gender and ids sometimes as numbers and sometimes as strings. Digits are
// parsed exactly: department ids are 64-bit and exceed what float64 holds.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	v, err := exmailapi.DecodeLooseInt(b)
	*n = flexInt(v)
	return err
}

func int64s(in []flexInt) []int64 {
	out := make([]int64, len(in))
	for i, v := range in {
		out[i] = int64(v)
	}
	return out
}
