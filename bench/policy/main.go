// Command policy measures `mailform policy-server`: it starts a throwaway
// PostgreSQL cluster, writes a mail database with 1,000 send_restriction rules (and
// restricted groups, departments and mailboxes for them to cover), starts the real
// mailform binary on it and sends policy requests over TCP as Postfix's smtpd
// processes do (one connection each, requests one after another), then prints the
// decisions per second and the latency percentiles:
//
//	go run ./bench/policy                       # 10,000 requests over 8 connections
//	go run ./bench/policy -requests 100000 -conns 16
//
// Target: at least 5,000 decisions/s and a 99th percentile of at most 2 ms.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/providers/postfix"
	"github.com/mailform/mailform/state/pgtest"
)

func main() {
	requests := flag.Int("requests", 10000, "policy requests to send")
	conns := flag.Int("conns", 8, "concurrent connections (Postfix smtpd processes)")
	rules := flag.Int("rules", 1000, "send_restriction rules to load")
	flag.Parse()
	if err := run(*requests, *conns, *rules); err != nil {
		fmt.Fprintln(os.Stderr, "bench/policy:", err)
		os.Exit(1)
	}
}

func run(requests, conns, rules int) error {
	pg, err := pgtest.Start()
	if err != nil {
		return err
	}
	defer pg.Stop()
	ctx := context.Background()
	dsn := pg.ConnStr()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := postfix.Migrate(ctx, conn); err != nil {
		return err
	}
	t0 := time.Now()
	if err := seed(ctx, conn, rules); err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	fmt.Printf("seeded %d send_restriction rules, %d restricted groups, %d departments, %d mailboxes in %s\n",
		rules, rules/5, rules/2, rules*5, time.Since(t0).Round(time.Millisecond))

	dir, err := os.MkdirTemp("", "mailform-bench-policy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "mailform")
	build := exec.Command("go", "build", "-o", bin, "./cmd/mailform")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building mailform (run from the repository root): %v\n%s", err, out)
	}
	addr, metrics := freeAddr(), freeAddr()
	srv := exec.Command(bin, "policy-server", "--listen", addr, "--metrics-listen", metrics, "--log-format", "json")
	srv.Env = append(os.Environ(), postfix.DatabaseURLEnv+"="+dsn)
	logf, err := os.Create(filepath.Join(dir, "policy.log"))
	if err != nil {
		return err
	}
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	if err := waitLoaded(metrics, rules+rules/5, 60*time.Second); err != nil {
		b, _ := os.ReadFile(logf.Name())
		return fmt.Errorf("%v\n%s", err, b)
	}

	reqs := workload(requests, rules)
	lat := make([]time.Duration, len(reqs))
	kinds := make([]map[string]int, conns)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	start := time.Now()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		kinds[w] = map[string]int{}
		go func(w int) {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Minute))
			r := bufio.NewReader(c)
			for i := w; i < len(reqs); i += conns {
				t := time.Now()
				if _, err := io.WriteString(c, reqs[i]); err != nil {
					errs <- err
					return
				}
				line, err := r.ReadString('\n')
				if err == nil {
					_, err = r.ReadString('\n')
				}
				if err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(t)
				action, _, _ := strings.Cut(strings.TrimPrefix(line, "action="), " ")
				kinds[w][strings.TrimSpace(action)]++
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	total := map[string]int{}
	for _, k := range kinds {
		for a, n := range k {
			total[a] += n
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	rate := float64(len(reqs)) / elapsed.Seconds()
	fmt.Printf("%d requests over %d connections with %d rules loaded in %s\n", len(reqs), conns, rules, elapsed.Round(time.Millisecond))
	fmt.Printf("decisions/s %8.0f   (target >= 5000: %s)\n", rate, verdict(rate >= 5000))
	fmt.Printf("latency p50 %8s   p99 %s (target <= 2ms: %s)   max %s\n", pct(0.5).Round(time.Microsecond),
		pct(0.99).Round(time.Microsecond), verdict(pct(0.99) <= 2*time.Millisecond), lat[len(lat)-1].Round(time.Microsecond))
	fmt.Printf("answers     %v\n", total)
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// seed writes rules mailboxes (5 per rule), rules/2 departments and rules
// send_restriction rules: half cover a department, half five accounts and a group;
// every fifth group is members-only.
func seed(ctx context.Context, c *pgx.Conn, rules int) error {
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	q := func(sql string, args ...any) {
		if err == nil {
			_, err = tx.Exec(ctx, sql, args...)
		}
	}
	q(`INSERT INTO domain (domain) VALUES ('bench.test')`)
	q(`INSERT INTO mailform_department (id, name) SELECT g, 'dept' || g FROM generate_series(1, $1) g`, rules/2)
	q(`INSERT INTO mailbox (username, name, maildir, local_part, domain)
		SELECT 'user' || g || '@bench.test', 'User ' || g, 'bench.test/user' || g || '/', 'user' || g, 'bench.test'
		FROM generate_series(0, $1 - 1) g`, rules*5)
	q(`INSERT INTO mailform_account_department (username, department_id)
		SELECT 'user' || g || '@bench.test', 1 + g % ($2 / 2) FROM generate_series(0, $1 - 1) g`, rules*5, rules)
	q(`INSERT INTO mailform_group (address, name, senders)
		SELECT 'group' || g || '@bench.test', 'Group ' || g, 'members' FROM generate_series(0, $1 - 1) g`, rules/5)
	q(`INSERT INTO mailform_group_member (address, kind, value)
		SELECT 'group' || (g % ($2 / 5)) || '@bench.test', 'member', 'user' || g || '@bench.test' FROM generate_series(0, $1 - 1) g`, rules*5, rules)
	q(`INSERT INTO alias (address, goto, domain) SELECT address, 'user0@bench.test', 'bench.test' FROM mailform_group`)
	q(`INSERT INTO mailform_send_restriction (name, external, max_recipients, max_attachment_mb)
		SELECT 'rule' || g, 'deny', 100, 10 FROM generate_series(0, $1 - 1) g`, rules)
	q(`INSERT INTO mailform_send_restriction_entry (name, kind, value)
		SELECT 'rule' || g, 'department', (1 + g % ($1 / 2))::text FROM generate_series(0, $1 - 1, 2) g`, rules)
	q(`INSERT INTO mailform_send_restriction_entry (name, kind, value)
		SELECT 'rule' || (g / 5 * 2 + 1), 'account', 'user' || g || '@bench.test' FROM generate_series(0, $1 * 5 / 2 - 1) g`, rules)
	q(`INSERT INTO mailform_send_restriction_entry (name, kind, value)
		SELECT 'rule' || g, 'group', 'group' || (g % ($1 / 5)) || '@bench.test' FROM generate_series(1, $1 - 1, 2) g`, rules)
	q(`INSERT INTO mailform_send_restriction_entry (name, kind, value)
		SELECT 'rule' || g, 'domain', 'partner' || (g % 50) || '.test' FROM generate_series(0, $1 - 1) g`, rules)
	if err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// workload is n requests as Postfix sends them: RCPT to external, partner and
// internal recipients and to groups, and END-OF-MESSAGE with counts and sizes.
func workload(n, rules int) []string {
	out := make([]string, n)
	for i := range out {
		user := fmt.Sprintf("user%d@bench.test", (i*7919)%(rules*5))
		var b strings.Builder
		b.WriteString("request=smtpd_access_policy\nprotocol_name=ESMTP\nclient_address=127.0.0.1\nclient_name=localhost\n")
		fmt.Fprintf(&b, "sasl_method=PLAIN\nsasl_username=%s\nsender=%s\ninstance=%x.%d\n", user, user, i, i)
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "protocol_state=RCPT\nrecipient=someone%d@elsewhere.test\nrecipient_count=0\nsize=0\n", i)
		case 1:
			fmt.Fprintf(&b, "protocol_state=RCPT\nrecipient=ap@partner%d.test\nrecipient_count=0\nsize=0\n", i%50)
		case 2:
			fmt.Fprintf(&b, "protocol_state=RCPT\nrecipient=group%d@bench.test\nrecipient_count=0\nsize=0\n", i%(rules/5))
		case 3:
			fmt.Fprintf(&b, "protocol_state=END-OF-MESSAGE\nrecipient=\nrecipient_count=%d\nsize=%d\n", 1+i%150, 1000+i*997%(20<<20))
		}
		b.WriteString("\n")
		out[i] = b.String()
	}
	return out
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitLoaded polls /metrics until the server reports want rules loaded.
func waitLoaded(metrics string, want int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	line := fmt.Sprintf("mailform_policy_rules %d", want)
	c := http.Client{Timeout: 2 * time.Second}
	for {
		if r, err := c.Get("http://" + metrics + "/metrics"); err == nil {
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if strings.Contains(string(b), line+"\n") {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the policy server did not report %q within %s", line, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
