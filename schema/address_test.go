package schema

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "account.alice", want: "account.alice"},
		{in: `account.staff["bob@example.com"]`, want: `account.staff["bob@example.com"]`},
		{in: `dns_record.r["a \"quoted\" key"]`, want: `dns_record.r["a \"quoted\" key"]`},
		{in: "account", wantErr: "has the form type.name"},
		{in: "mailbox.alice", wantErr: `"mailbox" is not a resource type`},
		{in: "account.staff[0]", wantErr: "An instance key is a string"},
		{in: `account.a["k"].email`, wantErr: `type.name or type.name["key"]`},
		{in: "account.", wantErr: "is not a resource address"},
		{in: "", wantErr: "is not a resource address"},
	}
	for _, tt := range tests {
		got, err := ParseAddr(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAddr(%q) = %q, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// InstanceAddr, SplitAddr and ParseAddr agree on every key, however odd.
func TestAddrRoundTrip(t *testing.T) {
	key := func(s string) *string { return &s }
	tests := []struct {
		typ, name string
		key       *string
		want      string
	}{
		{"account", "alice", nil, "account.alice"},
		{"account", "staff", key("bob@example.com"), `account.staff["bob@example.com"]`},
		{"group", "g", key(""), `group.g[""]`},
		{"dns_record", "r", key(`a"b]c[`), `dns_record.r["a\"b]c["]`},
		{"department", "d", key("销售"), `department.d["销售"]`},
	}
	for _, tt := range tests {
		addr := InstanceAddr(tt.typ, tt.name, tt.key)
		if addr != tt.want {
			t.Errorf("InstanceAddr = %q, want %q", addr, tt.want)
		}
		res, k := SplitAddr(addr)
		if res != tt.typ+"."+tt.name {
			t.Errorf("SplitAddr(%q) resource = %q", addr, res)
		}
		if (k == nil) != (tt.key == nil) || (k != nil && *k != *tt.key) {
			t.Errorf("SplitAddr(%q) key = %v, want %v", addr, k, tt.key)
		}
		parsed, err := ParseAddr(addr)
		if err != nil || parsed != addr {
			t.Errorf("ParseAddr(%q) = %q, %v", addr, parsed, err)
		}
	}
	// A malformed key is left whole rather than guessed at.
	if res, k := SplitAddr(`account.a[unquoted]`); res != `account.a[unquoted]` || k != nil {
		t.Errorf("SplitAddr of a bad key = %q, %v", res, k)
	}
}

func TestModuleAddresses(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`module.sub.account.alice`, `module.sub.account.alice`},
		{`module.subsidiary["hk"].account.staff["a@b.com"]`, `module.subsidiary["hk"].account.staff["a@b.com"]`},
		{`module.a["x.y"].module.b.group.g["k"]`, `module.a["x.y"].module.b.group.g["k"]`},
	} {
		got, err := ParseAddr(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseAddr(%q) = %q, %v", tt.in, got, err)
		}
	}
	for _, bad := range []string{`module.sub`, `module.sub[0].account.a`, `module.sub["k"]`, `module["x"].account.a`} {
		if got, err := ParseAddr(bad); err == nil {
			t.Errorf("ParseAddr(%q) = %q, want an error", bad, got)
		}
	}
	if got, err := ParseTarget(`module.sub["hk"]`); err != nil || got != `module.sub["hk"]` {
		t.Errorf("ParseTarget of a module instance = %q, %v", got, err)
	}
	addr := `module.sub["a.b]c"].module.team.account.staff["x@y.com"]`
	mod, rest := SplitModule(addr)
	if mod != `module.sub["a.b]c"].module.team` || rest != `account.staff["x@y.com"]` {
		t.Errorf("SplitModule = %q, %q", mod, rest)
	}
	r, k := SplitAddr(addr)
	if r != `module.sub["a.b]c"].module.team.account.staff` || k == nil || *k != "x@y.com" {
		t.Errorf("SplitAddr = %q, %v", r, k)
	}
	if b := BlockAddr(addr); b != "module.sub.module.team.account.staff" {
		t.Errorf("BlockAddr = %q", b)
	}
	if got := ModuleAncestors(`module.sub["a.b]c"].module.team`); len(got) != 2 || got[0] != `module.sub["a.b]c"]` || got[1] != `module.sub["a.b]c"].module.team` {
		t.Errorf("ModuleAncestors = %q", got)
	}
	for _, tt := range []struct {
		addr, target string
		want         bool
	}{
		{addr, `module.sub["a.b]c"]`, true},
		{addr, `module.sub`, true},
		{addr, `module.sub["a"]`, false},
		{addr, `module.sub["a.b]c"].module.team.account.staff`, true},
		{`module.subsidiary.account.a`, `module.sub`, false},
		{`account.staff["x"]`, `account.staff`, true},
		{`account.staffer`, `account.staff`, false},
	} {
		if got := Within(tt.addr, tt.target); got != tt.want {
			t.Errorf("Within(%s, %s) = %v", tt.addr, tt.target, got)
		}
	}
}

// InstanceAddr quotes a key as strconv.Quote does, with or without its shortcut.
func TestInstanceAddrQuotesAsStrconv(t *testing.T) {
	keys := []string{"", "a", "nora.wang@example.com", "bigcorp0.example.com/host-00001/A", "a b", `a"b`, `a\b`,
		"a\tb", "a\nb", "\x00", "\x1f", "\x7f", "~", " ", "é", "日本", "\u200b", "\xff", "a\u0301"}
	for c := 0; c < 256; c++ {
		keys = append(keys, "k"+string(rune(c)), "k"+string([]byte{byte(c)}))
	}
	for _, k := range keys {
		want := "account.x[" + strconv.Quote(k) + "]"
		if got := InstanceAddr("account", "x", &k); got != want {
			t.Errorf("InstanceAddr key %q = %s, want %s", k, got, want)
		}
	}
}
