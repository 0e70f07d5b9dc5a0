package dnspod

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

// TestBothSitesDefaultLine reads and writes on an account of each site: the default
// line is "默认" on one and "Default" on the other, LineId "0" on both; rows on
// other lines are left out.
func TestBothSitesDefaultLine(t *testing.T) {
	for _, site := range []string{dnspodapi.SiteChina, dnspodapi.SiteIntl} {
		t.Run(site, func(t *testing.T) {
			f := newFixture(t, dnspodapi.Options{Site: site}, "example.com")
			if _, err := f.fake.AddRecord("example.com", dnspodapi.Record{Name: "www", Type: "A", Value: "192.0.2.9", Line: "电信", LineID: "10=0"}); err != nil {
				t.Fatal(err)
			}
			p := f.provider(t)
			mx := rec("@", "MX", 600, "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com.")
			if _, err := p.Create(context.Background(), "dns_record", "mx", mx); err != nil {
				t.Fatal(err)
			}
			for _, row := range f.rows("example.com") {
				if row.Type == "MX" && (row.LineID != "0" || row.Line != dnspodapi.DefaultLineName(site)) {
					t.Fatalf("row %+v is not on the %s site's default line", row, site)
				}
			}
			live := read(t, p, "example.com")
			if len(live) != 1 || !sameRRset(live["example.com/@/MX"], mx) {
				t.Fatalf("Read = %v, want only the MX (the 电信 row is on another line)", live)
			}
			// An update writes by LineId too (the fake refuses the other site's name).
			want := rec("@", "MX", 600, "5 mxbiz1.qq.com.", "20 mx3.example.com.")
			if _, err := p.Update(context.Background(), "dns_record", "example.com/@/MX", live["example.com/@/MX"], want); err != nil {
				t.Fatal(err)
			}
			if got := read(t, p, "example.com")["example.com/@/MX"]; !sameRRset(got, want) {
				t.Fatalf("after update: %v", got)
			}
		})
	}
	// Rows that arrive without a LineId are matched on either site's name.
	for _, r := range []Row{{Line: "默认"}, {Line: "Default"}, {LineID: "0", Line: "whatever"}} {
		if !r.onDefaultLine() {
			t.Errorf("%+v is on the default line", r)
		}
	}
	for _, r := range []Row{{Line: "电信"}, {LineID: "10=0", Line: "默认"}} {
		if r.onDefaultLine() {
			t.Errorf("%+v is not on the default line", r)
		}
	}
}

