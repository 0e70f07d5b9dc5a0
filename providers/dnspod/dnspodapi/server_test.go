package dnspodapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	testID  = "AKIDfake"
	testKey = "fake-secret-key"
)

// raw signs and posts one call and returns the Response object.
func raw(t *testing.T, srv *httptest.Server, action string, params any, mutate func(*http.Request)) map[string]any {
	t.Helper()
	return rawAt(t, srv, time.Now(), action, params, mutate)
}

// rawAt is raw signed at time at.
func rawAt(t *testing.T, srv *httptest.Server, at time.Time, action string, params any, mutate func(*http.Request)) map[string]any {
	t.Helper()
	body, _ := json.Marshal(params)
	u, _ := url.Parse(srv.URL)
	ts := at.Unix()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", Version)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Authorization", Authorization(testID, testKey, u.Host, ts, body))
	if mutate != nil {
		mutate(req)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	var env struct{ Response map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("%s: decoding: %v", action, err)
	}
	return env.Response
}

func errCode(resp map[string]any) string {
	e, _ := resp["Error"].(map[string]any)
	s, _ := e["Code"].(string)
	return s
}

func TestFakeQuirksAndErrors(t *testing.T) {
	fake := New(Options{Credentials: map[string]string{testID: testKey}})
	fake.AddDomain("example.com")
	srv := httptest.NewServer(fake)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	cases := []struct {
		name   string
		action string
		params any
		mutate func(*http.Request)
		want   string // error code, "" for success
	}{
		{"listing takes Subdomain", ActionDescribeRecordList, map[string]any{"Domain": "example.com", "Subdomain": "@"}, nil, ""},
		{"listing takes SubDomain too", ActionDescribeRecordList, map[string]any{"Domain": "example.com", "SubDomain": "@"}, nil, ""},
		{"listing filters by SubDomain", ActionDescribeRecordList, map[string]any{"Domain": "example.com", "SubDomain": "www"}, nil, CodeNoDataOfRecord},
		{"create refuses Subdomain", ActionCreateRecord, map[string]any{"Domain": "example.com", "Subdomain": "www", "RecordType": "A", "RecordLine": DefaultLine, "Value": "192.0.2.1"}, nil, CodeUnknownParameter},
		{"empty result is an error", ActionDescribeRecordList, map[string]any{"Domain": "example.com", "Subdomain": "www"}, nil, CodeNoDataOfRecord},
		{"missing domain", ActionDescribeRecordList, map[string]any{"Domain": "nope.example"}, nil, CodeDomainNotExists},
		{"limit above 3000", ActionDescribeRecordList, map[string]any{"Domain": "example.com", "Limit": 3001}, nil, CodeLimitInvalid},
		{"domain limit above 3000", ActionDescribeDomainList, map[string]any{"Limit": 3001}, nil, CodeLimitInvalid},
		{"write needs a line", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "www", "RecordType": "A", "Value": "192.0.2.1"}, nil, CodeMissingParameter},
		{"write by line id", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "byid", "RecordType": "A", "RecordLineId": "0", "Value": "192.0.2.1"}, nil, ""},
		{"line id wins over a wrong name", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "both", "RecordType": "A", "RecordLine": DefaultLineIntl, "RecordLineId": "0", "Value": "192.0.2.1"}, nil, ""},
		{"the other site's line name", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "www", "RecordType": "A", "RecordLine": DefaultLineIntl, "Value": "192.0.2.1"}, nil, CodeRecordLineInvalid},
		{"unknown line id", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "www", "RecordType": "A", "RecordLineId": "10=1", "Value": "192.0.2.1"}, nil, CodeRecordLineInvalid},
		{"TTL below the free plan", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "www", "RecordType": "A", "RecordLineId": "0", "Value": "192.0.2.1", "TTL": 300}, nil, CodeRecordTTLLimit},
		{"TXT with a double quote", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "t", "RecordType": "TXT", "RecordLineId": "0", "Value": `a "b"`}, nil, CodeRecordValueBad},
		{"bad status", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "www", "RecordType": "A", "RecordLineId": "0", "Value": "192.0.2.1", "Status": "PAUSED"}, nil, "InvalidParameter"},
		{"describe a missing domain", ActionDescribeDomain, map[string]any{"Domain": "nope.example"}, nil, CodeDomainNotExists},
		{"package detail takes no parameters", ActionDescribePackageDetail, map[string]any{"Domain": "example.com"}, nil, CodeUnknownParameter},
		{"MX needs MX", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "@", "RecordType": "MX", "RecordLine": DefaultLine, "Value": "mx.example.com."}, nil, CodeMXInvalid},
		{"bad A value", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "@", "RecordType": "A", "RecordLine": DefaultLine, "Value": "::1"}, nil, CodeRecordValueBad},
		{"bad subdomain", ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "a b", "RecordType": "A", "RecordLine": DefaultLine, "Value": "192.0.2.1"}, nil, CodeSubdomainInvalid},
		{"unknown record id", ActionDeleteRecord, map[string]any{"Domain": "example.com", "RecordId": 1}, nil, CodeRecordIDInvalid},
		{"unknown action", "DescribeEverything", map[string]any{}, nil, CodeInvalidAction},
		{"wrong version", ActionDescribeDomainList, map[string]any{}, func(r *http.Request) { r.Header.Set("X-TC-Version", "2018-08-26") }, CodeNoSuchVersion},
		{"bad signature", ActionDescribeDomainList, map[string]any{}, func(r *http.Request) {
			r.Header.Set("Authorization", Authorization(testID, "wrong", u.Host, mustInt(r.Header.Get("X-TC-Timestamp")), []byte("{}")))
		}, CodeSignatureFailure},
		{"unknown secret id", ActionDescribeDomainList, map[string]any{}, func(r *http.Request) {
			r.Header.Set("Authorization", Authorization("AKIDother", testKey, u.Host, mustInt(r.Header.Get("X-TC-Timestamp")), []byte("{}")))
		}, CodeSecretIDNotFound},
		{"old timestamp", ActionDescribeDomainList, map[string]any{}, func(r *http.Request) {
			ts := time.Now().Add(-6 * time.Minute).Unix()
			r.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
			r.Header.Set("Authorization", Authorization(testID, testKey, u.Host, ts, []byte("{}")))
		}, CodeSignatureExpire},
		{"other content type", ActionDescribeDomainList, map[string]any{}, func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }, CodeSignatureFailure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := raw(t, srv, c.action, c.params, c.mutate)
			if got := errCode(resp); got != c.want {
				t.Fatalf("error code %q, want %q (answer %v)", got, c.want, resp)
			}
			if resp["RequestId"] == "" {
				t.Fatal("no RequestId")
			}
		})
	}
}

