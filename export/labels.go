package export

import (
	"strconv"
	"strings"
)

// slug turns a name into a resource label: lower-case letters, digits and
// underscores, starting with a letter.
func slug(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
			continue
		}
		under = true
	}
	out := b.String()
	if out == "" {
		return ""
	}
	if out[0] >= '0' && out[0] <= '9' {
		out = "n" + out
	}
	return out
}

// labeler hands out unique labels within one resource type.
type labeler struct{ used map[string]bool }

func newLabeler() *labeler { return &labeler{used: map[string]bool{}} }

// take returns the first unused of the candidates (empty ones skipped), else the
// last candidate with a number appended, and marks it used.
func (l *labeler) take(fallback string, candidates ...string) string {
	last := fallback
	for _, c := range candidates {
		if c == "" {
			continue
		}
		last = c
		if !l.used[c] {
			l.used[c] = true
			return c
		}
	}
	for i := 2; ; i++ {
		c := last + "_" + strconv.Itoa(i)
		if !l.used[c] {
			l.used[c] = true
			return c
		}
	}
}
