package model

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// The TXT rule. A TXT value in a configuration is the literal text of the record,
// byte for byte, so `v=DKIM1; n="a\b"` means exactly those characters. Only a value
// that is clearly zone-file presentation form — one or more double-quoted strings
// separated by blanks, nothing outside the quotes — is parsed as such: its strings are
// unescaped (\" \\ \DDD) and joined. The canonical value is the joined text, except
// for a text that itself looks like presentation form: that one is kept quoted and
// escaped, so that reading a canonical value again gives the same value.
//
// miekg/dns keeps TXT strings escaped (\" \\ \DDD); TXTJoin and TXTStrings are the only
// crossings between that form and the text.

// TXTText returns the text (the bytes on the wire, strings joined) that a TXT value in
// a configuration or in canonical form stands for.
func TXTText(value string) (string, error) {
	if !isTXTPresentation(value) {
		return value, nil
	}
	rr, err := dns.NewRR(". 0 IN TXT " + strings.TrimSpace(value))
	if err != nil {
		return "", fmt.Errorf("TXT record %s: %v", value, cleanDNSError(err))
	}
	t, ok := rr.(*dns.TXT)
	if !ok {
		return "", fmt.Errorf("TXT record %s cannot be read as quoted strings", value)
	}
	return TXTJoin(t.Txt), nil
}

// TXTValue returns the canonical TXT value of a text: the text itself, or the text
// quoted and escaped when it would otherwise read as presentation form.
func TXTValue(text string) string {
	if !isTXTPresentation(text) {
		return text
	}
	return `"` + escapeTXT(text) + `"`
}

// TXTJoin returns the text of TXT strings in miekg/dns's escaped form: each string
// unescaped as miekg/dns packs it, then all joined.
func TXTJoin(strs []string) string {
	var b strings.Builder
	for _, s := range strs {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c != '\\' {
				b.WriteByte(c)
				continue
			}
			i++
			if i == len(s) {
				break // miekg/dns drops a lone trailing backslash
			}
			if i+2 < len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) {
				b.WriteByte((s[i]-'0')*100 + (s[i+1]-'0')*10 + (s[i+2] - '0'))
				i += 2
				continue
			}
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// TXTStrings returns the TXT strings for a text as miekg/dns wants them in dns.TXT:
// split into chunks of at most 255 bytes, each escaped.
func TXTStrings(text string) []string {
	parts := SplitTXT(text)
	for i, p := range parts {
		parts[i] = escapeTXT(p)
	}
	return parts
}

// escapeTXT escapes quotes, backslashes and control bytes; other bytes (UTF-8 text)
// stay as they are, which miekg/dns packs unchanged.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isTXTPresentation reports whether s, blanks around it ignored, is a sequence of one
// or more complete double-quoted strings separated by blanks.
func isTXTPresentation(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, `"`) {
		return false
	}
	i := 0
	for i < len(s) {
		if s[i] != '"' {
			return false
		}
		i++
		for i < len(s) && s[i] != '"' {
			if s[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(s) {
			return false // unterminated
		}
		i++ // closing quote
		j := i
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && i == j {
			return false // `"a""b"`: no blank between strings
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// SplitTXT splits a TXT text into strings of at most 255 bytes, as DNS requires.
func SplitTXT(text string) []string {
	if text == "" {
		return []string{""}
	}
	var out []string
	for len(text) > 255 {
		out = append(out, text[:255])
		text = text[255:]
	}
	return append(out, text)
}
