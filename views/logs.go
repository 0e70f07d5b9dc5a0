package views

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mailform/mailform/logarchive"
)

// LogLocation is the zone log times are shown in: the service's, China.
var LogLocation = time.FixedZone("CST", 8*3600)

// RenderPullDay prints one line about a day a pull sealed.
func RenderPullDay(w io.Writer, d logarchive.Day, added int) {
	switch d.Status {
	case logarchive.DayGap:
		fmt.Fprintf(w, "%s  gap: the API no longer answers this day; its logs are lost to the archive\n", d.Date)
		return
	case logarchive.DayPartial:
		fmt.Fprintf(w, "%s  gap: the API no longer answers this day; %d rows fetched before are kept, the rest is lost\n", d.Date, d.Rows)
		return
	}
	fmt.Fprintf(w, "%s  %d rows (%d new)\n", d.Date, d.Rows, added)
}

// RenderPullReport prints the summary of a pull.
func RenderPullReport(w io.Writer, rep logarchive.PullReport, pruned int, prunedBefore string) {
	if len(rep.Sealed) == 0 {
		fmt.Fprintln(w, "The archive is up to date: no complete day to pull.")
	} else {
		fmt.Fprintf(w, "Pulled %d days, %s to %s: %d new rows.\n", len(rep.Sealed), rep.Sealed[0].Date, rep.Sealed[len(rep.Sealed)-1].Date, rep.Added)
	}
	if len(rep.Gaps) > 0 {
		fmt.Fprintf(w, "Gaps: %d days (%s) were no longer answerable; pull at least every 4 weeks to keep every day.\n", len(rep.Gaps), dateRanges(rep.Gaps))
	}
	if pruned > 0 {
		fmt.Fprintf(w, "Pruned %d days before %s (logs { retain_days }).\n", pruned, prunedBefore)
	}
}

// dateRanges writes consecutive dates as "first…last" ranges.
func dateRanges(dates []string) string {
	var parts []string
	for i := 0; i < len(dates); {
		j := i
		for j+1 < len(dates) && logarchive.AddDays(dates[j], 1) == dates[j+1] {
			j++
		}
		if i == j {
			parts = append(parts, dates[i])
		} else {
			parts = append(parts, dates[i]+"…"+dates[j])
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// RenderLogsVerify prints the outcome of logs verify.
func RenderLogsVerify(w io.Writer, rep logarchive.VerifyReport) {
	if rep.Days == 0 {
		fmt.Fprintln(w, "The archive is empty: run mailform logs pull.")
		return
	}
	fmt.Fprintf(w, "%d days (%s to %s), %d rows", rep.Days, rep.First, rep.Last, rep.Rows)
	if len(rep.Gaps) > 0 {
		fmt.Fprintf(w, ", %d gap days (%s)", len(rep.Gaps), dateRanges(rep.Gaps))
	}
	fmt.Fprintln(w, ".")
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "%s  %s\n", p.Date, p.Detail)
	}
	if len(rep.Problems) == 0 {
		fmt.Fprintln(w, "Every day's hash matches its rows and the chain is unbroken.")
	} else {
		fmt.Fprintf(w, "The archive is NOT intact: %d problems.\n", len(rep.Problems))
	}
}

// LogColumns are the columns of a CSV export and of query output.
var LogColumns = []string{"time", "day", "kind", "account", "peer", "ip", "operator", "type", "status", "subject", "remark"}

func logFields(r logarchive.Row) []string {
	return []string{time.Unix(r.Time, 0).In(LogLocation).Format(time.RFC3339), r.Day, r.Kind, r.Account, r.Peer, r.IP,
		r.Operator, strconv.Itoa(r.Type), strconv.Itoa(r.Status), r.Subject, r.Remark}
}

// LogWriter writes rows one at a time in a format: "table", "csv" or "jsonl".
type LogWriter struct {
	format string
	buf    *bufio.Writer
	csv    *csv.Writer
	n      int
}

// NewLogWriter returns a writer of format to w, or an error naming the formats.
func NewLogWriter(w io.Writer, format string) (*LogWriter, error) {
	lw := &LogWriter{format: format, buf: bufio.NewWriterSize(w, 64<<10)}
	switch format {
	case "csv":
		lw.csv = csv.NewWriter(lw.buf)
		if err := lw.csv.Write(LogColumns); err != nil {
			return nil, err
		}
	case "jsonl", "table":
	default:
		return nil, fmt.Errorf("-format %q is not csv or jsonl", format)
	}
	return lw, nil
}

// Write writes one row.
func (lw *LogWriter) Write(r logarchive.Row) error {
	lw.n++
	switch lw.format {
	case "csv":
		return lw.csv.Write(logFields(r))
	case "jsonl":
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		b = append(b, '\n')
		_, err = lw.buf.Write(b)
		return err
	}
	f := logFields(r)
	detail := f[9]
	if detail == "" {
		detail = f[10]
	}
	_, err := fmt.Fprintf(lw.buf, "%s  %-9s %-28s %-28s %-15s %-24s type=%s status=%s %s\n",
		f[0], f[2], f[3], f[4], f[5], f[6], f[7], f[8], detail)
	return err
}

// Close flushes the output and, for a table, prints the count.
func (lw *LogWriter) Close() error {
	if lw.csv != nil {
		lw.csv.Flush()
		if err := lw.csv.Error(); err != nil {
			return err
		}
	}
	if lw.format == "table" {
		fmt.Fprintf(lw.buf, "%d rows.\n", lw.n)
	}
	return lw.buf.Flush()
}
