package state

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestSecretHash(t *testing.T) {
	st := New()
	secrets := []string{"correct horse battery staple", "", "pä$$wörd:with:colons"}
	for _, secret := range secrets {
		for _, h := range []string{HashSecret(secret), st.HashSecret(secret)} {
			if !strings.HasPrefix(h, "argon2id:m=19456,t=2,p=1:") || strings.Count(h, ":") != 4 {
				t.Errorf("HashSecret(%q) = %q, want argon2id:<params>:<salt>:<salt>:<mac>", secret, h)
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
			if !IsSecretHash(h) || SecretNeedsUpgrade(h) {
				t.Errorf("IsSecretHash(%q) = %v, SecretNeedsUpgrade = %v; want true, false", h, IsSecretHash(h), SecretNeedsUpgrade(h))
			}
		}
		if h1, h2 := st.HashSecret(secret), st.HashSecret(secret); h1 == h2 {
			t.Errorf("two hashes of %q in one state are equal; the value salt is not random", secret)
		}
	}
}

// One state's hashes share the expensive KDF: hashing and checking the password of
// thousands of accounts that share an initial password runs argon2id once.
func TestSecretHashSharesTheKDFPerState(t *testing.T) {
	st := New()
	before := kdfRuns.Load()
	start := time.Now()
	hashes := make([]string, 5000)
	for i := range hashes {
		hashes[i] = st.HashSecret("Initial-Passw0rd!")
	}
	for _, h := range hashes {
		if !SecretMatches(h, "Initial-Passw0rd!") {
			t.Fatal("a shared-salt hash does not match")
		}
	}
	if n := kdfRuns.Load() - before; n != 1 {
		t.Errorf("argon2id ran %d times for 5,000 hashes of one secret in one state, want 1", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("5,000 hashes and checks took %s", d)
	}
	// Another state (another lineage) has its own salt.
	other := New()
	if h := other.HashSecret("Initial-Passw0rd!"); strings.Split(h, ":")[2] == strings.Split(hashes[0], ":")[2] {
		t.Error("two states share a KDF salt")
	}
}

// Hashes of earlier builds (one round of salted SHA-256) still match, and say they
// need an upgrade.
func TestLegacySecretHash(t *testing.T) {
	salt := make([]byte, 16)
	rand.Read(salt)
	legacy := "sha256:" + hex.EncodeToString(salt) + ":" + hex.EncodeToString(legacySum(salt, "pw"))
	if !SecretMatches(legacy, "pw") || SecretMatches(legacy, "px") {
		t.Error("a legacy hash does not match its secret only")
	}
	if !IsSecretHash(legacy) || !SecretNeedsUpgrade(legacy) {
		t.Error("a legacy hash is not recognised as one that needs an upgrade")
	}
	weaker := strings.Replace(HashSecret("pw"), "m=19456,t=2", "m=8192,t=1", 1)
	if !SecretNeedsUpgrade(weaker) {
		t.Error("a hash with weaker parameters does not need an upgrade")
	}
}

func TestSecretMatchesRejectsMalformed(t *testing.T) {
	good := strings.Split(HashSecret("secret"), ":")
	with := func(i int, v string) string {
		p := append([]string(nil), good...)
		p[i] = v
		return strings.Join(p, ":")
	}
	start := time.Now()
	for _, h := range []string{"", "secret", "md5:00:00", "sha256:zz:00", "sha256::00", "sha256:00:zz", "sha256:00",
		with(1, "m=4194304,t=2,p=1"), with(1, "m=19456,t=100,p=1"), with(1, "m=19456,t=2,p=0"), with(1, "m=19456, t=2,p=1"),
		with(1, "x"), with(2, "zz"), with(2, "00"), with(3, ""), with(4, "00"), strings.Join(good[:4], ":")} {
		if SecretMatches(h, "secret") {
			t.Errorf("SecretMatches(%q) = true, want false", h)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing malformed hashes took %s: parameters out of bounds were used", d)
	}
	if IsSecretHash("plain text") {
		t.Error("IsSecretHash accepted plain text")
	}
}
