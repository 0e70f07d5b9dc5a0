package tenant

import (
	"errors"
	"sort"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/mailform/mailform/model"
)

// indexKeys returns every entry of the index buckets as "bucket|key".
func indexKeys(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	if err := s.db.View(func(btx *bolt.Tx) error {
		for _, n := range indexBuckets() {
			b := btx.Bucket(n)
			if b == nil {
				t.Fatalf("index bucket %s is missing", n)
			}
			if err := b.ForEach(func(k, _ []byte) error {
				out = append(out, string(n)+"|"+string(k))
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// wantIndexKeys returns the entries the stored objects call for, as indexKeys does.
func wantIndexKeys(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for _, k := range []*kind{departmentKind, accountKind, groupKind} {
		items, err := s.List(k.t.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			for _, e := range entries(k, it.ID, it.Attrs) {
				out = append(out, string(e.bucket)+"|"+string(e.key()))
			}
		}
	}
	sort.Strings(out)
	// An account listing a department twice has one entry for it.
	uniq := out[:0]
	for i, k := range out {
		if i == 0 || k != out[i-1] {
			uniq = append(uniq, k)
		}
	}
	return uniq
}

// assertIndexes fails unless the indexes hold exactly what the objects call for.
func assertIndexes(t *testing.T, s *Store) {
	t.Helper()
	got, want := indexKeys(t, s), wantIndexKeys(t, s)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("indexes out of step with the objects:\n got  %q\n want %q", got, want)
	}
}

func TestIndexFollowsWrites(t *testing.T) {
	s := open(t)
	seed(t, s)
	put := func(typ, id string, o model.Object) error {
		return s.Batch(func(tx *Tx) error { _, err := tx.Put(typ, id, o); return err })
	}
	owner := func(addr, what, who string) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			w, o, err := s.AddressOwner(addr)
			if err != nil || w != what || o != who {
				t.Errorf("AddressOwner(%s) = %q, %q, %v; want %q, %q", addr, w, o, err, what, who)
			}
		}
	}
	refused := func(err error, kind error, code int) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			var te *Error
			if !errors.Is(err, kind) || !errors.As(err, &te) || te.Code != code {
				t.Errorf("error %v, want %v with code %d", err, kind, code)
			}
		}
	}
	steps := []struct {
		name  string
		op    func() error
		check func(t *testing.T)
	}{
		{"update changes the alias", func() error {
			_, err := s.Update("account", "alice@example.com", model.Object{"email": "alice@example.com", "name": "Alice", "departments": []string{dept(2)}, "aliases": []string{"al2@example.com"}, "mobile": "+86 1"})
			return err
		}, func(t *testing.T) {
			owner("al@example.com", "", "")(t)
			owner("al2@example.com", "alias", "alice@example.com")(t)
			_, err := s.Create("account", "", model.Object{"email": "bob@example.com", "name": "Bob", "aliases": []string{"al2@example.com"}})
			refused(err, ErrExists, CodeUserExists)(t)
		}},
		{"the freed alias can be an account", func() error {
			_, err := s.Create("account", "", model.Object{"email": "al@example.com", "name": "Al", "departments": []string{dept(1)}, "mobile": "+86 2"})
			return err
		}, owner("al@example.com", "account", "al@example.com")},
		{"console changes the mobile and the department", func() error {
			_, err := s.UpdateAccount("alice@example.com", func(o model.Object) error {
				o["mobile"] = "+86 3"
				o["departments"] = []string{dept(1)}
				return nil
			})
			return err
		}, func(t *testing.T) {
			_, err := s.Create("account", "", model.Object{"email": "m1@example.com", "name": "M", "mobile": "+86 1"})
			if err != nil {
				t.Errorf("old mobile still taken: %v", err)
			}
			_, err = s.Create("account", "", model.Object{"email": "m2@example.com", "name": "M", "mobile": "+86 3"})
			refused(err, ErrExists, CodeMobileExists)(t)
		}},
		{"a department that lost its members and children goes", func() error { return s.Delete("department", dept(2)) }, func(t *testing.T) {
			err := s.Delete("department", dept(1))
			refused(err, ErrInUse, CodeDepartmentHasMembers)(t)
		}},
		{"a department moves to another parent", func() error {
			if _, err := s.Create("department", "", model.Object{"name": "Ops", "parent": dept(1)}); err != nil {
				return err
			}
			_, err := s.UpdateDepartment(dept(3), func(o model.Object) error { o["parent"] = RootDepartment; return nil })
			return err
		}, func(t *testing.T) {
			// Ops now sits at the top level, beside Eng: a second Ops there is refused,
			// one under Eng is not.
			_, err := s.Create("department", "", model.Object{"name": "ops"})
			refused(err, ErrExists, CodeDepartmentExists)(t)
			if _, err := s.Create("department", "", model.Object{"name": "Ops", "parent": dept(1)}); err != nil {
				t.Errorf("Ops under Eng: %v", err)
			}
		}},
		{"put replaces an account's addresses", func() error {
			return put("account", "alice@example.com", model.Object{"email": "alice@example.com", "name": "Alice", "aliases": []string{"al3@example.com"}})
		}, func(t *testing.T) {
			owner("al2@example.com", "", "")(t)
			owner("al3@example.com", "alias", "alice@example.com")(t)
			_, err := s.Create("account", "", model.Object{"email": "m3@example.com", "name": "M", "mobile": "+86 3"})
			if err != nil {
				t.Errorf("mobile dropped by put still taken: %v", err)
			}
		}},
		{"put moves a department", func() error {
			return put("department", dept(4), model.Object{"name": "Ops", "parent": dept(3)})
		}, func(t *testing.T) {
			err := s.Delete("department", dept(3))
			refused(err, ErrInUse, CodeDepartmentHasChild)(t)
		}},
		{"a refused write leaves the indexes alone", func() error {
			_, err := s.Create("account", "", model.Object{"email": "dup@example.com", "name": "D", "aliases": []string{"d2@example.com"}, "mobile": "+86 2"})
			if !errors.Is(err, ErrExists) {
				return errors.New("duplicate mobile not refused")
			}
			return nil
		}, func(t *testing.T) {
			owner("dup@example.com", "", "")(t)
			owner("d2@example.com", "", "")(t)
		}},
		{"deleting an account frees its addresses, mobile and departments", func() error {
			return s.Delete("account", "al@example.com")
		}, func(t *testing.T) {
			owner("al@example.com", "", "")(t)
			if _, err := s.Create("account", "", model.Object{"email": "m4@example.com", "name": "M", "mobile": "+86 2"}); err != nil {
				t.Errorf("deleted account's mobile still taken: %v", err)
			}
		}},
		{"groups own and free their address", func() error {
			if _, err := s.Create("group", "", model.Object{"email": "team@example.com", "name": "T"}); err != nil {
				return err
			}
			_, err := s.Create("account", "", model.Object{"email": "team@example.com", "name": "T"})
			refused(err, ErrExists, CodeUserExists)(t)
			return s.Delete("group", "team@example.com")
		}, owner("team@example.com", "", "")},
		{"a group update keeps its address", func() error {
			_, err := s.Update("group", "all@example.com", model.Object{"email": "all@example.com", "name": "Everyone"})
			return err
		}, owner("all@example.com", "group", "all@example.com")},
		{"a batch sees its own earlier writes", func() error {
			err := s.Batch(func(tx *Tx) error {
				if _, err := tx.Create("account", "", model.Object{"email": "b1@example.com", "name": "B", "mobile": "+86 9"}); err != nil {
					return err
				}
				_, err := tx.Create("account", "", model.Object{"email": "b2@example.com", "name": "B", "mobile": "+86 9"})
				return err
			})
			if !errors.Is(err, ErrExists) {
				return errors.New("second account with the same mobile in one batch not refused")
			}
			return nil
		}, owner("b1@example.com", "", "")},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.op(); err != nil {
				t.Fatal(err)
			}
			st.check(t)
			assertIndexes(t, s)
		})
	}
}

