package audit

import (
	"testing"
	"time"
)

func TestArchiveCoverage(t *testing.T) {
	fresh := now.Add(-20 * time.Hour)
	for _, tt := range []struct {
		name string
		a    Archive
		want []string
	}{
		{"none", Archive{}, []string{"No log archive: logs"}},
		{"sound", Archive{Present: true, First: "2025-12-01", LastPull: fresh}, nil},
		{"old gap only", Archive{Present: true, First: "2025-06-01", Gaps: []string{"2025-07-01"}, LastPull: fresh}, nil},
		{"recent gap", Archive{Present: true, First: "2025-12-01", Gaps: []string{"2026-03-01", "2026-03-02"}, LastPull: fresh},
			[]string{"Gaps in the log archive: logs"}},
		{"young", Archive{Present: true, First: "2026-06-01", LastPull: fresh}, []string{"The log archive is younger than required: logs"}},
		{"stale", Archive{Present: true, First: "2025-12-01", LastPull: now.AddDate(0, 0, -3)}, []string{"The log archive is stale: logs"}},
	} {
		check(t, tt.name, archiveCoverage(input(func(in *Input) { in.Archive = tt.a })), tt.want...)
	}
}
