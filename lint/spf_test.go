package lint

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// spfWalkOf parses the SPF record at fqdn among records and walks its includes.
func spfWalkOf(t *testing.T, records []Record, fqdn string) *spfWalk {
	t.Helper()
	c := newChecker(Input{Records: number(records)})
	spf := c.spfAt(fqdn)
	if len(spf) == 0 {
		t.Fatalf("no SPF record at %s", fqdn)
	}
	return c.walkSPF(fqdn, parseSPF(spf[0].text))
}

func TestSPFLookupCount(t *testing.T) {
	tests := []struct {
		name    string
		records []Record
		want    int
	}{
		{"no lookups", []Record{rec("@", "TXT", "v=spf1 ip4:192.0.2.1 -all")}, 0},
		{"each lookup term counts one", []Record{rec("@", "TXT", "v=spf1 a mx ptr exists:x.example.net include:x.example.net -all")}, 5},
		{"known include adds its own lookups", []Record{rec("@", "TXT", "v=spf1 include:spf.mail.qq.com include:_spf.google.com -all")}, 1 + 4 + 1 + 3},
		{"declared include chain", []Record{
			rec("@", "TXT", "v=spf1 include:_a.example.com -all"),
			rec("_a", "TXT", "v=spf1 mx include:_b.example.com -all"),
			rec("_b", "TXT", "v=spf1 a a:x.example.net -all"),
		}, 1 + (1 + (1 + 2))},
		{"declared include in another zone", []Record{
			rec("@", "TXT", "v=spf1 include:spf.example.org -all"),
			recIn("example.org", "spf", "TXT", "v=spf1 mx include:spf.protection.outlook.com -all"),
		}, 1 + 1 + 1 + 1},
		{"diamond counts both paths", []Record{
			rec("@", "TXT", "v=spf1 include:_a.example.com include:_b.example.com -all"),
			rec("_a", "TXT", "v=spf1 include:_c.example.com -all"),
			rec("_b", "TXT", "v=spf1 include:_c.example.com -all"),
			rec("_c", "TXT", "v=spf1 a mx -all"),
		}, 2 * (1 + 1 + 2)},
		{"redirect is followed", []Record{
			rec("@", "TXT", "v=spf1 redirect=_spf.example.com"),
			rec("_spf", "TXT", "v=spf1 a mx -all"),
		}, 1 + 2},
		{"redirect beside all is ignored", []Record{
			rec("@", "TXT", "v=spf1 mx redirect=_spf.example.com -all"),
			rec("_spf", "TXT", "v=spf1 a mx -all"),
		}, 1},
		{"macro targets are not followed", []Record{rec("@", "TXT", "v=spf1 include:%{d}.spf.example.com -all")}, 1},
		{"trailing dot and case in target", []Record{
			rec("@", "TXT", "v=spf1 include:_SPF.Example.com. -all"),
			rec("_spf", "TXT", "v=spf1 a -all"),
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := spfWalkOf(t, tt.records, "example.com")
			if w.total != tt.want {
				t.Errorf("lookups = %d, want %d (per term: %v)", w.total, tt.want, w.costs)
			}
			if w.loop != nil {
				t.Errorf("unexpected loop %v", w.loop)
			}
		})
	}
}

func TestSPFLoops(t *testing.T) {
	tests := []struct {
		name     string
		records  []Record
		wantLoop string
		// wantDiags is how many SPF-LOOP findings Check reports: one per record that
		// reaches the loop.
		wantDiags int
	}{
		{"self include", []Record{rec("@", "TXT", "v=spf1 include:example.com -all")},
			"example.com → example.com", 1},
		{"self redirect", []Record{rec("@", "TXT", "v=spf1 redirect=example.com")},
			"example.com → example.com", 1},
		{"three records", []Record{
			rec("@", "TXT", "v=spf1 include:_a.example.com -all"),
			rec("_a", "TXT", "v=spf1 include:_b.example.com -all"),
			rec("_b", "TXT", "v=spf1 redirect=example.com"),
		}, "example.com → _a.example.com → _b.example.com → example.com", 3},
		{"loop below the root", []Record{
			rec("@", "TXT", "v=spf1 include:_a.example.com -all"),
			rec("_a", "TXT", "v=spf1 include:_b.example.com -all"),
			rec("_b", "TXT", "v=spf1 include:_a.example.com -all"),
		}, "_a.example.com → _b.example.com → _a.example.com", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := spfWalkOf(t, tt.records, "example.com")
			if got := strings.Join(w.loop, " → "); got != tt.wantLoop {
				t.Errorf("loop = %q, want %q", got, tt.wantLoop)
			}
			n := 0
			for _, d := range Check(Input{Records: number(tt.records)}) {
				if strings.HasPrefix(d.Summary, "[SPF-LOOP]") {
					n++
					if d.Severity != hcl.DiagError {
						t.Errorf("SPF-LOOP is not an error: %s", d.Summary)
					}
				}
			}
			if n != tt.wantDiags {
				t.Errorf("%d SPF-LOOP findings, want %d", n, tt.wantDiags)
			}
		})
	}
}

func TestSPFLookupsDetailNamesTheTerms(t *testing.T) {
	diags := Check(Input{Records: number([]Record{rec("@", "TXT",
		"v=spf1 include:spf.mail.qq.com include:_spf.google.com a mx a:b.example.net -all")})})
	if len(diags) != 1 {
		t.Fatalf("want one finding, got %v", diags)
	}
	d := diags[0]
	for _, s := range []string{"[SPF-LOOKUPS] dns_record.r0:", "needs 12 DNS lookups"} {
		if !strings.Contains(d.Summary, s) {
			t.Errorf("summary %q lacks %q", d.Summary, s)
		}
	}
	if !strings.Contains(d.Detail, "include:spf.mail.qq.com (5)") || !strings.Contains(d.Detail, "include:_spf.google.com (4)") {
		t.Errorf("detail %q does not give each term's cost", d.Detail)
	}
}
