package tenant

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
)

// Write-only attributes (passwords) are kept only as salted PBKDF2 hashes, so a copied
// sandbox directory leaks no secret; the hash lets the HTTP front end check logins.
const pbkdf2Iterations = 10000

type secretHash struct {
	Salt []byte `json:"salt"`
	Hash []byte `json:"hash"`
}

func (tx *Tx) setSecret(key, value string) error {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	h, err := pbkdf2.Key(sha256.New, value, salt, pbkdf2Iterations, 32)
	if err != nil {
		return err
	}
	b, err := json.Marshal(secretHash{Salt: salt, Hash: h})
	if err != nil {
		return err
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
		h, err := pbkdf2.Key(sha256.New, password, sh.Salt, pbkdf2Iterations, 32)
		if err != nil {
			return err
		}
		ok = hmac.Equal(h, sh.Hash)
		return nil
	})
	return ok, err
}
