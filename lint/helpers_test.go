package lint

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// rec builds a Record in example.com with a distinct source line per call site order.
func rec(name, typ string, records ...string) Record {
	return recIn("example.com", name, typ, records...)
}

func recIn(zone, name, typ string, records ...string) Record {
	return Record{Zone: zone, Name: name, Type: typ, TTL: 600, Records: records}
}

// number gives each record a distinct address and source range, as the decoder would.
func number(rs []Record) []Record {
	out := make([]Record, len(rs))
	for i, r := range rs {
		if r.Address == "" {
			r.Address = fmt.Sprintf("dns_record.r%d", i)
		}
		r.Range = hcl.Range{
			Filename: "dns.mf.hcl",
			Start:    hcl.Pos{Line: i*10 + 1, Column: 1, Byte: i * 100},
			End:      hcl.Pos{Line: i*10 + 1, Column: 20, Byte: i*100 + 19},
		}
		out[i] = r
	}
	return out
}

// found returns "RULE:severity" for each diagnostic, sorted, and checks the shape every
// diagnostic must have.
func found(t *testing.T, diags hcl.Diagnostics) []string {
	t.Helper()
	var out []string
	for _, d := range diags {
		if !strings.HasPrefix(d.Summary, "[") || !strings.Contains(d.Summary, "] ") {
			t.Errorf("summary %q does not start with [RULE-ID]", d.Summary)
			continue
		}
		id := d.Summary[1:strings.Index(d.Summary, "]")]
		r := ruleByID(id)
		if r.Severity != d.Severity {
			t.Errorf("%s reported with severity %v, rule says %v", id, d.Severity, r.Severity)
		}
		if d.Detail == "" || d.Subject == nil || d.Subject.Filename == "" {
			t.Errorf("%s: detail %q and subject %v must be set", d.Summary, d.Detail, d.Subject)
		}
		out = append(out, id+":"+sevName(d.Severity))
	}
	sort.Strings(out)
	return out
}

func sevName(s hcl.DiagnosticSeverity) string {
	if s == hcl.DiagError {
		return "error"
	}
	return "warning"
}

// rsaKey returns a base64 RSA public key of the given size. The modulus need not be a
// real product of primes: only its length matters to the lint, and generating weak keys
// is refused by crypto/rsa.
func rsaKey(t *testing.T, bits int, pkcs1 bool) string {
	t.Helper()
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	n.Add(n, big.NewInt(1))
	pub := &rsa.PublicKey{N: n, E: 65537}
	if pkcs1 {
		return base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(pub))
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func ecKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func ed25519Key() string {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	return base64.StdEncoding.EncodeToString(pub)
}

func sortStrings(s []string) { sort.Strings(s) }
