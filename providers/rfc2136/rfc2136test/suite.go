// Package rfc2136test is the conformance suite of the rfc2136 provider: it runs the
// provider against a real authoritative server started by a dnstest.Starter, so every
// server mailform claims to work with (Knot, BIND, the sandbox) passes the same tests.
package rfc2136test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnstest"
	"github.com/mailform/mailform/providers/rfc2136"
)

// The zones every suite server serves; Missing is never served.
const (
	ZoneCRUD    = "crud.test"
	ZoneTCP     = "tcp.test"
	ZoneRace    = "race.test"
	ZoneBatch   = "batch.test"
	ZoneErrors  = "errors.test"
	ZoneForeign = "foreign.test"
	ZoneMissing = "missing.test"
)

// Zones lists the zones a server must serve for Run.
var Zones = []string{ZoneCRUD, ZoneTCP, ZoneRace, ZoneBatch, ZoneErrors, ZoneForeign}

// Run starts a server with st and runs the whole suite against it.
func Run(t *testing.T, st dnstest.Starter) {
	srv := dnstest.Start(t, st, Zones...)
	t.Run("CreateUpdateDelete/udp", func(t *testing.T) { testCRUD(t, srv, ZoneCRUD, "udp") })
	t.Run("CreateUpdateDelete/tcp", func(t *testing.T) { testCRUD(t, srv, ZoneTCP, "tcp") })
	t.Run("OutsideChangeBetweenPlanAndApply", func(t *testing.T) { testOutsideChange(t, srv) })
	t.Run("RecordsWrittenByOtherTools", func(t *testing.T) { testForeignRecords(t, srv) })
	t.Run("LargeBatchFewMessages", func(t *testing.T) { testLargeBatch(t, srv) })
	t.Run("WrongSecret", func(t *testing.T) { testWrongKey(t, srv, srv.KeyName, randomSecret(t)) })
	t.Run("WrongKeyName", func(t *testing.T) { testWrongKey(t, srv, "not-the-key.", srv.KeySecret) })
	t.Run("WrongAlgorithm", func(t *testing.T) { testWrongKey(t, srv, srv.KeyName, srv.KeySecret, "key_algorithm", "hmac-sha512") })
	t.Run("ServerDown", func(t *testing.T) { testServerDown(t, srv) })
	t.Run("MissingZone", func(t *testing.T) { testMissingZone(t, srv) })
}

