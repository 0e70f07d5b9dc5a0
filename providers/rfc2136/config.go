// Package rfc2136 manages dns_record RRsets on any authoritative server that takes
// RFC 2136 UPDATE and AXFR with TSIG (BIND, Knot, PowerDNS, mailform's sandbox). It reads
// a zone with one AXFR and writes RRset replacements guarded by prerequisites, so a
// change made by someone else between plan and apply stops the apply instead of being
// overwritten.
package rfc2136

import (
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// Kind is the provider block label.
const Kind = "rfc2136"

// SecretEnv is the environment variable that supplies the TSIG secret when the
// configuration leaves key_secret out.
const SecretEnv = "MAILFORM_TSIG_SECRET"

// algorithms maps the algorithm names users write to miekg/dns's names.
var algorithms = map[string]string{
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha512": dns.HmacSHA512,
	"hmac-md5":    dns.HmacMD5,
}

// ConfigAttrs describes the attributes of a `provider "rfc2136"` block.
func ConfigAttrs() []*model.Attr {
	return []*model.Attr{
		{Name: "server", Kind: model.KindString, Required: true, Doc: "host:port of the primary server that takes UPDATE (port defaults to 53)"},
		{Name: "transfer_server", Kind: model.KindString, Doc: "host:port to read zones from with AXFR; defaults to server"},
		{Name: "key_name", Kind: model.KindString, Doc: "TSIG key name; leave out for unsigned requests"},
		{Name: "key_algorithm", Kind: model.KindString, Default: "hmac-sha256", Enum: []string{"hmac-sha256", "hmac-sha512", "hmac-md5"}, Doc: "TSIG algorithm"},
		{Name: "key_secret", Kind: model.KindString, Sensitive: true, Doc: "base64 TSIG secret; defaults to $" + SecretEnv},
		{Name: "timeout", Kind: model.KindString, Default: "10s", Doc: "how long to wait for one answer, a Go duration"},
		{Name: "transport", Kind: model.KindString, Default: "udp", Enum: []string{"udp", "tcp"}, Doc: "udp (TCP for large messages and truncated answers) or tcp"},
	}
}

// Register adds the rfc2136 provider kind to the providers registry.
func Register() {
	providers.Register(&providers.Factory{
		Kind:   Kind,
		Config: ConfigAttrs(),
		Types:  []string{model.DNSRecord.Name},
		New:    func(cfg model.Object, env providers.Env) (providers.Provider, error) { return New(cfg, env) },
	})
}

// Config is a decoded provider configuration.
type Config struct {
	Server         string // host:port for UPDATE
	TransferServer string // host:port for AXFR
	KeyName        string // absolute TSIG key name, "" for unsigned
	KeyAlgorithm   string // miekg/dns algorithm name
	KeySecret      string // base64
	Timeout        time.Duration
	Transport      string // "udp" or "tcp"
}

// ParseConfig checks and decodes a provider configuration. Errors never contain the
// secret.
func ParseConfig(cfg model.Object) (Config, error) {
	var c Config
	var err error
	if c.Server, err = hostPort("server", cfg.Str("server")); err != nil {
		return c, err
	}
	c.TransferServer = c.Server
	if ts := cfg.Str("transfer_server"); ts != "" {
		if c.TransferServer, err = hostPort("transfer_server", ts); err != nil {
			return c, err
		}
	}
	alg := strings.ToLower(orDefault(cfg.Str("key_algorithm"), "hmac-sha256"))
	c.KeyAlgorithm = algorithms[alg]
	if c.KeyAlgorithm == "" {
		return c, fmt.Errorf("rfc2136 provider: key_algorithm %q is not supported; use hmac-sha256, hmac-sha512 or hmac-md5", alg)
	}
	c.KeySecret = cfg.Str("key_secret")
	if c.KeySecret == "" {
		c.KeySecret = os.Getenv(SecretEnv)
	}
	if name := cfg.Str("key_name"); name != "" {
		c.KeyName = dns.CanonicalName(name)
		if c.KeySecret == "" {
			return c, fmt.Errorf("rfc2136 provider: key_name %q is set but no secret: set key_secret or %s", name, SecretEnv)
		}
		if _, err := base64.StdEncoding.DecodeString(c.KeySecret); err != nil {
			return c, fmt.Errorf("rfc2136 provider: the secret of TSIG key %q is not valid base64; check key_secret or %s", name, SecretEnv)
		}
	} else if cfg.Str("key_secret") != "" {
		return c, fmt.Errorf("rfc2136 provider: key_secret is set without key_name; add the TSIG key's name")
	}
	to := orDefault(cfg.Str("timeout"), "10s")
	if c.Timeout, err = time.ParseDuration(to); err != nil || c.Timeout <= 0 {
		return c, fmt.Errorf("rfc2136 provider: timeout %q is not a positive duration such as \"10s\"", to)
	}
	c.Transport = strings.ToLower(orDefault(cfg.Str("transport"), "udp"))
	if c.Transport != "udp" && c.Transport != "tcp" {
		return c, fmt.Errorf("rfc2136 provider: transport %q is not supported; use \"udp\" or \"tcp\"", c.Transport)
	}
	return c, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// hostPort checks a server address and adds the DNS port when it is left out.
func hostPort(attr, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("rfc2136 provider: %s is required, e.g. \"ns1.example.com:53\"", attr)
	}
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s, nil
	}
	h := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if h == "" || strings.ContainsAny(h, " /") {
		return "", fmt.Errorf("rfc2136 provider: %s %q is not a host or host:port", attr, s)
	}
	return net.JoinHostPort(h, "53"), nil
}

// Provider is an RFC 2136 provider instance.
type Provider struct {
	cfg Config
	log io.Writer

	mu sync.Mutex
	// seen holds the wire records of every RRset last read or written, by zone and
	// RRset key. Prerequisites must match the server's RDATA byte for byte, and the
	// canonical form loses how a TXT value was split into strings and the case of
	// names; prerequisites are built from these records when they still say what the
	// plan saw.
	seen map[string]map[string][]dns.RR
}

// New makes a provider from its configuration.
func New(cfg model.Object, env providers.Env) (*Provider, error) {
	if env.Offline && cfg.Str("key_name") != "" && cfg.Str("key_secret") == "" && os.Getenv(SecretEnv) == "" {
		cfg = cfg.Clone()
		cfg["key_secret"] = providers.OfflineSecret
	}
	c, err := ParseConfig(cfg)
	if err != nil {
		return nil, err
	}
	log := env.Log
	if log == nil {
		log = io.Discard
	}
	return &Provider{cfg: c, log: log, seen: map[string]map[string][]dns.RR{}}, nil
}

// Supports reports that the provider manages dns_record and all of its attributes.
func (p *Provider) Supports(typ string) ([]string, bool) {
	if typ != model.DNSRecord.Name {
		return nil, false
	}
	return model.DNSRecord.AttrNames(), true
}

// Close releases nothing: every request uses its own connection.
func (p *Provider) Close() error { return nil }

func (p *Provider) logf(format string, args ...any) {
	fmt.Fprintf(p.log, "rfc2136: "+format+"\n", args...)
}
