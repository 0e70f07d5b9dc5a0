package tenant

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mailform/mailform/model"
)

// Write-only attributes (passwords) are kept only as salted PBKDF2-SHA256 hashes, so a
// copied sandbox directory leaks no secret; the hash lets the HTTP front end check
// logins. 1,000 iterations is RFC 8018's recommended minimum: ~0.14 ms a hash, so a
// 3,000-account apply spends ~0.45 s of CPU on them, spread over the cores (prehash),
// where 10,000 took ~4.5 s under the write lock and dominated it. A sandbox holds test tenants whose passwords
// usually sit in clear text in the configuration or its variables anyway, so a
// costlier hash would protect little. Each hash records its count, so hashes made with another count (older
// builds' 10,000) still verify and the count can change without a migration.
const pbkdf2Iterations = 1000

// legacyIterations is the count of hashes stored without one.
const legacyIterations = 10000

type secretHash struct {
	Salt []byte `json:"salt"`
	Hash []byte `json:"hash"`
	Iter int    `json:"iter,omitempty"`
}

// hashSecret returns the stored form of value under a fresh salt.
func hashSecret(value string) ([]byte, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	h, err := pbkdf2.Key(sha256.New, value, salt, pbkdf2Iterations, 32)
	if err != nil {
		return nil, err
	}
	return json.Marshal(secretHash{Salt: salt, Hash: h, Iter: pbkdf2Iterations})
}

// prehash hashes the write-only attributes of o (of resource type typ) before a write
// transaction starts: bbolt runs one writer at a time, so hashing inside it would
// serialise every concurrent create on the hash. The result, keyed by the secret, is
// handed to the transaction (Tx.hashed) by attribute name; nil when o has none or typ
// is unknown (the write then reports that).
func prehash(typ string, o model.Object) (map[string]prehashed, error) {
	k := kinds[typ]
	if k == nil {
		return nil, nil
	}
	var out map[string]prehashed
	_, secrets := prepare(k.t, o)
	for n, v := range secrets {
		b, err := hashSecret(v)
		if err != nil {
			return nil, fmt.Errorf("sandbox %s: hashing %s: %w", typ, n, err)
		}
		if out == nil {
			out = map[string]prehashed{}
		}
		out[n] = prehashed{plain: v, stored: b}
	}
	return out, nil
}

// prehashed is one secret hashed by prehash: the value it was made from and the form
// to store.
type prehashed struct {
	plain  string
	stored []byte
}

// setSecret stores the hash of value, the write-only attribute attr, under key; a hash
// prehash made of the same value is used instead of hashing again.
func (tx *Tx) setSecret(key, attr, value string) error {
	h, ok := tx.hashed[attr]
	b := h.stored
	if !ok || h.plain != value {
		var err error
		if b, err = hashSecret(value); err != nil {
			return err
		}
	}
	return tx.tx.Bucket(bucketSecrets).Put([]byte(key), b)
}

func (tx *Tx) dropSecrets(prefix string) error {
	b := tx.tx.Bucket(bucketSecrets)
	// Keys sort by prefix, so an object's secrets sit together after a seek.
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// CheckPassword reports whether password is the one last set for the account email.
// An account whose password was never set matches nothing.
func (s *Store) CheckPassword(email, password string) (bool, error) {
	var ok bool
	err := s.view(func(tx *Tx) error {
		b := tx.tx.Bucket(bucketSecrets).Get([]byte("account/" + strings.ToLower(strings.TrimSpace(email)) + "/password"))
		if b == nil {
			return nil
		}
		var sh secretHash
		if err := json.Unmarshal(b, &sh); err != nil {
			return fmt.Errorf("sandbox password of %s is unreadable: %w", email, err)
		}
		iter := sh.Iter
		if iter <= 0 {
			iter = legacyIterations
		}
		h, err := pbkdf2.Key(sha256.New, password, sh.Salt, iter, 32)
		if err != nil {
			return err
		}
		ok = hmac.Equal(h, sh.Hash)
		return nil
	})
	return ok, err
}
