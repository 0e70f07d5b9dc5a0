package lint

import (
	"fmt"
	"strings"
)

// tag is one "name=value" of a DMARC or DKIM tag-value list (RFC 6376 §3.2).
type tag struct {
	name  string
	value string
}

// parseTags splits a tag-value list at ";". Empty entries (a trailing ";") are allowed;
// an entry without "=" and a repeated name are errors. fold lower-cases names, for
// DMARC; DKIM names are case-sensitive.
func parseTags(text string, fold bool) ([]tag, []string) {
	var tags []tag
	var errs []string
	seen := map[string]bool{}
	for _, part := range strings.Split(text, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			errs = append(errs, fmt.Sprintf("%q is not name=value", part))
			continue
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if fold {
			name = strings.ToLower(name)
		}
		if seen[name] {
			errs = append(errs, fmt.Sprintf("tag %s appears more than once", name))
			continue
		}
		seen[name] = true
		tags = append(tags, tag{name, value})
	}
	return tags, errs
}

// lookup returns the value of the tag called name and whether it is present.
func lookup(tags []tag, name string) (string, bool) {
	for _, t := range tags {
		if t.name == name {
			return t.value, true
		}
	}
	return "", false
}
