package dnspod

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

const dkim = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwz5Yt0r6mhAqD3nUr0f7Yy8eWc1k8JxKx7oQ4W2G" +
	"Rj7bQnD2aH2mD7Tq0Z0u5yC1n3Jk8Xo6Ux0eX0QkHqD5H3m1s7yXWqg4C2m7yKb3VQfKp3sE4w1d0n5t6cJ1mQ2Z8bQ9f3Qx1zH0k2mL4p7r" +
	"T8s9u0v1w2x3y4z5A6B7C8D9E0F1G2H3I4J5K6L7M8N9O0P1Q2R3S4T5U6V7W8X9Y0Z1a2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7q8r9s0t1u2v3w4x5y6z7AQAB"

func rec(name, typ string, ttl int64, records ...string) model.Object {
	return model.Object{"zone": "example.com", "name": name, "type": typ, "ttl": ttl, "records": records}
}

// read returns the provider's view of zone by RRset key.
func read(t *testing.T, p *Provider, zones ...string) map[string]model.Object {
	t.Helper()
	rs, err := p.Read(context.Background(), providers.ReadRequest{Type: "dns_record", Zones: zones})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]model.Object{}
	for _, r := range rs {
		out[r.ID] = r.Attrs
	}
	return out
}

func sameRRset(a, b model.Object) bool {
	ca, cb := model.Canonical(model.DNSRecord, a), model.Canonical(model.DNSRecord, b)
	return len(model.Diff(model.DNSRecord, ca, cb, nil)) == 0
}

// TestCreateReadEveryType creates one RRset of each type through the API and reads it
// back in canonical form, and checks the rows DNSPod holds.
func TestCreateReadEveryType(t *testing.T) {
	cases := []struct {
		obj  model.Object
		rows []string // "value|MX" of each row, sorted
	}{
		{rec("@", "A", 600, "192.0.2.1", "192.0.2.2"), []string{"192.0.2.1|0", "192.0.2.2|0"}},
		{rec("www", "AAAA", 1200, "2001:db8::1"), []string{"2001:db8::1|0"}},
		{rec("mail", "CNAME", 600, "exmail.qq.com."), []string{"exmail.qq.com.|0"}},
		{rec("@", "MX", 600, "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."), []string{"mxbiz1.qq.com.|5", "mxbiz2.qq.com.|10"}},
		{rec("@", "TXT", 600, "v=spf1 include:spf.mail.qq.com ~all"), []string{"v=spf1 include:spf.mail.qq.com ~all|0"}},
		{rec("s1._domainkey", "TXT", 600, dkim), []string{dkim + "|0"}},
		{rec("_dmarc", "TXT", 600, `v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com`), []string{`v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com|0`}},
		{rec("txt", "TXT", 600, `"part one " "and two"`), []string{`part one and two|0`}},
		{rec("_sip._tcp", "SRV", 600, "10 5 5060 sip.example.com."), []string{"10 5 5060 sip.example.com.|0"}},
		{rec("@", "CAA", 600, `0 issue "letsencrypt.org"`), []string{`0 issue "letsencrypt.org"|0`}},
		{rec("sub", "NS", 3600, "ns1.other.example.", "ns2.other.example."), []string{"ns1.other.example.|0", "ns2.other.example.|0"}},
	}
	if len(dkim) <= 255 {
		t.Fatal("the DKIM value must be longer than one TXT string")
	}
	for _, c := range cases {
		key := model.RRsetKey("example.com", c.obj.Str("name"), c.obj.Str("type"))
		t.Run(key, func(t *testing.T) {
			f := newFixture(t, dnspodapi.Options{}, "example.com")
			p := f.provider(t)
			r, err := p.Create(context.Background(), "dns_record", "x", c.obj)
			if err != nil {
				t.Fatal(err)
			}
			if r.ID != key || !sameRRset(r.Attrs, c.obj) {
				t.Fatalf("Create returned %s %v", r.ID, r.Attrs)
			}
			var rows []string
			for _, row := range f.rows("example.com") {
				rows = append(rows, row.Value+"|"+strconv.FormatUint(row.MX, 10))
				if row.TTL != uint64(c.obj.Int("ttl")) || row.LineID != dnspodapi.DefaultLineID || row.Status != dnspodapi.StatusEnable {
					t.Errorf("row %+v: wrong TTL or line", row)
				}
			}
			slices.Sort(rows)
			if !slices.Equal(rows, c.rows) {
				t.Fatalf("DNSPod holds rows\n%q\nwant\n%q", rows, c.rows)
			}
			if n := f.fake.Calls(dnspodapi.ActionCreateRecord); n != len(c.rows) {
				t.Errorf("%d CreateRecord calls for %d values", n, len(c.rows))
			}
			live := read(t, p, "example.com")
			if len(live) != 1 || !sameRRset(live[key], c.obj) {
				t.Fatalf("Read = %v, want only %s = %v", live, key, c.obj)
			}
		})
	}
}