// TestSiteChoosesTheEndpoint: site = "intl" talks to dnspod.intl.tencentcloudapi.com
// and signs for that host, which the API checks; an explicit endpoint wins.
func TestSiteChoosesTheEndpoint(t *testing.T) {
	fake := dnspodapi.New(dnspodapi.Options{Site: dnspodapi.SiteIntl, Credentials: map[string]string{testID: testKey}})
	fake.AddDomain("example.com")
	var mu sync.Mutex
	var hosts []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{Site: dnspodapi.SiteIntl, SecretID: testID, SecretKey: testKey, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c.url != IntlEndpoint || c.host != "dnspod.intl.tencentcloudapi.com" {
		t.Fatalf("site intl: url %s host %s", c.url, c.host)
	}
	// Every connection goes to the fake, whatever the URL's host.
	c.http.Transport = &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	if _, err := c.ListRecords(context.Background(), "example.com", "", ""); err != nil {
		t.Fatalf("a call signed for the intl host: %v", err)
	}
	if len(hosts) != 1 || hosts[0] != "dnspod.intl.tencentcloudapi.com" {
		t.Fatalf("requests went to hosts %v", hosts)
	}
	c2, err := NewClient(Config{SecretID: testID, SecretKey: testKey})
	if err != nil || c2.url != DefaultEndpoint {
		t.Fatalf("default site: %v %s", err, c2.url)
	}
	c3, err := NewClient(Config{Site: dnspodapi.SiteIntl, Endpoint: "http://127.0.0.1:9/", SecretID: testID, SecretKey: testKey})
	if err != nil || c3.host != "127.0.0.1:9" {
		t.Fatalf("explicit endpoint: %v %s", err, c3.host)
	}
	if _, err := NewClient(Config{Site: "eu", SecretID: testID, SecretKey: testKey}); err == nil || !strings.Contains(err.Error(), `"intl"`) {
		t.Fatalf("unknown site: %v", err)
	}
	p, err := New(model.Object{"site": "intl", "secret_id": "AKID", "secret_key": "k"}, providers.Env{})
	if err != nil || p.c.url != IntlEndpoint {
		t.Fatalf("provider block site = intl: %v", err)
	}
}

// TestValidateObjectTXT finds every TXT character DNSPod refuses or rewrites, names
// it and says why; values it stores verbatim, and other types, pass.
func TestValidateObjectTXT(t *testing.T) {
	p := &Provider{}
	cases := []struct {
		name    string
		obj     model.Object
		says    []string // one problem per entry, in order
		attrIsT bool
	}{
		{"clean SPF", rec("@", "TXT", 600, "v=spf1 include:spf.mail.qq.com ~all"), nil, false},
		{"long DKIM", rec("s._domainkey", "TXT", 600, dkim), nil, false},
		{"double quote", rec("_dmarc", "TXT", 600, `v=DMARC1; p=none; rua=mailto:"d"@example.com`), []string{`a double quote (")`}, false},
		{"escaped quote in zone-file form", rec("x", "TXT", 600, `"say \"hi\""`), []string{"a double quote"}, false},
		{"backslash", rec("x", "TXT", 600, `a\b`), []string{`a backslash (\)`}, false},
		{"single quote", rec("x", "TXT", 600, "it's"), []string{"a single quote (')"}, false},
		{"trailing space", rec("x", "TXT", 600, "v=spf1 -all "), []string{"ends in whitespace"}, false},
		{"two problems in one value", rec("x", "TXT", 600, "ok", `"a\\b" "c "`), []string{"a backslash", "ends in whitespace"}, false},
		{"quotes in CAA are fine", rec("@", "CAA", 600, `0 issue "letsencrypt.org"`), nil, false},
		{"apex NS", rec("@", "NS", 600, "ns1.example.net."), []string{"apex NS"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.ValidateObject("dns_record", c.obj)
			if len(got) != len(c.says) {
				t.Fatalf("%d problems, want %d: %+v", len(got), len(c.says), got)
			}
			for i, pr := range got {
				text := pr.Summary + " " + pr.Detail
				if !strings.Contains(text, c.says[i]) {
					t.Errorf("problem %q does not say %q", text, c.says[i])
				}
				wantAttr := "records"
				if c.attrIsT {
					wantAttr = "type"
				}
				if pr.Attr != wantAttr {
					t.Errorf("problem points at %q, want %q", pr.Attr, wantAttr)
				}
				if wantAttr == "records" && !strings.Contains(pr.Detail, "DNSPod") {
					t.Errorf("problem %q does not say why", pr.Detail)
				}
			}
		})
	}
	if got := p.ValidateObject("dns_record", model.Object{"zone": "example.com", "name": "x", "type": "TXT", "records": model.Unknown}); got != nil {
		t.Fatalf("unknown records: %+v", got)
	}
}

// TestLongTXTReadings runs a DKIM key longer than 255 bytes through each reading of
// what DNSPod does with it: kept whole, listed back in quoted 255-byte strings (both
// read back as the same value, so nothing is planned again), or refused (an error
// that says what to do, sent once).
func TestLongTXTReadings(t *testing.T) {
	obj := rec("s1._domainkey", "TXT", 600, dkim)
	for _, mode := range []dnspodapi.LongTXT{dnspodapi.LongTXTWhole, dnspodapi.LongTXTChunked} {
		f := newFixture(t, dnspodapi.Options{LongTXT: mode}, "example.com")
		p := f.provider(t)
		if _, err := p.Create(context.Background(), "dns_record", "dkim", obj); err != nil {
			t.Fatalf("mode %d: %v", mode, err)
		}
		stored := f.rows("example.com")[0].Value
		if mode == dnspodapi.LongTXTChunked && !strings.HasPrefix(stored, `"`) {
			t.Fatalf("the chunked reading stored %q", stored)
		}
		live := read(t, p, "example.com")["example.com/s1._domainkey/TXT"]
		if !sameRRset(live, obj) {
			t.Fatalf("mode %d: read back %v", mode, live)
		}
		// A write whose outcome is unknown is verified against the listed form.
		if !sameRow(Row{Name: "x", Type: "TXT", Value: stored}, Row{Name: "x", Type: "TXT", Value: dkim}) {
			t.Fatalf("mode %d: the stored form does not match the value", mode)
		}
	}
	f := newFixture(t, dnspodapi.Options{LongTXT: dnspodapi.LongTXTRefused}, "example.com")
	_, err := f.provider(t).Create(context.Background(), "dns_record", "dkim", obj)
	if !HasCode(err, dnspodapi.CodeRecordValueBad) || !strings.Contains(err.Error(), "-byte TXT value") || !strings.Contains(err.Error(), "rfc2136") {
		t.Fatalf("refused long TXT: %v", err)
	}
	if n := f.fake.Calls(dnspodapi.ActionCreateRecord); n != 1 || len(f.rows("example.com")) != 0 {
		t.Fatalf("%d CreateRecord calls, rows %+v", n, f.rows("example.com"))
	}
}

// TestCheckPlanTTLFloor reads each zone's plan and its MinTtl, and refuses a lower
// ttl naming the floor and the plan.
func TestCheckPlanTTLFloor(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, dnspodapi.Options{}, "example.com", "plus.example")
	if err := f.fake.SetGrade("plus.example", "DP_Plus"); err != nil {
		t.Fatal(err)
	}
	p := f.provider(t)
	in := func(addr, zone string, ttl int64) providers.Desired {
		o := rec("@", "TXT", ttl, "v=spf1 -all")
		o["zone"] = zone
		return providers.Desired{Address: addr, Type: "dns_record", Object: o}
	}
	got, err := p.CheckPlan(ctx, []providers.Desired{
		in("dns_record.a", "example.com", 300), in("dns_record.b", "example.com", 600),
		in("dns_record.c", "plus.example", 300), in("dns_record.d", "plus.example", 60),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Address != "dns_record.a" || got[1].Address != "dns_record.d" {
		t.Fatalf("problems %+v, want dns_record.a and dns_record.d", got)
	}
	for i, want := range []string{"free plan (DP_FREE): minimum TTL 600", "professional plan (DP_PLUS): minimum TTL 120"} {
		if !strings.Contains(got[i].Detail, want) || got[i].Attr != "ttl" {
			t.Errorf("problem %+v does not say %q", got[i], want)
		}
	}
	if d, pd := f.fake.Calls(dnspodapi.ActionDescribeDomain), f.fake.Calls(dnspodapi.ActionDescribePackageDetail); d != 2 || pd != 1 {
		t.Fatalf("%d DescribeDomain and %d DescribePackageDetail calls, want one per zone and one", d, pd)
	}
	if _, err := p.CheckPlan(ctx, []providers.Desired{in("dns_record.a", "example.com", 300)}); err != nil || f.fake.Calls("") != 3 {
		t.Fatalf("a second check should be answered from what was read: %v, %d calls", err, f.fake.Calls(""))
	}
	// A ttl left out is the default, 600, which the free plan allows.
	noTTL := in("dns_record.e", "example.com", 0)
	delete(noTTL.Object, "ttl")
	if got, err := p.CheckPlan(ctx, []providers.Desired{noTTL}); err != nil || len(got) != 0 {
		t.Fatalf("default ttl on the free plan: %+v, %v", got, err)
	}
	if _, err := p.CheckPlan(ctx, []providers.Desired{in("dns_record.x", "missing.example", 600)}); !HasCode(err, dnspodapi.CodeDomainNotExists) {
		t.Fatalf("a missing zone: %v", err)
	}
}

// TestPausedRows: a paused row is a note, not a value; an RRset of only paused rows is
// read only when it is known; writes enable a paused row of a wanted value instead of
// creating another, and a delete removes paused rows too.
func TestPausedRows(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	p := f.provider(t)
	mx := rec("@", "MX", 600, "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com.")
	if _, err := p.Create(ctx, "dns_record", "mx", mx); err != nil {
		t.Fatal(err)
	}
	var pausedID uint64
	for _, r := range f.rows("example.com") {
		if r.MX == 10 {
			pausedID = r.ID
		}
	}
	if err := f.fake.SetStatus("example.com", pausedID, dnspodapi.StatusDisable); err != nil {
		t.Fatal(err)
	}
	rs, err := p.Read(ctx, providers.ReadRequest{Type: "dns_record", Zones: []string{"example.com"}})
	if err != nil || len(rs) != 1 {
		t.Fatalf("Read = %+v, %v", rs, err)
	}
	if !sameRRset(rs[0].Attrs, rec("@", "MX", 600, "5 mxbiz1.qq.com.")) || len(rs[0].Notes) != 1 ||
		!strings.Contains(rs[0].Notes[0], `"10 mxbiz2.qq.com."`) || !strings.Contains(rs[0].Notes[0], "paused") {
		t.Fatalf("Read = %v notes %q", rs[0].Attrs, rs[0].Notes)
	}
	f.fake.ResetCalls()
	if _, err := p.Update(ctx, "dns_record", "example.com/@/MX", rs[0].Attrs, mx); err != nil {
		t.Fatal(err)
	}
	if c, m := f.fake.Calls(dnspodapi.ActionCreateRecord), f.fake.Calls(dnspodapi.ActionModifyRecord); c != 0 || m != 1 {
		t.Fatalf("%d creates and %d modifies, want the paused row enabled", c, m)
	}
	if live := read(t, p, "example.com")["example.com/@/MX"]; !sameRRset(live, mx) {
		t.Fatalf("after update: %v", live)
	}

	// Every row paused: unknown RRsets are not read, known ones are, with no records.
	for _, r := range f.rows("example.com") {
		_ = f.fake.SetStatus("example.com", r.ID, dnspodapi.StatusDisable)
	}
	if live := read(t, p, "example.com"); len(live) != 0 {
		t.Fatalf("an unknown RRset of paused rows was read: %v", live)
	}
	rs, err = p.Read(ctx, providers.ReadRequest{Type: "dns_record", Zones: []string{"example.com"}, Keys: []string{"example.com/@/MX"}})
	if err != nil || len(rs) != 1 || len(rs[0].Attrs.Strings("records")) != 0 || rs[0].Attrs.Int("ttl") != 600 || len(rs[0].Notes) != 2 {
		t.Fatalf("known paused RRset: %+v, %v", rs, err)
	}
	// A create of paused values (the plan saw nothing live) enables them.
	f.fake.ResetCalls()
	if _, err := p.Create(ctx, "dns_record", "mx", mx); err != nil {
		t.Fatal(err)
	}
	if live := read(t, p, "example.com")["example.com/@/MX"]; !sameRRset(live, mx) || len(f.rows("example.com")) != 2 {
		t.Fatalf("after create over paused rows: %v, rows %+v", live, f.rows("example.com"))
	}
	// Delete takes paused rows with it.
	_ = f.fake.SetStatus("example.com", pausedID, dnspodapi.StatusDisable)
	if err := p.Delete(ctx, "dns_record", "example.com/@/MX", rec("@", "MX", 600, "5 mxbiz1.qq.com.")); err != nil {
		t.Fatal(err)
	}
	if rows := f.rows("example.com"); len(rows) != 0 {
		t.Fatalf("rows left after delete: %+v", rows)
	}
}

// TestCreateOfAValueThatExists: DNSPod refuses a row whose value exists; when the row
// answers already (an earlier apply, not yet listed to the plan) the create is done,
// and its TTL is set.
func TestCreateOfAValueThatExists(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	if _, err := f.fake.AddRecord("example.com", dnspodapi.Record{Name: "@", Type: "TXT", Value: "v=spf1 -all", TTL: 3600}); err != nil {
		t.Fatal(err)
	}
	p := f.provider(t)
	if _, err := p.Create(context.Background(), "dns_record", "spf", rec("@", "TXT", 600, "v=spf1 -all")); err != nil {
		t.Fatal(err)
	}
	rows := f.rows("example.com")
	if len(rows) != 1 || rows[0].TTL != 600 {
		t.Fatalf("rows %+v, want the one row at TTL 600", rows)
	}
}

// TestListingWait: after a create the provider waits until DNSPod lists the new rows,
// so a read right after sees them; the wait is bounded by listing_wait.
func TestListingWait(t *testing.T) {
	ctx := context.Background()
	obj := rec("www", "A", 600, "192.0.2.1")
	f := newFixture(t, dnspodapi.Options{ListingDelay: 300 * time.Millisecond}, "example.com")
	p := NewWithClient(f.client(t, nil), 5*time.Second)
	if _, err := p.Create(ctx, "dns_record", "www", obj); err != nil {
		t.Fatal(err)
	}
	if live := read(t, p, "example.com"); !sameRRset(live["example.com/www/A"], obj) {
		t.Fatalf("read right after create: %v", live)
	}

	f = newFixture(t, dnspodapi.Options{ListingDelay: time.Hour}, "example.com")
	p = NewWithClient(f.client(t, nil), 200*time.Millisecond)
	start := time.Now()
	if _, err := p.Create(ctx, "dns_record", "www", obj); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the wait took %s, beyond listing_wait", d)
	}
	if live := read(t, p, "example.com"); len(live) != 0 {
		t.Fatalf("the fake listed a row inside its delay: %v", live)
	}
	// The plan would create it again; the repeated create is taken as done.
	if _, err := p.Create(ctx, "dns_record", "www", obj); err != nil {
		t.Fatalf("a repeated create of an unlisted row: %v", err)
	}
	if n := len(f.rows("example.com")); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}

	p = NewWithClient(f.client(t, nil), 0)
	f.fake.ResetCalls()
	if _, err := p.Create(ctx, "dns_record", "w2", rec("w2", "A", 600, "192.0.2.2")); err != nil || f.fake.Calls(dnspodapi.ActionDescribeRecordList) != 0 {
		t.Fatalf("listing_wait 0 should not list: %v, %d listings", err, f.fake.Calls(dnspodapi.ActionDescribeRecordList))
	}
}

// TestCreateOverAPausedRowWithALostAnswer: the answer to a create is lost and a paused
// row holds the value; the re-read must not take the paused row for the create done,
// and the row ends enabled, with no duplicate.
func TestCreateOverAPausedRowWithALostAnswer(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	id, err := f.fake.AddRecord("example.com", dnspodapi.Record{Name: "@", Type: "TXT", Value: "v=spf1 -all", Status: dnspodapi.StatusDisable})
	if err != nil {
		t.Fatal(err)
	}
	f.fake.Inject(dnspodapi.Fault{Action: dnspodapi.ActionCreateRecord, Drop: true})
	obj := rec("@", "TXT", 600, "v=spf1 -all")
	if _, err := f.provider(t).Create(context.Background(), "dns_record", "spf", obj); err != nil {
		t.Fatal(err)
	}
	rows := f.rows("example.com")
	if len(rows) != 1 || rows[0].ID != id || rows[0].Status != dnspodapi.StatusEnable {
		t.Fatalf("rows %+v, want row %d enabled", rows, id)
	}
}