func mustInt(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

func TestFakeListsApexNSAndHidesNewRecordsWhenDelayed(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	fake := New(Options{Credentials: map[string]string{testID: testKey}, ListingDelay: 30 * time.Second, Now: func() time.Time { return now }})
	fake.AddDomain("example.com")
	srv := httptest.NewServer(fake)
	defer srv.Close()
	// The fake's clock is fixed; requests are signed with it.
	resp := rawAt(t, srv, now, ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "www", "RecordType": "A", "RecordLine": DefaultLine, "Value": "192.0.2.1"}, nil)
	if errCode(resp) != "" {
		t.Fatalf("create: %v", resp)
	}
	list := func() []any {
		resp := rawAt(t, srv, now, ActionDescribeRecordList, map[string]any{"Domain": "example.com"}, nil)
		l, _ := resp["RecordList"].([]any)
		return l
	}
	if l := list(); len(l) != 2 {
		t.Fatalf("right after the create the listing holds %d rows, want the 2 apex NS rows: %v", len(l), l)
	}
	now = now.Add(31 * time.Second)
	if l := list(); len(l) != 3 {
		t.Fatalf("after the delay the listing holds %d rows, want 3", len(l))
	}
}

func TestFakeDropsTheConnectionAfterAWrite(t *testing.T) {
	fake := New(Options{Credentials: map[string]string{testID: testKey}})
	fake.AddDomain("example.com")
	fake.Inject(Fault{Action: ActionCreateRecord, Drop: true})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	body, _ := json.Marshal(map[string]any{"Domain": "example.com", "SubDomain": "www", "RecordType": "A", "RecordLine": DefaultLine, "Value": "192.0.2.1"})
	u, _ := url.Parse(srv.URL)
	ts := time.Now().Unix()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("X-TC-Action", ActionCreateRecord)
	req.Header.Set("X-TC-Version", Version)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Authorization", Authorization(testID, testKey, u.Host, ts, body))
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the dropped call got an answer")
	}
	if n := len(fake.Records("example.com")); n != 3 {
		t.Fatalf("the dropped create left %d rows, want 3 (2 NS + the new one)", n)
	}
	if fake.Calls(ActionCreateRecord) != 1 {
		t.Fatalf("CreateRecord counted %d times", fake.Calls(ActionCreateRecord))
	}
}

