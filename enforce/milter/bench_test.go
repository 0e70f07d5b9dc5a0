package milter

import (
	"testing"
	"time"
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
