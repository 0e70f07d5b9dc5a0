package milter

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/providers/postfix"
)

// decideTime returns the sum (seconds) and count of the server's
// mailform_milter_processing_seconds: the time spent deciding at end of message.
func decideTime(b *testing.B, r *running) (float64, uint64) {
	fams, err := r.srv.metrics.reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "mailform_milter_processing_seconds" {
			h := f.GetMetric()[0].GetHistogram()
			return h.GetSampleSum(), h.GetSampleCount()
		}
	}
	b.Fatal("no mailform_milter_processing_seconds")
	return 0, 0
}

// BenchmarkMilterMessage is the milter's own cost per message: one milter session
// over loopback as Postfix opens it (connect, HELO, MAIL, RCPT, headers, body, end
// of message), with the rules loaded from PostgreSQL. pdf is matched and copied (the
// body is parsed for attachments); plain is read and passed.
func BenchmarkMilterMessage(b *testing.B) {
	dsn, _ := company(b)
	r := startServer(b, Config{DatabaseURL: dsn})
	r.waitLoads(b, 1)
	addr := r.srv.Addr().String()
	for _, c := range []struct {
		name, raw string
		copies    int
	}{{"pdf", withPDF, 1}, {"plain", plain, 0}} {
		b.Run(c.name, func(b *testing.B) {
			sum0, n0 := decideTime(b, r)
			start := time.Now()
			for i := 0; i < b.N; i++ {
				added, _ := exchange(b, addr, "dan@harbour.test", []string{"x@partner.example"}, c.raw)
				if len(added) != c.copies {
					b.Fatalf("added %v", added)
				}
			}
			elapsed := time.Since(start)
			sum1, n1 := decideTime(b, r)
			b.ReportMetric(float64(elapsed.Microseconds())/float64(b.N), "µs/session")
			b.ReportMetric((sum1-sum0)*1e6/float64(n1-n0), "µs/decision")
		})
	}
}

// BenchmarkLoadRules is one reload at scale: 10,000 mailboxes with an alias each in
// 100 departments, 100 department groups, and 1,000 rules (each a department and an
// account), read and expanded in one snapshot.
func BenchmarkLoadRules(b *testing.B) {
	dsn := newDB(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := postfix.Migrate(ctx, conn); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO domain (domain) VALUES ('big.test')`,
		`INSERT INTO mailform_department (name) SELECT 'd' || g FROM generate_series(1, 100) g`,
		`INSERT INTO mailbox (username, local_part, domain) SELECT 'u' || g || '@big.test', 'u' || g, 'big.test' FROM generate_series(1, 10000) g`,
		`INSERT INTO alias (address, goto, domain) SELECT username, username, 'big.test' FROM mailbox`,
		`INSERT INTO alias (address, goto, domain) SELECT 'a' || g || '@big.test', 'u' || g || '@big.test', 'big.test' FROM generate_series(1, 10000) g`,
		`INSERT INTO mailform_account_department (username, department_id) SELECT 'u' || g || '@big.test', g % 100 + 1 FROM generate_series(1, 10000) g`,
		`INSERT INTO mailform_group (address, name) SELECT 'dept' || g || '@big.test', 'd' || g FROM generate_series(1, 100) g`,
		`INSERT INTO mailform_group_member (address, kind, value) SELECT 'dept' || g || '@big.test', 'department', g::text FROM generate_series(1, 100) g`,
		`INSERT INTO alias (address, goto, domain) SELECT 'dept' || department_id || '@big.test', string_agg(username, ',' ORDER BY username), 'big.test'
			FROM mailform_account_department GROUP BY department_id`,
		`INSERT INTO mailform_backup_rule (label, destination, accounts, departments, direction)
			SELECT 'r' || g, 'u1@big.test', ARRAY['u' || g || '@big.test'], ARRAY[(g % 100 + 1)::text], 'both' FROM generate_series(1, 1000) g`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		set, err := postfix.LoadBackupRules(ctx, conn)
		if err != nil {
			b.Fatal(err)
		}
		if len(set.Rules) != 1000 || len(set.Rules[0].Recipients) < 100 {
			b.Fatalf("%d rules, first covers %d recipient addresses", len(set.Rules), len(set.Rules[0].Recipients))
		}
	}
}
