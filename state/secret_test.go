package state

import (
	"strings"
	"testing"
)

func TestSecretHash(t *testing.T) {
	secrets := []string{"correct horse battery staple", "", "pä$$wörd:with:colons"}
	for _, secret := range secrets {
		h := HashSecret(secret)
		if !strings.HasPrefix(h, "sha256:") || strings.Count(h, ":") != 2 {
			t.Errorf("HashSecret(%q) = %q, want sha256:<salt>:<hash>", secret, h)
		}
		if secret != "" && strings.Contains(h, secret) {
			t.Errorf("hash %q contains the clear text", h)
		}
		if !SecretMatches(h, secret) {
			t.Errorf("SecretMatches(HashSecret(%q)) = false", secret)
		}
		if SecretMatches(h, secret+"x") {
			t.Errorf("SecretMatches accepted another secret for %q", secret)
		}
		if h2 := HashSecret(secret); h2 == h {
			t.Errorf("two hashes of %q are equal; the salt is not random", secret)
		}
		if !IsSecretHash(h) {
			t.Errorf("IsSecretHash(%q) = false", h)
		}
	}
}

func TestSecretMatchesRejectsMalformed(t *testing.T) {
	for _, h := range []string{"", "secret", "md5:00:00", "sha256:zz:00", "sha256::00", "sha256:00:zz", "sha256:00"} {
		if SecretMatches(h, "secret") {
			t.Errorf("SecretMatches(%q) = true, want false", h)
		}
	}
	if IsSecretHash("plain text") {
		t.Error("IsSecretHash accepted plain text")
	}
}
