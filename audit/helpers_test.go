package audit

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

func input(mod func(*Input)) Input {
	in := Input{Now: now, Policy: DefaultPolicy(), Provider: "exmail"}
	if mod != nil {
		mod(&in)
	}
	return in
}

// summary is "title: objects" per finding, for compact expectations.
func summary(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Title+": "+strings.Join(f.Objects, ","))
	}
	return out
}

func check(t *testing.T, name string, got []Finding, want ...string) {
	t.Helper()
	if s := summary(got); strings.Join(s, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", name, s, want)
	}
	for _, f := range got {
		if f.Evidence == "" || f.Fix == "" || f.Severity == "" {
			t.Errorf("%s: a finding without evidence, fix or severity: %+v", name, f)
		}
	}
}
