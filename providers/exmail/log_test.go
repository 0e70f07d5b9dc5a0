package exmail

import (
	"bytes"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

func TestDebugLogHasNoSecrets(t *testing.T) {
	f := newFixture(t, nil, nil)
	t.Setenv("MAILFORM_LOG", "debug")
	var log bytes.Buffer
	prov, err := New(model.Object{"endpoint": f.url, "corp_id": testCorp, "contacts_secret": testContacts,
		"options_secret": testOptions, "rate_limit": int64(1000)}, providers.Env{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer prov.Close()
	const password = "Pa55-word-in-clear"
	c := ctx(t)
	if _, err := prov.Create(c, "account", "a", model.Object{"email": "a@example.com", "name": "A", "password": password, "imap_smtp": true}); err != nil {
		t.Fatal(err)
	}
	if err := prov.Delete(c, "account", "a@example.com", nil); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	for _, want := range []string{"POST user/create", "POST useroption/update", "GET gettoken", "GET user/delete", "errcode=0", "elapsed=", "access_token=REDACTED", "corpsecret=REDACTED"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{testContacts, testOptions, password} {
		if strings.Contains(out, secret) {
			t.Fatalf("debug log shows the secret %q:\n%s", secret, out)
		}
	}
	if regexp.MustCompile(`[0-9a-f]{32}`).MatchString(out) {
		t.Fatalf("debug log shows an access token:\n%s", out)
	}
}

func TestNoLogWithoutDebug(t *testing.T) {
	f := newFixture(t, nil, nil)
	t.Setenv("MAILFORM_LOG", "")
	var log bytes.Buffer
	prov, err := New(model.Object{"endpoint": f.url, "corp_id": testCorp, "contacts_secret": testContacts}, providers.Env{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prov.Read(ctx(t), providers.ReadRequest{Type: "department"}); err != nil {
		t.Fatal(err)
	}
	if log.Len() != 0 {
		t.Fatalf("logged without MAILFORM_LOG=debug: %s", log.String())
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	f := newFixture(t, nil, nil)
	t.Setenv("EXMAIL_CORP_ID", testCorp)
	t.Setenv("EXMAIL_CONTACTS_SECRET", testContacts)
	t.Setenv("EXMAIL_OPTIONS_SECRET", testOptions)
	prov, err := New(model.Object{"endpoint": f.url, "timeout": "5s"}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prov.Read(ctx(t), providers.ReadRequest{Type: "account"}); err != nil {
		t.Fatalf("credentials from the environment: %v", err)
	}

	t.Setenv("EXMAIL_CONTACTS_SECRET", "")
	tests := []struct {
		name string
		cfg  model.Object
		want string
	}{
		{"no secret", model.Object{"corp_id": "x"}, "EXMAIL_CONTACTS_SECRET"},
		{"bad timeout", model.Object{"corp_id": "x", "contacts_secret": "s", "timeout": "soon"}, "timeout"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg, providers.Env{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to mention %s", tt.name, err, tt.want)
		}
	}
}

// A transport failure names the endpoint but never the URL, which carries the secret.
func TestTransportErrorHidesSecret(t *testing.T) {
	srv := httptest.NewServer(nil)
	url := srv.URL
	srv.Close()
	c, err := NewClient(Config{Endpoint: url, CorpID: testCorp, ContactsSecret: testContacts, MaxAttempts: 2, BackoffBase: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListDepartments(ctx(t), 0)
	if err == nil || !strings.Contains(err.Error(), "gettoken") {
		t.Fatalf("error = %v, want one naming gettoken", err)
	}
	if strings.Contains(err.Error(), testContacts) {
		t.Fatalf("error shows the secret: %v", err)
	}
}

func TestRegister(t *testing.T) {
	Register()
	Register()
	f := providers.Lookup("exmail")
	if f == nil || len(f.Types) != 4 {
		t.Fatalf("registered factory = %+v", f)
	}
	for _, a := range f.Config {
		if strings.HasSuffix(a.Name, "_secret") && !a.Sensitive {
			t.Errorf("%s is not marked sensitive", a.Name)
		}
	}
}
