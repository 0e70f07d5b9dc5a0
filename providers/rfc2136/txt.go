package rfc2136

import (
	"strconv"
	"strings"
)

// miekg/dns keeps TXT strings in presentation-escaped form (`\"`, `\\`, `\DDD`) and
// escapes and unescapes them when packing. mailform's canonical TXT value is the raw
// text, so values cross that boundary here and nowhere else.

// escapeTXT turns raw text into miekg/dns's escaped string form.
func escapeTXT(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteString(pad3(int(c)))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func pad3(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 3-len(s)) + s
}

// unescapeTXT turns one miekg/dns escaped string back into raw text.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n, _ := strconv.Atoi(s[i+1 : i+4])
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
