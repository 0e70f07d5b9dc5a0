package views

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailform/mailform/planner"
)

// JSONVerify is the machine-readable report of `mailform verify -json`.
type JSONVerify struct {
	FormatVersion string                 `json:"format_version"`
	Summary       JSONVerifySummary      `json:"summary"`
	Results       []planner.VerifyResult `json:"results"`
}

// JSONVerifySummary counts the results by status.
type JSONVerifySummary struct {
	Match      int `json:"match"`
	Missing    int `json:"missing"`
	Different  int `json:"different"`
	TTLDiffers int `json:"ttl_differs"`
	Unknown    int `json:"unknown"`
	Errors     int `json:"errors"`
}

// VerifySummary counts results by status.
func VerifySummary(rs []planner.VerifyResult) JSONVerifySummary {
	var s JSONVerifySummary
	for _, r := range rs {
		switch r.Status {
		case planner.VerifyMatch:
			s.Match++
		case planner.VerifyMissing:
			s.Missing++
		case planner.VerifyDifferent:
			s.Different++
		case planner.VerifyTTL:
			s.TTLDiffers++
		case planner.VerifyUnknown:
			s.Unknown++
		case planner.VerifyError:
			s.Errors++
		}
	}
	return s
}

// VerifyToJSON builds the JSON report of verify results.
func VerifyToJSON(rs []planner.VerifyResult) JSONVerify {
	if rs == nil {
		rs = []planner.VerifyResult{}
	}
	return JSONVerify{FormatVersion: "1", Summary: VerifySummary(rs), Results: rs}
}

// RenderVerify prints one line per RRset and server, the live values of those that
// differ, and a summary line. Errors are listed last, each once.
func RenderVerify(w io.Writer, rs []planner.VerifyResult, col Colors) {
	seenErr := map[string]bool{}
	var errs []string
	for _, r := range rs {
		owner := r.Name + " " + r.Type
		if r.Name == "@" {
			owner = "@ " + r.Type
		}
		where := r.Zone
		if r.Server != "" {
			where += " @ " + r.Server
		}
		switch r.Status {
		case planner.VerifyMatch:
			fmt.Fprintf(w, "%s %s  %s (%s)\n", col.Green("✓"), r.Address, owner, where)
		case planner.VerifyUnknown:
			fmt.Fprintf(w, "? %s  %s (%s): records known after apply, not checked\n", r.Address, owner, where)
		case planner.VerifyMissing:
			fmt.Fprintf(w, "%s %s  %s (%s): missing\n", col.Red("✗"), r.Address, owner, where)
			writeRecords(w, "want", r.Want, r.WantTTL)
		case planner.VerifyDifferent:
			fmt.Fprintf(w, "%s %s  %s (%s): different\n", col.Red("✗"), r.Address, owner, where)
			writeRecords(w, "want", r.Want, r.WantTTL)
			writeRecords(w, "live", r.Live, r.LiveTTL)
		case planner.VerifyTTL:
			fmt.Fprintf(w, "%s %s  %s (%s): TTL %d, want %d\n", col.Yellow("~"), r.Address, owner, where, r.LiveTTL, r.WantTTL)
		case planner.VerifyError:
			fmt.Fprintf(w, "%s %s  %s (%s): not checked, error\n", col.Red("!"), r.Address, owner, r.Zone)
			if !seenErr[r.Error] {
				seenErr[r.Error] = true
				errs = append(errs, r.Error)
			}
		}
	}
	s := VerifySummary(rs)
	fmt.Fprintf(w, "\nVerify: %d match, %d missing, %d different, %d TTL differs", s.Match, s.Missing, s.Different, s.TTLDiffers)
	if s.Unknown > 0 {
		fmt.Fprintf(w, ", %d not known yet", s.Unknown)
	}
	if s.Errors > 0 {
		fmt.Fprintf(w, ", %d not checked", s.Errors)
	}
	fmt.Fprintln(w, ".")
	for _, e := range errs {
		fmt.Fprintln(w, col.Red("Error: ")+e)
	}
}

func writeRecords(w io.Writer, label string, recs []string, ttl int64) {
	if len(recs) == 0 {
		fmt.Fprintf(w, "    %s: (none)\n", label)
		return
	}
	quoted := make([]string, len(recs))
	for i, r := range recs {
		quoted[i] = fmt.Sprintf("%q", r)
	}
	fmt.Fprintf(w, "    %s (ttl %d): %s\n", label, ttl, strings.Join(quoted, ", "))
}
