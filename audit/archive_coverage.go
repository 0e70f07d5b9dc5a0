package audit

import (
	"fmt"
	"time"
)

// archiveCoverage checks that the archive reaches back Policy.ArchiveMinDays without
// gaps (or to its beginning, named) and that the last pull is recent.
func archiveCoverage(in Input) []Finding {
	a := in.Archive
	if !a.Present || a.First == "" {
		return []Finding{{Severity: High, Title: "No log archive", Objects: []string{"logs"},
			Evidence: "No day of logs is archived; the console keeps only about a month.",
			Fix:      "Run mailform logs pull now and nightly (examples/ci)."}}
	}
	var out []Finding
	from := in.Now.AddDate(0, 0, -in.Policy.ArchiveMinDays).Format("2006-01-02")
	var gaps []string
	for _, g := range a.Gaps {
		if g >= from {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) > 0 {
		out = append(out, Finding{Severity: Medium, Title: "Gaps in the log archive", Objects: []string{"logs"},
			Evidence: fmt.Sprintf("%d days since %s were no longer answerable when pulled, first %s, last %s.", len(gaps), from, gaps[0], gaps[len(gaps)-1]),
			Fix:      "Those logs are lost; pull at least every four weeks (nightly in CI) so it does not happen again."})
	}
	if a.First > from {
		out = append(out, Finding{Severity: Low, Title: "The log archive is younger than required", Objects: []string{"logs"},
			Evidence: fmt.Sprintf("The archive begins %s; the policy asks for %d days (since %s).", a.First, in.Policy.ArchiveMinDays, from),
			Fix:      "Nothing to do but keep pulling; this finding ends when the archive is old enough."})
	}
	maxAge := time.Duration(in.Policy.ArchiveMaxAgeDays) * 24 * time.Hour
	if a.LastPull.IsZero() || in.Now.Sub(a.LastPull) > maxAge {
		out = append(out, Finding{Severity: Medium, Title: "The log archive is stale", Objects: []string{"logs"},
			Evidence: fmt.Sprintf("The last pull was %s; the policy allows %d days.", a.LastPull.Format(time.RFC3339), in.Policy.ArchiveMaxAgeDays),
			Fix:      "Run mailform logs pull, and schedule it nightly."})
	}
	return out
}
