package tenant

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/json"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/mailform/mailform/model"
)

func storedHash(t *testing.T, s *Store, key string) secretHash {
	t.Helper()
	var sh secretHash
	if err := s.db.View(func(btx *bolt.Tx) error {
		return json.Unmarshal(btx.Bucket(bucketSecrets).Get([]byte(key)), &sh)
	}); err != nil {
		t.Fatal(err)
	}
	return sh
}

func TestPasswordHashes(t *testing.T) {
	tests := []struct {
		name string
		// write stores the password "pw-1" for a@example.com.
		write func(t *testing.T, s *Store)
		iter  int
	}{
		{"create hashes before the transaction", func(t *testing.T, s *Store) {
			mustCreate(t, s, "account", "", model.Object{"email": "a@example.com", "name": "A", "password": "pw-1"})
		}, pbkdf2Iterations},
		{"update hashes before the transaction", func(t *testing.T, s *Store) {
			mustCreate(t, s, "account", "", model.Object{"email": "a@example.com", "name": "A", "password": "other"})
			if _, err := s.Update("account", "a@example.com", model.Object{"email": "a@example.com", "name": "A", "password": "pw-1"}); err != nil {
				t.Fatal(err)
			}
		}, pbkdf2Iterations},
		{"a create inside a batch hashes in it", func(t *testing.T, s *Store) {
			if err := s.Batch(func(tx *Tx) error {
				_, err := tx.Create("account", "", model.Object{"email": "a@example.com", "name": "A", "password": "pw-1"})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}, pbkdf2Iterations},
		{"a hash made for another value is not used", func(t *testing.T, s *Store) {
			stale, err := prehash("account", model.Object{"email": "a@example.com", "name": "A", "password": "not-it"})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.batch(stale, func(tx *Tx) error {
				_, err := tx.Create("account", "", model.Object{"email": "a@example.com", "name": "A", "password": "pw-1"})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}, pbkdf2Iterations},
		{"a hash of an older build without a count", func(t *testing.T, s *Store) {
			mustCreate(t, s, "account", "", model.Object{"email": "a@example.com", "name": "A"})
			salt := []byte("0123456789abcdef")
			h, err := pbkdf2.Key(sha256.New, "pw-1", salt, legacyIterations, 32)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(map[string][]byte{"salt": salt, "hash": h})
			if err := s.db.Update(func(btx *bolt.Tx) error {
				return btx.Bucket(bucketSecrets).Put([]byte("account/a@example.com/password"), b)
			}); err != nil {
				t.Fatal(err)
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			tt.write(t, s)
			if ok, err := s.CheckPassword("a@example.com", "pw-1"); !ok || err != nil {
				t.Errorf("right password: %v, %v", ok, err)
			}
			for _, wrong := range []string{"not-it", "other", ""} {
				if ok, _ := s.CheckPassword("a@example.com", wrong); ok {
					t.Errorf("wrong password %q accepted", wrong)
				}
			}
			if sh := storedHash(t, s, "account/a@example.com/password"); sh.Iter != tt.iter || len(sh.Salt) != 16 {
				t.Errorf("stored hash has %d iterations and a %d-byte salt; want %d and 16", sh.Iter, len(sh.Salt), tt.iter)
			}
		})
	}
}

func TestPrehashUnknownType(t *testing.T) {
	if h, err := prehash("mailbox", model.Object{"password": "x"}); h != nil || err != nil {
		t.Errorf("prehash of an unknown type = %v, %v; want nothing (the write reports the type)", h, err)
	}
}
