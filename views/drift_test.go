package views

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./views -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./views -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func sampleDrift() *planner.DriftReport {
	return &planner.DriftReport{Lineage: "lin-1", Serial: 7, Ignored: 1, Items: []*planner.DriftItem{
		{Kind: planner.ChangedOutside, Address: "account.alice", Type: "account", Provider: "sandbox", ID: "alice@example.com",
			Attrs: []model.AttrChange{{Name: "name", Before: "Alice", After: "Alice Smith"}}},
		{Kind: planner.ChangedOutside, Address: "account.bob", Type: "account", Provider: "sandbox", ID: "bob@example.com",
			Attrs: []model.AttrChange{{Name: "status", Before: "active", After: "frozen"}, {Name: "position", Before: nil, After: "CTO"}}},
		{Kind: planner.ChangedOutside, Address: "group.ops", Type: "group", Provider: "sandbox", ID: "ops@example.com",
			Reason: "deleted outside mailform: not found live"},
		{Kind: planner.NotApplied, Address: "account.carol", Type: "account", Provider: "sandbox", ID: "carol@example.com",
			Attrs: []model.AttrChange{{Name: "name", Before: "Carol", After: "Caroline"}, {Name: "password", Before: true, After: true, Sensitive: true}}},
		{Kind: planner.NotApplied, Address: "account.dan", Type: "account", Provider: "sandbox", Reason: "new in the configuration, not yet created"},
		{Kind: planner.Unmanaged, Address: "account.eve", Type: "account", Provider: "sandbox", ID: "eve@example.com",
			Live: model.Canonical(model.Account, model.Object{"email": "eve@example.com", "name": "Eve", "departments": []string{"2"}, "imap_smtp": true, "offboarding": model.Object{"retain_days": int64(45)}})},
		{Kind: planner.Unmanaged, Address: "dns_record.www_a", Type: "dns_record", Provider: "sandbox", ID: "example.com/www/A",
			Live: model.Canonical(model.DNSRecord, model.Object{"zone": "example.com", "name": "www", "type": "A", "records": []string{"192.0.2.1"}, "ttl": int64(300)})},
	}}
}

func TestRenderDrift(t *testing.T) {
	tests := []struct {
		name   string
		report *planner.DriftReport
		hints  bool
		file   string
	}{
		{"drift with hints", sampleDrift(), true, "drift.golden"},
		{"drift in automation", sampleDrift(), false, "drift-automation.golden"},
		{"no drift", &planner.DriftReport{Ignored: 2}, true, "drift-none.golden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			RenderDrift(&b, tc.report, Colors{}, tc.hints)
			golden(t, tc.file, b.Bytes())
			if strings.Contains(b.String(), "\x1b[") {
				t.Error("colour codes with colour off")
			}
			if strings.Contains(b.String(), "mailform plan") != tc.hints && tc.report.HasDrift() {
				t.Errorf("hints = %v, but the output %s them", tc.hints, map[bool]string{true: "has", false: "lacks"}[!tc.hints])
			}
		})
	}
}

func TestDriftJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, DriftToJSON(sampleDrift())); err != nil {
		t.Fatal(err)
	}
	golden(t, "drift.json.golden", b.Bytes())
	var back struct {
		Drift   bool
		Summary map[string]int
		Items   []struct {
			Kind       string
			Attributes []map[string]any
			Adopt      string
		}
	}
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !back.Drift || back.Summary["changed_outside"] != 3 || back.Summary["not_applied"] != 2 || back.Summary["unmanaged"] != 2 || back.Summary["ignored"] != 1 {
		t.Errorf("summary %v drift %v", back.Summary, back.Drift)
	}
	pos := back.Items[1].Attributes[1]
	if v, ok := pos["applied"]; !ok || v != nil || pos["live"] != "CTO" {
		t.Errorf("an absent applied value must be present as null: %v", pos)
	}
	pw := back.Items[3].Attributes[1]
	if pw["configured"] != "(sensitive)" || pw["sensitive"] != true {
		t.Errorf("password attribute %v", pw)
	}
	if back.Items[5].Adopt == "" {
		t.Error("unmanaged item without an adopt snippet")
	}
}

