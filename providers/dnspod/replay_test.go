package dnspod

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

// replayer answers each action with the example responses in testdata/replay, in
// order (the last one repeats), and keeps the request bodies it was sent.
type replayer struct {
	t       *testing.T
	mu      sync.Mutex
	answers map[string][]string // action → file names
	bodies  map[string][]map[string]any
}

func newReplayer(t *testing.T, answers map[string][]string) (*replayer, *Client) {
	t.Helper()
	r := &replayer{t: t, answers: answers, bodies: map[string][]map[string]any{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{Endpoint: srv.URL, SecretID: testID, SecretKey: testKey, RateLimit: 1000,
		BackoffBase: time.Millisecond, MaxAttempts: 4, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r, c
}

func (r *replayer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	action := req.Header.Get("X-TC-Action")
	b, _ := io.ReadAll(req.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	r.mu.Lock()
	r.bodies[action] = append(r.bodies[action], body)
	files := r.answers[action]
	if len(files) == 0 {
		r.mu.Unlock()
		r.t.Errorf("no example response for %s", action)
		http.Error(w, "no example", http.StatusNotImplemented)
		return
	}
	name := files[0]
	if len(files) > 1 {
		r.answers[action] = files[1:]
	}
	r.mu.Unlock()
	data, err := os.ReadFile(filepath.Join("testdata", "replay", name))
	if err != nil {
		r.t.Error(err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

func (r *replayer) sent(action string) []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[action]
}

// TestReplayExampleResponses decodes Tencent's example response of every action the
// provider uses, on both sites, and checks what the provider makes of them and what
// its writes send.
func TestReplayExampleResponses(t *testing.T) {
	ctx := context.Background()
	for site, listing := range map[string]string{dnspodapi.SiteChina: "DescribeRecordList.json", dnspodapi.SiteIntl: "DescribeRecordList.intl.json"} {
		t.Run(site, func(t *testing.T) {
			r, c := newReplayer(t, map[string][]string{
				dnspodapi.ActionDescribeDomainList:    {"DescribeDomainList.json"},
				dnspodapi.ActionDescribeRecordList:    {listing},
				dnspodapi.ActionCreateRecord:          {"CreateRecord.json"},
				dnspodapi.ActionModifyRecord:          {"ModifyRecord.json"},
				dnspodapi.ActionDeleteRecord:          {"DeleteRecord.json"},
				dnspodapi.ActionDescribeDomain:        {"DescribeDomain.json"},
				dnspodapi.ActionDescribePackageDetail: {"DescribePackageDetail.json"},
			})
			p := NewWithClient(c, 0)

			domains, err := c.ListDomains(ctx)
			if err != nil || len(domains) != 1 || domains[0] != "dnspod.cn" {
				t.Fatalf("ListDomains = %v, %v", domains, err)
			}

			rs, err := p.Read(ctx, providers.ReadRequest{Type: "dns_record", Zones: []string{"dnspod.cn"}, Keys: []string{"dnspod.cn/www/A"}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]providers.Remote{}
			for _, x := range rs {
				got[x.ID] = x
			}
			if len(got) != 3 {
				t.Fatalf("Read = %+v; want the MX, the TXT and the paused www A (not the apex NS, not the 电信 row)", rs)
			}
			if mx := got["dnspod.cn/@/MX"].Attrs; strings.Join(mx.Strings("records"), ",") != "10 mxbiz2.qq.com.,5 mxbiz1.qq.com." || mx.Int("ttl") != 600 {
				t.Errorf("MX = %v", mx)
			}
			if txt := got["dnspod.cn/@/TXT"].Attrs; strings.Join(txt.Strings("records"), ",") != "v=spf1 include:spf.mail.qq.com ~all" {
				t.Errorf("TXT = %v", txt)
			}
			www := got["dnspod.cn/www/A"]
			if len(www.Attrs.Strings("records")) != 0 || len(www.Notes) != 1 || !strings.Contains(www.Notes[0], `"129.23.32.32" (RecordId 556507820) is paused`) {
				t.Errorf("paused www A = %v, notes %q", www.Attrs, www.Notes)
			}

			id, err := c.CreateRecord(ctx, "dnspod.cn", Row{Name: "mail", Type: "CNAME", Value: "exmail.qq.com.", TTL: 600})
			if err != nil || id != 162 {
				t.Fatalf("CreateRecord = %d, %v", id, err)
			}
			if err := c.ModifyRecord(ctx, "dnspod.cn", Row{ID: 162, Name: "mail", Type: "CNAME", Value: "exmail.qq.com.", TTL: 3600}); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteRecord(ctx, "dnspod.cn", Row{ID: 162, Name: "mail", Type: "CNAME"}); err != nil {
				t.Fatal(err)
			}
			for _, action := range []string{dnspodapi.ActionCreateRecord, dnspodapi.ActionModifyRecord} {
				b := r.sent(action)[0]
				if b["RecordLineId"] != "0" || b["RecordLine"] != nil || b["SubDomain"] != "mail" || b["Status"] != "ENABLE" {
					t.Errorf("%s sent %v; want RecordLineId \"0\", no localized line name, SubDomain, Status ENABLE", action, b)
				}
			}

			f, err := c.DomainFloor(ctx, "dnspod.cn")
			if err != nil || f.Grade != "DP_FREE" || f.MinTTL != 600 || f.Title != "免费版" {
				t.Fatalf("DomainFloor = %+v, %v; want DP_FREE matched to DP_Free's MinTtl 600 (not D_Free's 120)", f, err)
			}
			if planName(f) != "free plan (DP_FREE)" {
				t.Errorf("plan name %q", planName(f))
			}
		})
	}
}

// TestReplayErrorResponses decodes the error envelopes the provider acts on.
func TestReplayErrorResponses(t *testing.T) {
	ctx := context.Background()
	r, c := newReplayer(t, map[string][]string{
		dnspodapi.ActionDescribeRecordList: {"error.NoDataOfRecord.json", "error.FrequencyLimit.json", "DescribeRecordList.json"},
		dnspodapi.ActionDeleteRecord:       {"error.UnknowError.json", "DeleteRecord.json"},
		dnspodapi.ActionCreateRecord:       {"error.RecordTtlLimit.json"},
	})
	rows, err := c.ListRecords(ctx, "dnspod.cn", "www", "AAAA")
	if err != nil || len(rows) != 0 {
		t.Fatalf("NoDataOfRecord should be an empty list: %v, %v", rows, err)
	}
	if b := r.sent(dnspodapi.ActionDescribeRecordList)[0]; b["SubDomain"] != "www" || b["RecordType"] != "AAAA" {
		t.Errorf("filtered listing sent %v", b)
	}
	// The delete answers "操作未响应": the listing (throttled once) still shows the row,
	// so the delete is sent again.
	if err := c.DeleteRecord(ctx, "dnspod.cn", Row{ID: 556507802, Name: "@", Type: "MX"}); err != nil {
		t.Fatal(err)
	}
	if d, l := len(r.sent(dnspodapi.ActionDeleteRecord)), len(r.sent(dnspodapi.ActionDescribeRecordList)); d != 2 || l != 3 {
		t.Fatalf("%d DeleteRecord and %d DescribeRecordList calls, want 2 and 3", d, l)
	}
	_, err = c.CreateRecord(ctx, "dnspod.cn", Row{Name: "@", Type: "TXT", Value: "x", TTL: 300})
	if !HasCode(err, dnspodapi.CodeRecordTTLLimit) || !strings.Contains(err.Error(), "600 s minimum on the free plan") || len(r.sent(dnspodapi.ActionCreateRecord)) != 1 {
		t.Fatalf("RecordTtlLimit: %v", err)
	}
}
