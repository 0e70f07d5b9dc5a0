package schema

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitRepo makes a git repository holding a module in base/, tagged v1, and returns
// its file:// URL.
func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git is not installed: %v", err)
	}
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, "base"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "base", "main.mf.hcl"), []byte("variable \"domain\" {}\ndomain \"this\" { name = var.domain }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"init", "--quiet"}, {"add", "."},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base"},
		{"tag", "v1"},
	} {
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return "file://" + repo
}

// A git source pinned by ref is fetched once into .mailform/modules and loaded from
// there; a later load needs no repository.
func TestGitModuleSource(t *testing.T) {
	url := gitRepo(t)
	root := t.TempDir()
	src := map[string][]byte{"main.mf.hcl": []byte("module \"base\" {\n  source = \"git::" + url + "//base?ref=v1\"\n  domain = \"example.com\"\n}\n")}
	cfg, diags := LoadSources(root, src)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if cfg.Resource("module.base.domain.this") == nil {
		t.Fatalf("the git module's domain block is not loaded: %v", cfg.Resources)
	}
	var cached bool
	for n := range cfg.Sources {
		if strings.HasPrefix(n, ModuleCacheDir+"/") && strings.HasSuffix(n, "/base/main.mf.hcl") {
			cached = true
		}
	}
	if !cached {
		t.Errorf("the fetched files are not among the sources a saved plan keeps: %v", cfg.Sources)
	}
	if err := os.RemoveAll(strings.TrimPrefix(url, "file://")); err != nil {
		t.Fatal(err)
	}
	if _, diags := LoadSources(root, map[string][]byte{"main.mf.hcl": src["main.mf.hcl"]}); diags.HasErrors() {
		t.Errorf("loading again without the repository: %s", diags.Error())
	}
	// A saved plan's sources load without fetching, even in another directory.
	if _, diags := LoadSources(t.TempDir(), cfg.Sources); diags.HasErrors() {
		t.Errorf("loading a saved plan's sources: %s", diags.Error())
	}
}

func TestGitModuleSourceErrors(t *testing.T) {
	url := gitRepo(t)
	for _, tt := range []struct{ source, want string }{
		{"git::" + url + "//base", "has no ref"},
		{"git::" + url + "//base?ref=v9", "Cannot fetch module source"},
		{"git::" + url + "//../x?ref=v1", "may not leave the repository"},
		{"hashicorp/consul/aws", "neither a local path nor a git URL"},
	} {
		_, diags := LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte("module \"m\" {\n  source = \"" + tt.source + "\"\n}\n")})
		if !diags.HasErrors() {
			t.Errorf("%s: no error", tt.source)
			continue
		}
		var text []string
		for _, d := range diags {
			text = append(text, d.Summary+": "+d.Detail)
		}
		if all := strings.Join(text, "\n"); !strings.Contains(all, tt.want) || !strings.Contains(diags[0].Subject.String(), "main.mf.hcl:2") {
			t.Errorf("%s: want %q at main.mf.hcl:2, got %s: %s", tt.source, tt.want, diags[0].Subject, all)
		}
	}
}