// TestReadQuirks reads rows made in the console: values without trailing dots, the
// apex NS rows, rows split by resolver line and URL forwarding rows.
func TestReadQuirks(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	add := func(r dnspodapi.Record) {
		if _, err := f.fake.AddRecord("example.com", r); err != nil {
			t.Fatal(err)
		}
	}
	add(dnspodapi.Record{Name: "@", Type: "MX", Value: "MXBIZ1.qq.com", MX: 5, TTL: 600})
	add(dnspodapi.Record{Name: "@", Type: "MX", Value: "mxbiz2.qq.com.", MX: 10, TTL: 300})
	add(dnspodapi.Record{Name: "www", Type: "CNAME", Value: "example.net", TTL: 600})
	add(dnspodapi.Record{Name: "www", Type: "CNAME", Value: "cdn.example.net.", Line: "电信", TTL: 600})
	add(dnspodapi.Record{Name: "go", Type: "URL", Value: "https://example.net/", TTL: 600})
	add(dnspodapi.Record{Name: "_sip._tcp", Type: "SRV", Value: "10 5 5060 sip.example.com", TTL: 600})
	live := read(t, f.provider(t), "example.com")
	want := map[string]model.Object{
		"example.com/@/MX":          rec("@", "MX", 300, "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."),
		"example.com/www/CNAME":     rec("www", "CNAME", 600, "example.net."),
		"example.com/_sip._tcp/SRV": rec("_sip._tcp", "SRV", 600, "10 5 5060 sip.example.com."),
	}
	if len(live) != len(want) {
		t.Fatalf("Read = %v, want %v", live, want)
	}
	for k, w := range want {
		if !sameRRset(live[k], w) {
			t.Errorf("%s = %v, want %v", k, live[k], w)
		}
	}
}

func TestReadEmptyAndMissingZones(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "empty.example", "nsonly.example")
	for _, r := range f.fake.Records("empty.example") {
		if err := f.fake.RemoveRecord("empty.example", r.ID); err != nil {
			t.Fatal(err)
		}
	}
	p := f.provider(t)
	if live := read(t, p, "empty.example", "nsonly.example"); len(live) != 0 {
		t.Fatalf("Read of empty zones = %v", live)
	}
	_, err := p.Read(context.Background(), providers.ReadRequest{Type: "dns_record", Zones: []string{"nsonly.example", "missing.example"}})
	if !HasCode(err, dnspodapi.CodeDomainNotExists) || !strings.Contains(err.Error(), "zone missing.example") || !strings.Contains(err.Error(), "add the zone") {
		t.Fatalf("Read of a missing zone: %v", err)
	}
	if _, err := p.Read(context.Background(), providers.ReadRequest{Type: "account"}); err == nil {
		t.Fatal("Read of accounts succeeded")
	}
}

