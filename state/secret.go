package state

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// secretScheme prefixes every stored secret hash so that a later build can change the
// algorithm and still read old states.
const secretScheme = "sha256"

// HashSecret returns "sha256:<salt hex>:<hash hex>" for secret with a fresh random
// 16-byte salt. State keeps only this, which is enough to notice a changed password;
// the salt keeps equal passwords from showing as equal hashes.
func HashSecret(secret string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic("state: no randomness for a salt: " + err.Error())
	}
	return secretScheme + ":" + hex.EncodeToString(salt) + ":" + hex.EncodeToString(saltedSum(salt, secret))
}

// SecretMatches reports whether hash (from HashSecret) was made from secret. A value
// that is not such a hash never matches.
func SecretMatches(hash, secret string) bool {
	parts := strings.Split(hash, ":")
	if len(parts) != 3 || parts[0] != secretScheme {
		return false
	}
	salt, err := hex.DecodeString(parts[1])
	if err != nil || len(salt) == 0 {
		return false
	}
	want, err := hex.DecodeString(parts[2])
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(saltedSum(salt, secret), want) == 1
}

// IsSecretHash reports whether v looks like a value made by HashSecret.
func IsSecretHash(v string) bool {
	parts := strings.Split(v, ":")
	return len(parts) == 3 && parts[0] == secretScheme && len(parts[2]) == 2*sha256.Size
}

func saltedSum(salt []byte, secret string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(secret))
	return h.Sum(nil)
}