func TestFakeRateLimit(t *testing.T) {
	fake := New(Options{Credentials: map[string]string{testID: testKey}, RateLimit: 1})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	codes := map[string]int{}
	for range 5 {
		codes[errCode(raw(t, srv, ActionDescribeDomainList, map[string]any{}, nil))]++
	}
	if codes[CodeRequestLimit] == 0 || codes[""] == 0 {
		t.Fatalf("5 quick calls at 1/s answered %v; want some RequestLimitExceeded and some successes", codes)
	}
}

// TestFakeStoresTXTAsDNSPodDoes: backslashes dropped, single quotes escaped, trailing
// blanks stripped, double quotes refused; a long value per Options.LongTXT.
func TestFakeStoresTXTAsDNSPodDoes(t *testing.T) {
	long := strings.Repeat("k", 300)
	cases := []struct {
		mode      LongTXT
		value     string
		stored    string
		errorCode string
	}{
		{LongTXTWhole, `a\b`, "ab", ""},
		{LongTXTWhole, "it's", `it\'s`, ""},
		{LongTXTWhole, "v=spf1 -all  ", "v=spf1 -all", ""},
		{LongTXTWhole, `say "hi"`, "", CodeRecordValueBad},
		{LongTXTWhole, long, long, ""},
		{LongTXTChunked, long, `"` + long[:255] + `" "` + long[255:] + `"`, ""},
		{LongTXTRefused, long, "", CodeRecordValueBad},
	}
	for i, c := range cases {
		fake := New(Options{Credentials: map[string]string{testID: testKey}, LongTXT: c.mode})
		fake.AddDomain("example.com")
		srv := httptest.NewServer(fake)
		resp := raw(t, srv, ActionCreateRecord, map[string]any{"Domain": "example.com", "SubDomain": "t", "RecordType": "TXT", "RecordLineId": "0", "Value": c.value}, nil)
		srv.Close()
		if got := errCode(resp); got != c.errorCode {
			t.Errorf("case %d: error %q, want %q", i, got, c.errorCode)
			continue
		}
		recs := fake.Records("example.com")
		if c.errorCode == "" && recs[len(recs)-1].Value != c.stored {
			t.Errorf("case %d: stored %q, want %q", i, recs[len(recs)-1].Value, c.stored)
		}
	}
}

// TestFakeSitesAndPlans: listings name the default line per site with LineId "0";
// DescribeDomain spells the grade upper-case, DescribePackageDetail mixed-case.
func TestFakeSitesAndPlans(t *testing.T) {
	for site, line := range map[string]string{SiteChina: "默认", SiteIntl: "Default"} {
		fake := New(Options{Credentials: map[string]string{testID: testKey}, Site: site})
		fake.AddDomain("example.com")
		srv := httptest.NewServer(fake)
		resp := raw(t, srv, ActionDescribeRecordList, map[string]any{"Domain": "example.com"}, nil)
		item := resp["RecordList"].([]any)[0].(map[string]any)
		if item["Line"] != line || item["LineId"] != "0" {
			t.Errorf("site %s lists line %v id %v", site, item["Line"], item["LineId"])
		}
		resp = raw(t, srv, ActionDescribeDomain, map[string]any{"Domain": "example.com"}, nil)
		if g := resp["DomainInfo"].(map[string]any)["Grade"]; g != "DP_FREE" {
			t.Errorf("DescribeDomain grade %v", g)
		}
		resp = raw(t, srv, ActionDescribePackageDetail, map[string]any{}, nil)
		first := resp["Info"].([]any)[0].(map[string]any)
		if first["DomainGrade"] != "DP_Free" || first["MinTtl"] != float64(600) {
			t.Errorf("package detail %v", first)
		}
		srv.Close()
	}
}