// LogBuffer collects a provider's debug log; the provider may log from any goroutine.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the log.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns the log so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// NewProvider makes an rfc2136 provider for srv; extra overrides configuration.
func NewProvider(t testing.TB, srv *dnstest.Server, extra model.Object) (*rfc2136.Provider, *LogBuffer) {
	t.Helper()
	cfg := model.Object{"server": srv.Addr, "key_name": srv.KeyName, "key_algorithm": srv.KeyAlgorithm, "key_secret": srv.KeySecret, "timeout": "5s"}
	for k, v := range extra {
		cfg[k] = v
	}
	log := &LogBuffer{}
	p, err := rfc2136.New(cfg, providers.Env{Log: log})
	if err != nil {
		t.Fatalf("rfc2136.New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p, log
}

func rec(zone, name, typ string, ttl int64, records ...string) model.Object {
	return model.Object{"zone": zone, "name": name, "type": typ, "ttl": ttl, "records": records}
}

// readZone reads zone and returns its RRsets by id, in canonical form.
func readZone(t *testing.T, p providers.Provider, zone string) map[string]model.Object {
	t.Helper()
	remotes, err := p.Read(context.Background(), providers.ReadRequest{Type: "dns_record", Zones: []string{zone}})
	if err != nil {
		t.Fatalf("read %s: %v", zone, err)
	}
	out := map[string]model.Object{}
	for _, r := range remotes {
		if _, dup := out[r.ID]; dup {
			t.Fatalf("read %s: RRset %s returned twice", zone, r.ID)
		}
		out[r.ID] = model.Canonical(model.DNSRecord, r.Attrs)
	}
	return out
}

// assertLive checks that the live RRset of want holds exactly its records and TTL.
func assertLive(t *testing.T, live map[string]model.Object, want model.Object) {
	t.Helper()
	w := model.Canonical(model.DNSRecord, want)
	id := model.RRsetKey(w.Str("zone"), w.Str("name"), w.Str("type"))
	got, ok := live[id]
	if !ok {
		t.Fatalf("RRset %s missing from the zone; live: %v", id, slices.Sorted(mapsKeys(live)))
	}
	if d := model.Diff(model.DNSRecord, got, w, nil); len(d) > 0 {
		for _, c := range d {
			t.Errorf("RRset %s attribute %s: live %s, want %s", id, c.Name, model.FormatValue(c.Before), model.FormatValue(c.After))
		}
	}
}

func mapsKeys(m map[string]model.Object) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func id(o model.Object) string {
	return model.RRsetKey(o.Str("zone"), o.Str("name"), o.Str("type"))
}

// dkim is a 2048-bit RSA DKIM key record: longer than 255 bytes, so it travels as
// several strings.
var dkim = "v=DKIM1; k=rsa; p=" + strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 9) + "IDAQAB"

func testCRUD(t *testing.T, srv *dnstest.Server, zone, transport string) {
	p, _ := NewProvider(t, srv, model.Object{"transport": transport})
	ctx := context.Background()
	before := readZone(t, p, zone)
	if _, ok := before[model.RRsetKey(zone, "@", "SOA")]; ok {
		t.Errorf("read returned the apex SOA")
	}
	apexNS := before[model.RRsetKey(zone, "@", "NS")]
	if apexNS == nil {
		t.Fatalf("read did not return the apex NS: %v", before)
	}

	desired := []model.Object{
		rec(zone, "@", "A", 300, "192.0.2.1", "192.0.2.2"),
		rec(zone, "www", "AAAA", 600, "2001:db8::1"),
		rec(zone, "mail", "CNAME", 600, "mx."+zone+"."),
		rec(zone, "@", "MX", 600, "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."),
		rec(zone, "sel._domainkey", "TXT", 600, dkim),
		rec(zone, "@", "TXT", 600, "v=spf1 include:spf.mail.qq.com ~all", `say "hi" \ back\slash`, "non-ascii: café"),
		rec(zone, "_imaps._tcp", "SRV", 600, "0 5 993 imap.exmail.qq.com."),
		rec(zone, "@", "CAA", 600, `0 issue "letsencrypt.org"`),
	}
	var changes []providers.Change
	for _, d := range desired {
		changes = append(changes, providers.Change{Op: providers.OpCreate, Desired: d})
	}
	for i, r := range p.ApplyBatch(ctx, "dns_record", changes) {
		if r.Err != nil {
			t.Fatalf("create %s: %v", id(desired[i]), r.Err)
		}
		if r.Remote.ID != id(desired[i]) {
			t.Errorf("create returned id %q, want %q", r.Remote.ID, id(desired[i]))
		}
	}
	live := readZone(t, p, zone)
	for _, d := range desired {
		assertLive(t, live, d)
	}
	// Records the configuration does not declare stay as they were.
	assertLive(t, live, apexNS)
	assertLive(t, live, before[model.RRsetKey(zone, "ns1", "A")])

	// The long DKIM value is split into strings of at most 255 bytes on the wire.
	ans, err := srv.Query("sel._domainkey."+zone, dns.TypeTXT)
	if err != nil || len(ans) != 1 {
		t.Fatalf("query DKIM TXT: %v %v", ans, err)
	}
	if txt := ans[0].(*dns.TXT).Txt; len(txt) < 2 || len(txt[0]) != 255 {
		t.Errorf("DKIM TXT strings = %d (first %d bytes), want split at 255", len(txt), len(txt[0]))
	}

	// Update: change records and TTL of two RRsets, one through the single-change API.
	prior := live[id(desired[0])]
	upA := rec(zone, "@", "A", 900, "192.0.2.3")
	if _, err := p.Update(ctx, "dns_record", id(upA), prior, upA); err != nil {
		t.Fatalf("update A: %v", err)
	}
	upTXT := rec(zone, "sel._domainkey", "TXT", 600, dkim+"AB")
	res := p.ApplyBatch(ctx, "dns_record", []providers.Change{{Op: providers.OpUpdate, ID: id(upTXT), Prior: live[id(upTXT)], Desired: upTXT}})
	if res[0].Err != nil {
		t.Fatalf("update TXT: %v", res[0].Err)
	}
	live = readZone(t, p, zone)
	assertLive(t, live, upA)
	assertLive(t, live, upTXT)
	assertLive(t, live, desired[1])

	// Delete: one singly, the rest in one batch.
	if err := p.Delete(ctx, "dns_record", id(desired[1]), live[id(desired[1])]); err != nil {
		t.Fatalf("delete AAAA: %v", err)
	}
	changes = nil
	for _, d := range desired[2:] {
		k := id(d)
		changes = append(changes, providers.Change{Op: providers.OpDelete, ID: k, Prior: live[k]})
	}
	for i, r := range p.ApplyBatch(ctx, "dns_record", changes) {
		if r.Err != nil {
			t.Fatalf("delete %s: %v", changes[i].ID, r.Err)
		}
	}
	live = readZone(t, p, zone)
	for _, d := range desired[1:] {
		if _, ok := live[id(d)]; ok {
			t.Errorf("RRset %s still live after delete", id(d))
		}
	}
	assertLive(t, live, upA)
	assertLive(t, live, apexNS)
	if len(live) != 3 {
		t.Errorf("zone holds %d RRsets after delete, want apex A, apex NS, ns1 A: %v", len(live), live)
	}
}

func testOutsideChange(t *testing.T, srv *dnstest.Server) {
	zone := ZoneRace
	p, _ := NewProvider(t, srv, nil)
	ctx := context.Background()
	www := rec(zone, "www", "A", 600, "192.0.2.10")
	if _, err := p.Create(ctx, "dns_record", "www", www); err != nil {
		t.Fatalf("create: %v", err)
	}
	plan := readZone(t, p, zone) // what the plan saw

	// Someone else adds an address to www and creates "new" between plan and apply.
	rc, err := srv.Update(zone, func(m *dns.Msg) {
		a, _ := dns.NewRR("www." + zone + ". 600 IN A 192.0.2.99")
		b, _ := dns.NewRR("new." + zone + ". 600 IN A 192.0.2.98")
		m.Insert([]dns.RR{a, b})
	})
	if err != nil || rc != dns.RcodeSuccess {
		t.Fatalf("outside update: %s %v", dns.RcodeToString[rc], err)
	}
	outside := rec(zone, "www", "A", 600, "192.0.2.10", "192.0.2.99")

	cases := []struct {
		name   string
		change providers.Change
	}{
		{"update", providers.Change{Op: providers.OpUpdate, ID: id(www), Prior: plan[id(www)], Desired: rec(zone, "www", "A", 600, "192.0.2.11")}},
		{"delete", providers.Change{Op: providers.OpDelete, ID: id(www), Prior: plan[id(www)]}},
		{"create", providers.Change{Op: providers.OpCreate, Desired: rec(zone, "new", "A", 600, "192.0.2.12")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := p.ApplyBatch(ctx, "dns_record", []providers.Change{c.change})[0]
			if !errors.Is(r.Err, providers.ErrChangedSincePlan) {
				t.Fatalf("err = %v, want ErrChangedSincePlan", r.Err)
			}
			if want := "zone " + zone + " changed since plan; run plan again"; !strings.Contains(r.Err.Error(), want) {
				t.Errorf("err = %q, want it to say %q", r.Err, want)
			}
			live := readZone(t, p, zone)
			assertLive(t, live, outside)
			assertLive(t, live, rec(zone, "new", "A", 600, "192.0.2.98"))
		})
	}

	// One stale change in a batch stops the whole message: the fresh change in it is
	// not applied either.
	fresh := rec(zone, "fresh", "A", 600, "192.0.2.13")
	res := p.ApplyBatch(ctx, "dns_record", []providers.Change{
		{Op: providers.OpCreate, Desired: fresh},
		cases[0].change,
	})
	for i, r := range res {
		if !errors.Is(r.Err, providers.ErrChangedSincePlan) {
			t.Errorf("batch change %d: err = %v, want ErrChangedSincePlan", i, r.Err)
		}
	}
	if _, ok := readZone(t, p, zone)[id(fresh)]; ok {
		t.Errorf("fresh record was created although its UPDATE message failed")
	}
}

func testLargeBatch(t *testing.T, srv *dnstest.Server) {
	zone := ZoneBatch
	p, log := NewProvider(t, srv, nil)
	var changes []providers.Change
	var want []model.Object
	for i := range 300 {
		d := rec(zone, "k"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+itoa(i), "TXT", 600, strings.Repeat("0123456789", 30))
		want = append(want, d)
		changes = append(changes, providers.Change{Op: providers.OpCreate, Desired: d})
	}
	for i, r := range p.ApplyBatch(context.Background(), "dns_record", changes) {
		if r.Err != nil {
			t.Fatalf("create %s: %v", id(want[i]), r.Err)
		}
	}
	// 300 records of ~340 bytes are ~100 KB: two messages under the 64 KiB limit.
	if n := strings.Count(log.String(), "UPDATE "+zone); n != 2 {
		t.Errorf("sent %d UPDATE messages for 300 RRsets, want 2; log:\n%s", n, log)
	}
	live := readZone(t, p, zone)
	for _, d := range want {
		assertLive(t, live, d)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func randomSecret(t *testing.T) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func testWrongKey(t *testing.T, srv *dnstest.Server, keyName, secret string, extra ...string) {
	zone := ZoneErrors
	cfg := model.Object{"key_name": keyName, "key_secret": secret}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	p, _ := NewProvider(t, srv, cfg)
	want := "TSIG key rejected by " + srv.Addr + " for zone " + zone + ": check key name/algorithm/secret"
	_, err := p.Read(context.Background(), providers.ReadRequest{Type: "dns_record", Zones: []string{zone}})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("read err = %v, want %q", err, want)
	}
	d := rec(zone, "wrongkey", "A", 600, "192.0.2.20")
	for _, transport := range []string{"udp", "tcp"} {
		cfg := cfg.Clone()
		cfg["transport"] = transport
		p, _ := NewProvider(t, srv, cfg)
		_, err = p.Create(context.Background(), "dns_record", "x", d)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s create err = %v, want %q", transport, err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("error reveals the secret: %v", err)
	}
	good, _ := NewProvider(t, srv, nil)
	if _, ok := readZone(t, good, zone)[id(d)]; ok {
		t.Errorf("record created with a rejected key")
	}
}

func testServerDown(t *testing.T, srv *dnstest.Server) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	_ = l.Close()
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			p, _ := NewProvider(t, srv, model.Object{"server": down, "transport": transport, "timeout": "2s"})
			_, err := p.Read(context.Background(), providers.ReadRequest{Type: "dns_record", Zones: []string{ZoneErrors}})
			if !errors.Is(err, rfc2136.ErrUnreachable) || !strings.Contains(err.Error(), down) {
				t.Errorf("read err = %v, want ErrUnreachable naming %s", err, down)
			}
			// Reads go to transfer_server when it is set; writes still go to server.
			split, _ := NewProvider(t, srv, model.Object{"server": down, "transfer_server": srv.Addr, "transport": transport})
			if live := readZone(t, split, ZoneErrors); len(live) == 0 {
				t.Errorf("read from transfer_server returned nothing")
			}
			if _, err := split.Create(context.Background(), "dns_record", "x", rec(ZoneErrors, "split", "A", 600, "192.0.2.32")); !errors.Is(err, rfc2136.ErrUnreachable) {
				t.Errorf("create with server down and transfer_server up: err = %v, want ErrUnreachable", err)
			}
			res := p.ApplyBatch(context.Background(), "dns_record", []providers.Change{
				{Op: providers.OpCreate, Desired: rec(ZoneErrors, "down1", "A", 600, "192.0.2.30")},
				{Op: providers.OpCreate, Desired: rec(ZoneErrors, "down2", "A", 600, "192.0.2.31")},
			})
			for i, r := range res {
				if r.Err == nil || !strings.Contains(r.Err.Error(), down) {
					t.Errorf("change %d: err = %v, want an error naming %s", i, r.Err, down)
				}
				if r.Remote.ID != "" {
					t.Errorf("change %d reported as applied: %v", i, r.Remote)
				}
			}
		})
	}
}