func TestAdoptSnippetParses(t *testing.T) {
	for _, it := range sampleDrift().Of(planner.Unmanaged) {
		src := AdoptSnippet(it)
		f, diags := hclsyntax.ParseConfig([]byte(src), "snippet.mf.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("snippet for %s does not parse: %s\n%s", it.Address, diags.Error(), src)
		}
		blocks := f.Body.(*hclsyntax.Body).Blocks
		if len(blocks) != 2 || blocks[0].Type != "import" || blocks[1].Type != it.Type {
			t.Errorf("snippet for %s: want an import block and a %s block:\n%s", it.Address, it.Type, src)
		}
		if !strings.Contains(src, `id = "`+it.ID+`"`) {
			t.Errorf("snippet for %s lacks the import id:\n%s", it.Address, src)
		}
	}
}

func TestAdoptSnippetNamesProvider(t *testing.T) {
	rr := model.Canonical(model.DNSRecord, model.Object{"zone": "example.com", "name": "www", "type": "A", "records": []string{"192.0.2.1"}})
	tests := []struct {
		name     string
		provider string
		needs    bool
		want     string // the provider line, "" for none
	}{
		{name: "the configuration assigns it by itself", provider: "rfc2136", needs: false, want: ""},
		{name: "one of several providers", provider: "dnspod", needs: true, want: "provider = dnspod"},
		{name: "an aliased provider", provider: "rfc2136.secondary", needs: true, want: "provider = rfc2136.secondary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := AdoptSnippet(&planner.DriftItem{Kind: planner.Unmanaged, Address: "dns_record.www_a", Type: "dns_record",
				Provider: tc.provider, NeedsProvider: tc.needs, ID: "example.com/www/A", Live: rr})
			if _, diags := hclsyntax.ParseConfig([]byte(src), "snippet.mf.hcl", hcl.InitialPos); diags.HasErrors() {
				t.Fatalf("snippet does not parse: %s\n%s", diags.Error(), src)
			}
			has := strings.Contains(src, "provider")
			if tc.want == "" && has {
				t.Errorf("snippet names a provider it need not:\n%s", src)
			}
			if tc.want != "" && !strings.Contains(strings.Join(strings.Fields(src), " "), tc.want) {
				t.Errorf("snippet lacks %q:\n%s", tc.want, src)
			}
		})
	}
}

// An unmanaged account's adopting block refers to its managed departments by address.
func TestAdoptSnippetRefersToDepartments(t *testing.T) {
	src := AdoptSnippet(&planner.DriftItem{Kind: planner.Unmanaged, Address: "account.eve", Type: "account", Provider: "sandbox", ID: "eve@example.com",
		Live:        model.Object{"email": "eve@example.com", "name": "Eve", "departments": []string{"4", "9"}},
		Departments: map[string]string{"4": `department.region["emea"]`}})
	if !strings.Contains(src, `departments = [department.region["emea"].id, "9"]`) {
		t.Fatalf("snippet:\n%s", src)
	}
}

// TestDriftNotes: what the provider noted about a live object is shown under the
// item, in both the human and the JSON report.
func TestDriftNotes(t *testing.T) {
	r := &planner.DriftReport{Items: []*planner.DriftItem{
		{Kind: planner.ChangedOutside, Address: "dns_record.mx", Type: "dns_record", Provider: "dnspod", ID: "example.com/@/MX",
			Notes: []string{`value "10 mxbiz2.qq.com." (RecordId 7) is paused in DNSPod`}},
	}}
	var b bytes.Buffer
	RenderDrift(&b, r, Colors{}, false)
	if !strings.Contains(b.String(), "  ~ dns_record.mx (id example.com/@/MX)\n      note: value \"10 mxbiz2.qq.com.\" (RecordId 7) is paused in DNSPod\n") {
		t.Fatalf("human report:\n%s", b.String())
	}
	j := DriftToJSON(r)
	if len(j.Items) != 1 || len(j.Items[0].Notes) != 1 {
		t.Fatalf("JSON report: %+v", j)
	}
}