// TestUpdate checks that an update touches only the rows that change.
func TestUpdate(t *testing.T) {
	mx := rec("@", "MX", 600, "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com.")
	cases := []struct {
		name                   string
		desired                model.Object
		modify, create, delete int
	}{
		{"one value changes", rec("@", "MX", 600, "5 mxbiz1.qq.com.", "20 mx3.example.com."), 1, 0, 0},
		{"a value is added", rec("@", "MX", 600, "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com.", "30 backup.example.com."), 0, 1, 0},
		{"a value is removed", rec("@", "MX", 600, "5 mxbiz1.qq.com."), 0, 0, 1},
		{"the TTL changes", rec("@", "MX", 3600, "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."), 2, 0, 0},
		{"all values change and one goes", rec("@", "MX", 600, "1 new.example.com."), 1, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, dnspodapi.Options{}, "example.com")
			p := f.provider(t)
			if _, err := p.Create(context.Background(), "dns_record", "mx", mx); err != nil {
				t.Fatal(err)
			}
			prior := read(t, p, "example.com")["example.com/@/MX"]
			f.fake.ResetCalls()
			r, err := p.Update(context.Background(), "dns_record", "example.com/@/MX", prior, c.desired)
			if err != nil {
				t.Fatal(err)
			}
			if !sameRRset(r.Attrs, c.desired) {
				t.Fatalf("Update returned %v", r.Attrs)
			}
			got := [3]int{f.fake.Calls(dnspodapi.ActionModifyRecord), f.fake.Calls(dnspodapi.ActionCreateRecord), f.fake.Calls(dnspodapi.ActionDeleteRecord)}
			if want := [3]int{c.modify, c.create, c.delete}; got != want {
				t.Errorf("modify/create/delete calls = %v, want %v", got, want)
			}
			if live := read(t, p, "example.com")["example.com/@/MX"]; !sameRRset(live, c.desired) {
				t.Fatalf("after the update DNSPod holds %v, want %v", live, c.desired)
			}
		})
	}
}

