package schema

import (
	"strings"
	"testing"
)

// Loading any bytes as a configuration reports diagnostics and never panics or
// overflows the stack.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"provider \"sandbox\" {}\n",
		"account \"a\" {\n  email = \"a@example.com\"\n  name = \"A\"\n}\n",
		"locals { x = [for i in range(3) : \"${i}\"] }\n",
		"variable \"v\" {\n  type = map(string)\n  default = { a = \"b\" }\n}\n",
		"dns_record \"x\" {\n  zone = \"example.com\"\n  name = \"@\"\n  type = \"TXT\"\n  records = [<<EOT\nv=spf1 -all\nEOT\n  ]\n}\n",
		strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200),
		"x = \"${\"${\"${1}\"}\"}\"",
		"\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		cfg, _ := LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(src)})
		if cfg != nil {
			cfg.VariableValues(VarInputs{Environ: []string{}, UnsetUnknown: true})
		}
	})
}

func TestCheckText(t *testing.T) {
	for s, bad := range map[string]bool{"Zoë 张伟": false, "": false, "a\x00b": true, "tab\there": true, "line\nfeed": true,
		"bad\xffbyte": true, "repl\uFFFDchar": true, "c1\u0085": true, "del\x7f": true} {
		if err := CheckText(s); (err != nil) != bad {
			t.Errorf("CheckText(%q) = %v, want refused %v", s, err, bad)
		}
	}
}