func TestIndexMigration(t *testing.T) {
	tests := []struct {
		name string
		// old turns the indexed directory into what an older build left.
		old func(btx *bolt.Tx) error
	}{
		{"no index buckets", func(btx *bolt.Tx) error {
			for _, n := range indexBuckets() {
				if err := btx.DeleteBucket(n); err != nil {
					return err
				}
			}
			return btx.Bucket(bucketMeta).Delete(keyIndexVersion)
		}},
		{"another index version with stale entries", func(btx *bolt.Tx) error {
			if err := btx.Bucket(bucketIndexAddress).Put(entry{bucketIndexAddress, "ghost@example.com", "aghost@example.com"}.key(), []byte{}); err != nil {
				return err
			}
			if err := btx.Bucket(bucketIndexMembers).Delete(entry{bucketIndexMembers, dept(2), "alice@example.com"}.key()); err != nil {
				return err
			}
			return btx.Bucket(bucketMeta).Put(keyIndexVersion, []byte("0"))
		}},
		{"one index bucket missing", func(btx *bolt.Tx) error { return btx.DeleteBucket(bucketIndexMobile) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			seed(t, s)
			if err := s.db.Update(tt.old); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s, err = Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			assertIndexes(t, s)
			if w, _, _ := s.AddressOwner("ghost@example.com"); w != "" {
				t.Errorf("stale entry survived the rebuild: ghost@ is a %s", w)
			}
			for _, c := range []struct {
				op   func() error
				code int
			}{
				{func() error {
					_, err := s.Create("account", "", model.Object{"email": "al@example.com", "name": "X"})
					return err
				}, CodeUserExists},
				{func() error {
					_, err := s.Create("account", "", model.Object{"email": "x@example.com", "name": "X", "mobile": "+86 1"})
					return err
				}, CodeMobileExists},
				{func() error { return s.Delete("department", dept(2)) }, CodeDepartmentHasMembers},
				{func() error { return s.Delete("department", dept(1)) }, CodeDepartmentHasChild},
			} {
				var te *Error
				if err := c.op(); !errors.As(err, &te) || te.Code != c.code {
					t.Errorf("after the rebuild: %v, want code %d", err, c.code)
				}
			}
		})
	}
}

func TestUnreadableObjects(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	if err := s.db.Update(func(btx *bolt.Tx) error {
		return btx.Bucket([]byte("account")).Put([]byte("alice@example.com"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	// Put must read what it replaces to drop its index entries; it refuses rather than
	// leave them behind.
	err = s.Batch(func(tx *Tx) error {
		_, err := tx.Put("account", "alice@example.com", model.Object{"email": "alice@example.com", "name": "A"})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "alice@example.com is unreadable") {
		t.Errorf("put over an unreadable account: %v", err)
	}
	// A rebuild cannot index it either, and says which object is at fault.
	if err := s.db.Update(func(btx *bolt.Tx) error { return btx.Bucket(bucketMeta).Delete(keyIndexVersion) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(dir, Options{})
	for _, want := range []string{dir, "building the account index", "alice@example.com is unreadable"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("open: %v; want it to mention %q", err, want)
		}
	}
}
