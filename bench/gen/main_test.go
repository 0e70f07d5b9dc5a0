package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
)

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func TestGenerate(t *testing.T) {
	tests := []struct {
		name string
		sz   sizes
	}{
		{"small", sizes{accounts: 300, groups: 20, departments: 150, records: 100, zones: 3}},
		{"one department", sizes{accounts: 5, groups: 2, departments: 1, records: 2, zones: 1}},
		{"two levels", sizes{accounts: 10, groups: 0, departments: 5, records: 0, zones: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := generate(dir, tt.sz, 7); err != nil {
				t.Fatal(err)
			}
			// Every HCL file parses.
			p := hclparse.NewParser()
			hclFiles, _ := filepath.Glob(filepath.Join(dir, "*.mf.hcl"))
			if len(hclFiles) != 5 {
				t.Errorf("%d .mf.hcl files, want 5", len(hclFiles))
			}
			all := ""
			for _, f := range hclFiles {
				if _, diags := p.ParseHCLFile(f); diags.HasErrors() {
					t.Errorf("%s: %v", f, diags)
				}
				b, _ := os.ReadFile(f)
				all += string(b)
			}

			depts := readCSV(t, filepath.Join(dir, "departments.csv"))
			if len(depts) != tt.sz.departments {
				t.Errorf("%d departments, want %d", len(depts), tt.sz.departments)
			}
			keys := map[string]string{}
			for _, d := range depts {
				keys[d["key"]] = d["level"]
			}
			for _, d := range depts {
				if d["level"] != "1" && keys[d["parent"]] == "" {
					t.Errorf("department %s has unknown parent %q", d["key"], d["parent"])
				}
			}

			accounts := readCSV(t, filepath.Join(dir, "accounts.csv"))
			if len(accounts) != tt.sz.accounts {
				t.Errorf("%d accounts, want %d", len(accounts), tt.sz.accounts)
			}
			emails := map[string]bool{}
			for _, a := range accounts {
				if emails[a["email"]] {
					t.Errorf("duplicate account %s", a["email"])
				}
				emails[a["email"]] = true
				if keys[a["dept"]] == "" {
					t.Errorf("account %s is in unknown department %s", a["email"], a["dept"])
				}
				domain := a["email"][strings.Index(a["email"], "@")+1:]
				if !strings.Contains(all, `name = "`+domain+`"`) {
					t.Errorf("account %s is in undeclared domain %s", a["email"], domain)
				}
			}

			groups := readCSV(t, filepath.Join(dir, "groups.csv"))
			if len(groups) != tt.sz.groups {
				t.Errorf("%d groups, want %d", len(groups), tt.sz.groups)
			}
			for _, g := range groups {
				for _, m := range strings.Split(g["members"], ";") {
					if !emails[m] {
						t.Errorf("group %s has member %s that is no account", g["email"], m)
					}
				}
			}

			records := readCSV(t, filepath.Join(dir, "records.csv"))
			explicit := strings.Count(all, "dns_record \"") - 1
			if got := len(records) + explicit; got != tt.sz.records {
				t.Errorf("%d RRsets, want %d", got, tt.sz.records)
			}
		})
	}
}

func TestGenerateIsReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	sz := sizes{accounts: 50, groups: 5, departments: 20, records: 30, zones: 2}
	if err := generate(a, sz, 3); err != nil {
		t.Fatal(err)
	}
	if err := generate(b, sz, 3); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"accounts.csv", "groups.csv", "departments.csv", "records.csv"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if string(x) != string(y) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
}

func TestSizesRejected(t *testing.T) {
	tests := []struct {
		sz   sizes
		want string
	}{
		{sizes{departments: 1, zones: 0}, "-zones"},
		{sizes{departments: 0, zones: 1}, "-departments"},
		{sizes{departments: 1, zones: 1, accounts: -1}, "negative"},
		{sizes{departments: 1, zones: 1, groups: 3}, "needs accounts"},
	}
	for _, tt := range tests {
		err := generate(t.TempDir(), tt.sz, 1)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("generate(%+v) = %v, want error containing %q", tt.sz, err, tt.want)
		}
	}
}
