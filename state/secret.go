package state

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Stored secret hashes detect a changed password; they must not let whoever reads a
// state file or a backup test guesses quickly. A hash is
//
//	argon2id:m=19456,t=2,p=1:<state salt hex>:<value salt hex>:<mac hex>
//
// where key = argon2id(secret, state salt) and mac = HMAC-SHA256(key, value salt).
// The parameters are OWASP's minimum for argon2id (19 MiB, two passes, one lane):
// about 45 ms and 19 MiB per guess on a server core, against billions of guesses a
// second for the salted SHA-256 hashes ("sha256:<salt>:<hash>") of earlier builds.
//
// The state salt is shared by the hashes written into one state (it comes from the
// lineage); the random value salt is per stored value, so equal passwords never show
// as equal hashes. Sharing the expensive part is what keeps plans fast: a 50,000-
// account plan whose accounts share an initial password runs argon2id once and an
// HMAC per account, instead of 50,000 × 45 ms. The price is that one guess costs an
// attacker one argon2id per state (and per distinct password), not one per account.
const (
	kdfScheme    = "argon2id"
	legacyScheme = "sha256"
	kdfTime      = 2
	kdfMemoryKiB = 19 * 1024
	kdfThreads   = 1
	kdfKeyLen    = 32
	// Stored parameters above these are refused, so a hostile state file cannot make
	// a plan allocate gigabytes.
	maxKDFMemoryKiB = 256 * 1024
	maxKDFTime      = 16
	maxKDFThreads   = 16
)

var kdfParams = fmt.Sprintf("m=%d,t=%d,p=%d", kdfMemoryKiB, kdfTime, kdfThreads)

// keyCache remembers argon2id keys by parameters, state salt and secret for the
// life of the process: the secrets are in its memory anyway, and without it every
// account would pay for the KDF again.
var keyCache sync.Map // keyCacheKey → []byte

// kdfRuns counts argon2id computations, for tests of the cache.
var kdfRuns atomic.Int64

type keyCacheKey struct{ params, salt, secret string }

// kdfKey returns argon2id(secret, salt) with the given parameters, computed once per
// process. Concurrent first calls for one key may both compute it; both get the
// same bytes.
func kdfKey(params string, t, m uint32, p uint8, salt []byte, secret string) []byte {
	k := keyCacheKey{params, string(salt), secret}
	if v, ok := keyCache.Load(k); ok {
		return v.([]byte)
	}
	kdfRuns.Add(1)
	key := argon2.IDKey([]byte(secret), salt, t, m, p, kdfKeyLen)
	keyCache.Store(k, key)
	return key
}

// stateSalt derives the shared KDF salt of a state from its lineage, so every
// process that writes into the state uses the same one.
func stateSalt(lineage string) []byte {
	s := sha256.Sum256([]byte("mailform secret salt\x00" + lineage))
	return s[:16]
}

// HashSecret returns the stored form of secret for this state (see the format
// above): only this is kept, enough to notice a changed password.
func (s *State) HashSecret(secret string) string {
	return hashWith(stateSalt(s.Lineage), secret)
}

// HashSecret returns the stored form of secret with a fresh random state salt, for a
// value that belongs to no state.
func HashSecret(secret string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic("state: no randomness for a salt: " + err.Error())
	}
	return hashWith(salt, secret)
}

func hashWith(salt []byte, secret string) string {
	vsalt := make([]byte, 16)
	if _, err := rand.Read(vsalt); err != nil {
		panic("state: no randomness for a salt: " + err.Error())
	}
	key := kdfKey(kdfParams, kdfTime, kdfMemoryKiB, kdfThreads, salt, secret)
	return strings.Join([]string{kdfScheme, kdfParams, hex.EncodeToString(salt), hex.EncodeToString(vsalt), hex.EncodeToString(mac(key, vsalt))}, ":")
}

func mac(key, vsalt []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(vsalt)
	return h.Sum(nil)
}

// SecretMatches reports whether hash (from HashSecret, or the salted SHA-256 of
// earlier builds) was made from secret. A value that is not such a hash never matches.
func SecretMatches(hash, secret string) bool {
	parts := strings.Split(hash, ":")
	switch {
	case len(parts) == 3 && parts[0] == legacyScheme:
		salt, err := hex.DecodeString(parts[1])
		if err != nil || len(salt) == 0 {
			return false
		}
		want, err := hex.DecodeString(parts[2])
		if err != nil {
			return false
		}
		return subtle.ConstantTimeCompare(legacySum(salt, secret), want) == 1
	case len(parts) == 5 && parts[0] == kdfScheme:
		t, m, p, ok := parseParams(parts[1])
		if !ok {
			return false
		}
		salt, err1 := hex.DecodeString(parts[2])
		vsalt, err2 := hex.DecodeString(parts[3])
		want, err3 := hex.DecodeString(parts[4])
		if err1 != nil || err2 != nil || err3 != nil || len(salt) < 8 || len(vsalt) == 0 || len(want) != sha256.Size {
			return false
		}
		return hmac.Equal(mac(kdfKey(parts[1], t, m, p, salt, secret), vsalt), want)
	}
	return false
}

// parseParams reads "m=…,t=…,p=…" within the limits this build accepts.
func parseParams(s string) (t, m uint32, p uint8, ok bool) {
	var mm, tt, pp uint64
	if n, err := fmt.Sscanf(s, "m=%d,t=%d,p=%d", &mm, &tt, &pp); err != nil || n != 3 || fmt.Sprintf("m=%d,t=%d,p=%d", mm, tt, pp) != s {
		return 0, 0, 0, false
	}
	if mm < 8 || mm > maxKDFMemoryKiB || tt < 1 || tt > maxKDFTime || pp < 1 || pp > maxKDFThreads {
		return 0, 0, 0, false
	}
	return uint32(tt), uint32(mm), uint8(pp), true
}

// SecretNeedsUpgrade reports whether hash uses an older scheme or weaker parameters
// than this build writes; apply then stores it again (when it still matches the
// configured value) without changing the password.
func SecretNeedsUpgrade(hash string) bool {
	parts := strings.Split(hash, ":")
	return IsSecretHash(hash) && (parts[0] != kdfScheme || parts[1] != kdfParams)
}

// IsSecretHash reports whether v looks like a value made by HashSecret, by this
// build or an earlier one.
func IsSecretHash(v string) bool {
	parts := strings.Split(v, ":")
	switch {
	case len(parts) == 3 && parts[0] == legacyScheme:
		return len(parts[2]) == 2*sha256.Size
	case len(parts) == 5 && parts[0] == kdfScheme:
		return len(parts[4]) == 2*sha256.Size
	}
	return false
}

func legacySum(salt []byte, secret string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(secret))
	return h.Sum(nil)
}