func testMissingZone(t *testing.T, srv *dnstest.Server) {
	p, _ := NewProvider(t, srv, nil)
	want := "zone " + ZoneMissing + " does not exist on " + srv.Addr
	_, err := p.Read(context.Background(), providers.ReadRequest{Type: "dns_record", Zones: []string{ZoneCRUD, ZoneMissing}})
	if !errors.Is(err, rfc2136.ErrNoZone) || !strings.Contains(err.Error(), want) {
		t.Errorf("read err = %v, want %q", err, want)
	}
	_, err = p.Create(context.Background(), "dns_record", "x", rec(ZoneMissing, "www", "A", 600, "192.0.2.40"))
	if err == nil || !strings.Contains(err.Error(), ZoneMissing) {
		t.Errorf("create err = %v, want an error naming zone %s", err, ZoneMissing)
	}
}

// testForeignRecords changes RRsets that another tool wrote in a form mailform would not
// (a TXT value split at other places, names in upper case): prerequisites must still
// match them.
func testForeignRecords(t *testing.T, srv *dnstest.Server) {
	zone := ZoneForeign
	rc, err := srv.Update(zone, func(m *dns.Msg) {
		var rrs []dns.RR
		for _, s := range []string{
			`dkim._domainkey 600 IN TXT "v=DKIM1; " "k=rsa; " "p=AB\"C"`,
			"alias 600 IN CNAME Target.Example.COM.",
			"@ 600 IN MX 10 MX.Example.COM.",
		} {
			rr, err := dns.NewRR("$ORIGIN " + zone + ".\n" + s)
			if err != nil {
				t.Fatal(err)
			}
			rrs = append(rrs, rr)
		}
		m.Insert(rrs)
	})
	if err != nil || rc != dns.RcodeSuccess {
		t.Fatalf("outside update: %s %v", dns.RcodeToString[rc], err)
	}
	ctx := context.Background()
	p, _ := NewProvider(t, srv, nil)
	plan := readZone(t, p, zone)
	txt := rec(zone, "dkim._domainkey", "TXT", 600, `v=DKIM1; k=rsa; p=AB"C`)
	assertLive(t, plan, txt)
	newTXT := rec(zone, "dkim._domainkey", "TXT", 600, "v=DKIM1; k=rsa; p=XYZ")
	res := p.ApplyBatch(ctx, "dns_record", []providers.Change{
		{Op: providers.OpUpdate, ID: id(txt), Prior: plan[id(txt)], Desired: newTXT},
		{Op: providers.OpDelete, ID: model.RRsetKey(zone, "alias", "CNAME"), Prior: plan[model.RRsetKey(zone, "alias", "CNAME")]},
	})
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("change %d: %v", i, r.Err)
		}
	}
	// A provider that has not read the zone (apply of a saved plan in a new process)
	// reads it once to learn the exact records.
	fresh, _ := NewProvider(t, srv, nil)
	mx := model.Object{"zone": zone, "name": "@", "type": "MX", "ttl": int64(600), "records": []string{"10 mx.example.com."}}
	newMX := rec(zone, "@", "MX", 600, "5 mxbiz1.qq.com.")
	if _, err := fresh.Update(ctx, "dns_record", id(mx), mx, newMX); err != nil {
		t.Fatalf("update MX written by another tool: %v", err)
	}
	live := readZone(t, p, zone)
	assertLive(t, live, newTXT)
	assertLive(t, live, newMX)
	if _, ok := live[model.RRsetKey(zone, "alias", "CNAME")]; ok {
		t.Errorf("CNAME still live after delete")
	}
}
