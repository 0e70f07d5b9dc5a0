// Command logs measures the log archive: it pulls a year of synthetic log rows from
// an in-process source (so the figure is the archive's write side; against the real
// API the rate limit dominates), then times a query of one account over the year
// and a full CSV export:
//
//	go run ./bench/logs -rows 1000000            # embedded archive
//	go run ./bench/logs -rows 1000000 -pg        # and PostgreSQL (a throwaway cluster)
//
// Target: the query by account over a year in at most 100 ms.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailform/mailform/logarchive"
	"github.com/mailform/mailform/state/pgtest"
	"github.com/mailform/mailform/views"
)

// source answers a fixed number of rows a day: mail among accounts, logins spread
// over units of many accounts each.
type source struct {
	perDay   int
	accounts int
	units    int
}

func (s *source) Window(now time.Time) (string, string) {
	d := now.Format("2006-01-02")
	return logarchive.AddDays(d, -365), logarchive.AddDays(d, -1)
}

func (s *source) Units(ctx context.Context) ([]string, error) {
	out := []string{"mail"}
	for i := 0; i < s.units; i++ {
		out = append(out, fmt.Sprintf("login:%d", i))
	}
	return out, nil
}

func (s *source) Windowed(string) bool { return false }

func (s *source) Fetch(ctx context.Context, date, _, unit string) ([]logarchive.Row, error) {
	t, _ := time.Parse("2006-01-02", date)
	base := t.Unix()
	var rows []logarchive.Row
	if unit == "mail" {
		n := s.perDay / 3
		for i := 0; i < n; i++ {
			rows = append(rows, logarchive.Row{Day: date, Kind: logarchive.KindMail, Time: base + int64(i*86400/n),
				Account: fmt.Sprintf("user%d@bench.example", (i*7+int(base/86400))%s.accounts),
				Peer:    fmt.Sprintf("partner%d@example.net", i%97), Subject: fmt.Sprintf("Report %d", i), Type: 1, Status: 3})
		}
		return rows, nil
	}
	var u int
	fmt.Sscanf(strings.TrimPrefix(unit, "login:"), "%d", &u)
	n := (s.perDay - s.perDay/3) / s.units
	for i := 0; i < n; i++ {
		acc := (u*n + i + int(base/86400)*13) % s.accounts
		rows = append(rows, logarchive.Row{Day: date, Kind: logarchive.KindLogin, Time: base + int64(i*86400/n),
			Account: fmt.Sprintf("user%d@bench.example", acc), IP: fmt.Sprintf("10.0.%d.%d", i%250, u%250), Type: 1 + i%5})
	}
	return rows, nil
}

func run(name string, s logarchive.Store, rows int) error {
	ctx := context.Background()
	src := &source{perDay: rows / 365, accounts: 5000, units: 20}
	now := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	start := time.Now()
	rep, err := logarchive.Pull(ctx, s, src, now, logarchive.PullOptions{Concurrency: 8})
	if err != nil {
		return err
	}
	pull := time.Since(start)
	fmt.Printf("%-8s pull:   %d rows, %d days in %s (%.0f rows/s)\n", name, rep.Added, len(rep.Sealed), pull.Round(time.Millisecond), float64(rep.Added)/pull.Seconds())

	start = time.Now()
	n := 0
	if err := logarchive.Query(ctx, s, logarchive.Filter{Account: "user42@bench.example"}, func(logarchive.Row) error { n++; return nil }); err != nil {
		return err
	}
	fmt.Printf("%-8s query:  one account over the year, %d rows in %s (target ≤ 100ms)\n", name, n, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	lw, err := views.NewLogWriter(io.Discard, "csv")
	if err != nil {
		return err
	}
	n = 0
	if err := logarchive.Query(ctx, s, logarchive.Filter{}, func(r logarchive.Row) error { n++; return lw.Write(r) }); err != nil {
		return err
	}
	if err := lw.Close(); err != nil {
		return err
	}
	fmt.Printf("%-8s export: CSV of %d rows in %s\n", name, n, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	vr, err := logarchive.Verify(ctx, s)
	if err != nil {
		return err
	}
	fmt.Printf("%-8s verify: %d days, %d problems in %s\n", name, vr.Days, len(vr.Problems), time.Since(start).Round(time.Millisecond))
	return nil
}

func main() {
	rows := flag.Int("rows", 1000000, "rows to archive over a year")
	withPG := flag.Bool("pg", false, "also measure the PostgreSQL archive on a throwaway cluster")
	flag.Parse()
	dir, err := os.MkdirTemp("", "mailform-bench-logs-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	b, err := logarchive.OpenBolt(filepath.Join(dir, logarchive.DefaultFile), time.Second)
	if err == nil {
		err = run("embedded", b, *rows)
		b.Close()
	}
	if err == nil && *withPG {
		var srv *pgtest.Server
		if srv, err = pgtest.Start(); err == nil {
			defer srv.Stop()
			var p *logarchive.PG
			if p, err = logarchive.OpenPG(logarchive.PGConfig{ConnStr: srv.ConnStr()}); err == nil {
				err = run("pg", p, *rows)
				p.Close()
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/logs:", err)
		os.Exit(1)
	}
}
