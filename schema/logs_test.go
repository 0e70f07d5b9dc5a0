package schema

import (
	"strings"
	"testing"
)

func TestLogsAndAuditBlocks(t *testing.T) {
	c := load(t, `
logs {
  retain_days = 400
  archive "pg" {
    schema_name = "mail"
  }
}
audit {
  restricted_departments   = ["Finance", "R&D"]
  second_factor_exceptions = ["kiosk@x.com"]
  no_login_days            = 60
  dns_server               = "127.0.0.1:53"
  ignore                   = ["console-change"]
}
`)
	if c.Logs == nil || c.Logs.RetainDays != 400 || c.Logs.Archive == nil || c.Logs.Archive.Kind != "pg" {
		t.Fatalf("logs: %+v", c.Logs)
	}
	a := c.Audit
	if a == nil || len(a.RestrictedDepartments) != 2 || *a.NoLoginDays != 60 || a.ArchiveMinDays != nil || a.DNSServer != "127.0.0.1:53" || a.Ignore[0] != "console-change" {
		t.Fatalf("audit: %+v", a)
	}
	if c := load(t, `provider "sandbox" {}`); c.Logs != nil || c.Audit != nil {
		t.Fatal("absent blocks must stay nil")
	}

	for _, tt := range []struct {
		name string
		src  map[string]string
		want []string
	}{
		{"negative retain_days", map[string]string{"a.mf.hcl": "logs {\n  retain_days = -1\n}\n"}, []string{"Invalid retain_days", "@a.mf.hcl:2"}},
		{"unknown archive", map[string]string{"a.mf.hcl": "logs {\n  archive \"s3\" {}\n}\n"}, []string{`The archive "s3" does not exist`}},
		{"two archives", map[string]string{"a.mf.hcl": "logs {\n  archive \"local\" {}\n  archive \"pg\" {}\n}\n"}, []string{"Duplicate archive block"}},
		{"two logs blocks", map[string]string{"a.mf.hcl": "logs {}\n", "b.mf.hcl": "logs {}\n"}, []string{"Duplicate logs block"}},
		{"two audit blocks", map[string]string{"a.mf.hcl": "audit {}\n", "b.mf.hcl": "audit {}\n"}, []string{"Duplicate audit block"}},
		{"negative threshold", map[string]string{"a.mf.hcl": "audit {\n  no_login_days = -5\n}\n"}, []string{"Invalid audit threshold"}},
		{"unknown audit attribute", map[string]string{"a.mf.hcl": "audit {\n  restricted = []\n}\n"}, []string{"Unsupported argument"}},
	} {
		got := loadErr(t, tt.src)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tt.name, got, w)
			}
		}
	}
}
