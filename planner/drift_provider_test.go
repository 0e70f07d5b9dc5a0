package planner

import (
	"context"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// TestDriftUnmanagedNeedsProvider checks that an unmanaged object's adopting block is
// told to name its provider exactly when the configuration would not assign the type
// to that provider by itself: pasted as is, it must not be an "Ambiguous provider"
// error or land on another provider.
func TestDriftUnmanagedNeedsProvider(t *testing.T) {
	rr := func(zone string) model.Object {
		return model.Canonical(model.DNSRecord, model.Object{"zone": zone, "name": "www", "type": "A", "records": []string{"192.0.2.1"}})
	}
	tests := []struct {
		name  string
		kinds map[string]string // provider name → kind
		own   string            // the provider holding the unmanaged record
		want  bool
	}{
		{name: "the only provider", kinds: map[string]string{"sandbox": "sandbox"}, own: "sandbox", want: false},
		{name: "the real provider beside the sandbox", kinds: map[string]string{"sandbox": "sandbox", "rfc2136": "rfc2136"}, own: "rfc2136", want: false},
		{name: "the sandbox beside a real DNS provider", kinds: map[string]string{"sandbox": "sandbox", "rfc2136": "rfc2136"}, own: "sandbox", want: true},
		{name: "one of two real DNS providers", kinds: map[string]string{"rfc2136": "rfc2136", "dnspod": "dnspod"}, own: "dnspod", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(`
dns_record "mx" {
  provider = ` + tc.own + `
  zone     = "example.com"
  name     = "@"
  type     = "MX"
  records  = ["5 mxbiz1.qq.com."]
}
`)})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			ps := &ProviderSet{ByName: map[string]providers.Provider{}, kinds: tc.kinds}
			for name := range tc.kinds {
				objs := map[string]map[string]model.Object{"dns_record": {}}
				if name == tc.own {
					objs["dns_record"]["example.com/www/A"] = rr("example.com")
				}
				ps.ByName[name] = &memProvider{t: t, objs: objs}
				ps.names = append(ps.names, name)
			}
			rep, diags := DetectDrift(context.Background(), DriftOptions{Config: cfg, State: state.New(), Providers: ps})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			var found bool
			for _, it := range rep.Of(Unmanaged) {
				if it.ID == "example.com/www/A" {
					found = true
					if it.Provider != tc.own || it.NeedsProvider != tc.want {
						t.Errorf("provider %s, NeedsProvider %v; want %s, %v", it.Provider, it.NeedsProvider, tc.own, tc.want)
					}
				}
			}
			if !found {
				t.Errorf("the unmanaged record is not reported: %v", summary(rep))
			}
		})
	}
}