// TestChangedSincePlan changes an RRset "in the console" between the plan's read and
// the update or delete: nothing is written and the error says to plan again.
func TestChangedSincePlan(t *testing.T) {
	for _, op := range []string{"update", "delete"} {
		t.Run(op, func(t *testing.T) {
			f := newFixture(t, dnspodapi.Options{}, "example.com")
			p := f.provider(t)
			if _, err := p.Create(context.Background(), "dns_record", "spf", rec("@", "TXT", 600, "v=spf1 -all")); err != nil {
				t.Fatal(err)
			}
			prior := read(t, p, "example.com")["example.com/@/TXT"]
			row := f.rows("example.com")[0]
			if err := f.fake.SetRecord("example.com", row.ID, "v=spf1 include:evil.example -all", 600); err != nil {
				t.Fatal(err)
			}
			f.fake.ResetCalls()
			var err error
			if op == "update" {
				_, err = p.Update(context.Background(), "dns_record", "example.com/@/TXT", prior, rec("@", "TXT", 600, "v=spf1 include:spf.mail.qq.com -all"))
			} else {
				err = p.Delete(context.Background(), "dns_record", "example.com/@/TXT", prior)
			}
			if !errors.Is(err, providers.ErrChangedSincePlan) || !strings.Contains(err.Error(), "zone example.com changed since plan; run plan again") ||
				!strings.Contains(err.Error(), "evil.example") {
				t.Fatalf("want a changed-since-plan error naming the zone and the live value, got %v", err)
			}
			if n := f.fake.Calls(dnspodapi.ActionModifyRecord) + f.fake.Calls(dnspodapi.ActionDeleteRecord) + f.fake.Calls(dnspodapi.ActionCreateRecord); n != 0 {
				t.Fatalf("%d writes after the change was detected", n)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	p := f.provider(t)
	obj := rec("@", "A", 600, "192.0.2.1", "192.0.2.2", "192.0.2.3")
	if _, err := p.Create(context.Background(), "dns_record", "a", obj); err != nil {
		t.Fatal(err)
	}
	prior := read(t, p, "example.com")["example.com/@/A"]
	if err := p.Delete(context.Background(), "dns_record", "example.com/@/A", prior); err != nil {
		t.Fatal(err)
	}
	if rows := f.rows("example.com"); len(rows) != 0 {
		t.Fatalf("rows left: %+v", rows)
	}
	if n := f.fake.Calls(dnspodapi.ActionDeleteRecord); n != 3 {
		t.Errorf("%d DeleteRecord calls, want one per row", n)
	}
	if len(f.fake.Records("example.com")) != 2 {
		t.Error("the apex NS rows were touched")
	}
	err := p.Delete(context.Background(), "dns_record", "example.com/@/A", nil)
	if !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("Delete of a gone RRset: %v", err)
	}
}

// TestWritesUnderFaults runs create, update and delete with throttling, internal
// errors and dropped answers on every write and checks the end state has no
// duplicate rows.
func TestWritesUnderFaults(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	p := f.provider(t)
	ctx := context.Background()
	for _, a := range []string{dnspodapi.ActionCreateRecord, dnspodapi.ActionModifyRecord, dnspodapi.ActionDeleteRecord} {
		f.fake.Inject(dnspodapi.Fault{Action: a, Code: dnspodapi.CodeRequestLimit})
		f.fake.Inject(dnspodapi.Fault{Action: a, Drop: true})
		f.fake.Inject(dnspodapi.Fault{Action: a, Code: dnspodapi.CodeInternalError, AfterWrite: true})
	}
	v1 := rec("@", "MX", 600, "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com.", "20 mx3.example.com.")
	if _, err := p.Create(ctx, "dns_record", "mx", v1); err != nil {
		t.Fatal(err)
	}
	if rows := f.rows("example.com"); len(rows) != 3 {
		t.Fatalf("after create: %d rows, want 3: %+v", len(rows), rows)
	}
	// Value 1: throttled, then sent again and dropped, then found by a re-read;
	// value 2: internal error after acting, found by a re-read; value 3: clean. One
	// more listing confirms the new rows are listed.
	if c, l := f.fake.Calls(dnspodapi.ActionCreateRecord), f.fake.Calls(dnspodapi.ActionDescribeRecordList); c != 4 || l != 3 {
		t.Fatalf("%d CreateRecord and %d DescribeRecordList calls, want 4 and 3", c, l)
	}
	v2 := rec("@", "MX", 600, "5 mxbiz1.qq.com.", "30 mx4.example.com.")
	if _, err := p.Update(ctx, "dns_record", "example.com/@/MX", v1, v2); err != nil {
		t.Fatal(err)
	}
	if live := read(t, p, "example.com")["example.com/@/MX"]; !sameRRset(live, v2) || len(f.rows("example.com")) != 2 {
		t.Fatalf("after update: %v, rows %+v", live, f.rows("example.com"))
	}
	if err := p.Delete(ctx, "dns_record", "example.com/@/MX", v2); err != nil {
		t.Fatal(err)
	}
	if rows := f.rows("example.com"); len(rows) != 0 {
		t.Fatalf("after delete: %+v", rows)
	}
}

func TestRefusesApexNSAndOtherTypes(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	p := f.provider(t)
	_, err := p.Create(context.Background(), "dns_record", "ns", rec("@", "NS", 600, "ns1.example.net."))
	if err == nil || !strings.Contains(err.Error(), "apex NS") {
		t.Fatalf("apex NS: %v", err)
	}
	if _, err := p.Create(context.Background(), "account", "a", model.Object{}); err == nil {
		t.Fatal("created an account")
	}
	if _, ok := p.Supports("dns_record"); !ok {
		t.Fatal("does not support dns_record")
	}
	if _, ok := p.Supports("group"); ok {
		t.Fatal("supports group")
	}
}

func TestNewFromConfig(t *testing.T) {
	t.Setenv(SecretIDEnv, "AKIDfromenv")
	t.Setenv(SecretKeyEnv, "SECRETfromenv")
	p, err := New(model.Object{"endpoint": "http://127.0.0.1:1/", "rate_limit": int64(5), "timeout": "2s"}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if p.c.cfg.SecretID != "AKIDfromenv" || p.c.cfg.SecretKey != "SECRETfromenv" || p.c.cfg.RateLimit != 5 || p.c.cfg.Timeout.String() != "2s" {
		t.Fatalf("config %+v", p.c.cfg)
	}
	p, err = New(model.Object{"secret_id": "AKIDblock", "secret_key": "SECRETblock"}, providers.Env{})
	if err != nil || p.c.cfg.SecretID != "AKIDblock" || p.c.cfg.Endpoint != DefaultEndpoint {
		t.Fatalf("block credentials: %v %+v", err, p.c.cfg)
	}
	for _, bad := range []model.Object{{"timeout": "soon"}, {"rate_limit": int64(-1)}} {
		if _, err := New(bad, providers.Env{}); err == nil {
			t.Errorf("New(%v) succeeded", bad)
		}
	}
	t.Setenv(SecretIDEnv, "")
	if _, err := New(model.Object{}, providers.Env{}); err == nil || !strings.Contains(err.Error(), "TENCENTCLOUD_SECRET_ID") {
		t.Fatalf("missing secret_id: %v", err)
	}
}
