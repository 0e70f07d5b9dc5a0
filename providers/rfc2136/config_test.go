package rfc2136

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

const secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="

func TestParseConfig(t *testing.T) {
	cases := []struct {
		name    string
		cfg     model.Object
		env     string
		want    Config
		wantErr string
	}{
		{name: "defaults", cfg: model.Object{"server": "ns1.example.com"},
			want: Config{Server: "ns1.example.com:53", TransferServer: "ns1.example.com:53", KeyAlgorithm: dns.HmacSHA256, Timeout: 10 * time.Second, Transport: "udp"}},
		{name: "everything", cfg: model.Object{"server": "127.0.0.1:5300", "transfer_server": "[::1]:5301", "key_name": "Mailform", "key_algorithm": "hmac-sha512", "key_secret": secret, "timeout": "2s", "transport": "tcp"},
			want: Config{Server: "127.0.0.1:5300", TransferServer: "[::1]:5301", KeyName: "mailform.", KeyAlgorithm: dns.HmacSHA512, KeySecret: secret, Timeout: 2 * time.Second, Transport: "tcp"}},
		{name: "secret from env", cfg: model.Object{"server": "ns1:53", "key_name": "k.", "key_algorithm": "hmac-md5"}, env: secret,
			want: Config{Server: "ns1:53", TransferServer: "ns1:53", KeyName: "k.", KeyAlgorithm: dns.HmacMD5, KeySecret: secret, Timeout: 10 * time.Second, Transport: "udp"}},
		{name: "no server", cfg: model.Object{}, wantErr: "server is required"},
		{name: "bad server", cfg: model.Object{"server": "ns1 example"}, wantErr: `server "ns1 example" is not a host`},
		{name: "bad transfer server", cfg: model.Object{"server": "ns1", "transfer_server": "a/b"}, wantErr: "transfer_server"},
		{name: "bad algorithm", cfg: model.Object{"server": "ns1", "key_algorithm": "hmac-sha1"}, wantErr: `key_algorithm "hmac-sha1" is not supported`},
		{name: "key without secret", cfg: model.Object{"server": "ns1", "key_name": "k"}, wantErr: "set key_secret or MAILFORM_TSIG_SECRET"},
		{name: "secret not base64", cfg: model.Object{"server": "ns1", "key_name": "k", "key_secret": "not base64!"}, wantErr: "not valid base64"},
		{name: "secret without key", cfg: model.Object{"server": "ns1", "key_secret": secret}, wantErr: "without key_name"},
		{name: "bad timeout", cfg: model.Object{"server": "ns1", "timeout": "soon"}, wantErr: `timeout "soon"`},
		{name: "negative timeout", cfg: model.Object{"server": "ns1", "timeout": "-1s"}, wantErr: "positive duration"},
		{name: "bad transport", cfg: model.Object{"server": "ns1", "transport": "quic"}, wantErr: `transport "quic"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(SecretEnv, c.env)
			got, err := ParseConfig(c.cfg)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				if s := c.cfg.Str("key_secret"); s != "" && strings.Contains(err.Error(), s) {
					t.Errorf("error reveals the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestRegisterAndSupports(t *testing.T) {
	Register()
	f := providers.Lookup(Kind)
	if f == nil || len(f.Types) != 1 || f.Types[0] != "dns_record" {
		t.Fatalf("factory = %+v, want rfc2136 serving dns_record", f)
	}
	var sensitive []string
	for _, a := range f.Config {
		if a.Sensitive {
			sensitive = append(sensitive, a.Name)
		}
	}
	if strings.Join(sensitive, ",") != "key_secret" {
		t.Errorf("sensitive config attributes = %v, want [key_secret]", sensitive)
	}
	p, err := f.New(model.Object{"server": "127.0.0.1:53"}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	attrs, ok := p.Supports("dns_record")
	if !ok || strings.Join(attrs, ",") != "zone,name,type,records,ttl" {
		t.Errorf("Supports(dns_record) = %v, %v", attrs, ok)
	}
	if _, ok := p.Supports("account"); ok {
		t.Errorf("Supports(account) = true")
	}
	if _, err := f.New(model.Object{}, providers.Env{}); err == nil {
		t.Errorf("New without server succeeded")
	}
}
