package tenant

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/mailform/mailform/model"
)

// The tenant's rules ask "who uses this address", "who has this mobile", "who is in
// this department" and "what sits under this department" on every write. Scanning
// every account for them cost ~100 ms per write at 50,000 accounts, so they are
// answered from secondary indexes kept in their own buckets and changed in the same
// transaction as the objects (put and del), which makes each rule check a cursor seek.
//
// Each index maps a value to a set of members. An entry is one key, holding the value
// length-prefixed (so no byte of the value can run into the member) and then the
// member; the bbolt value is empty. A value's members sit together in key order, which
// is also the order of the ids they name — the order the scans they replace found them.
var (
	// address → 'a'+account (its email), 'l'+account (an alias), 'g'+group.
	bucketIndexAddress = []byte("index/address")
	// mobile → account.
	bucketIndexMobile = []byte("index/mobile")
	// department id → member account.
	bucketIndexMembers = []byte("index/members")
	// parent department id (RootDepartment for the top level) → child department id.
	bucketIndexChildren = []byte("index/children")
)

// Tags of the address index, before the owner's id.
const (
	ownerAccount = 'a'
	ownerAlias   = 'l'
	ownerGroup   = 'g'
)

// indexVersion is bumped whenever what the indexes hold changes, so Open rebuilds
// them from the objects instead of trusting entries of another shape.
const indexVersion = "1"

var keyIndexVersion = []byte("index_version")

func indexBuckets() [][]byte {
	return [][]byte{bucketIndexAddress, bucketIndexMobile, bucketIndexMembers, bucketIndexChildren}
}

// entry is one index entry: bucket, value, member.
type entry struct {
	bucket []byte
	value  string
	member string
}

// entries returns the index entries object o with id contributes; none for kinds
// without indexed rules.
func entries(k *kind, id string, o model.Object) []entry {
	var out []entry
	switch k {
	case accountKind:
		out = append(out, entry{bucketIndexAddress, id, string(ownerAccount) + id})
		for _, a := range o.Strings("aliases") {
			out = append(out, entry{bucketIndexAddress, a, string(ownerAlias) + id})
		}
		if m := o.Str("mobile"); m != "" {
			out = append(out, entry{bucketIndexMobile, m, id})
		}
		for _, d := range o.Strings("departments") {
			out = append(out, entry{bucketIndexMembers, d, id})
		}
	case groupKind:
		out = append(out, entry{bucketIndexAddress, id, string(ownerGroup) + id})
	case departmentKind:
		p := o.Str("parent")
		if p == "" {
			p = RootDepartment
		}
		out = append(out, entry{bucketIndexChildren, p, id})
	}
	return out
}

func indexed(k *kind) bool { return k == accountKind || k == groupKind || k == departmentKind }

func indexPrefix(value string) []byte {
	b := binary.AppendUvarint(nil, uint64(len(value)))
	return append(b, value...)
}

func (e entry) key() []byte { return append(indexPrefix(e.value), e.member...) }

// reindex replaces the entries of old (nil when there was none) by those of c.
func (tx *Tx) reindex(k *kind, id string, old, c model.Object) error {
	if !indexed(k) {
		return nil
	}
	if old != nil {
		for _, e := range entries(k, id, old) {
			if err := tx.tx.Bucket(e.bucket).Delete(e.key()); err != nil {
				return err
			}
		}
	}
	if c != nil {
		for _, e := range entries(k, id, c) {
			if err := tx.tx.Bucket(e.bucket).Put(e.key(), []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// members calls f with each member of value in the index bucket, in order, until f
// returns false.
func (tx *Tx) members(bucket []byte, value string, f func(member string) bool) {
	prefix := indexPrefix(value)
	c := tx.tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if !f(string(k[len(prefix):])) {
			return
		}
	}
}

// firstMember returns the first member of value other than skip, or "".
func (tx *Tx) firstMember(bucket []byte, value, skip string) string {
	var out string
	tx.members(bucket, value, func(m string) bool {
		if m == skip {
			return true
		}
		out = m
		return false
	})
	return out
}

// addressUsers returns an account whose email is addr, an account that has addr as an
// alias, and a group whose email is addr ("" where there is none), skipping the
// account skipAccount and the group skipGroup.
func (tx *Tx) addressUsers(addr, skipAccount, skipGroup string) (account, alias, group string) {
	tx.members(bucketIndexAddress, addr, func(m string) bool {
		if m == "" {
			return true
		}
		id := m[1:]
		switch m[0] {
		case ownerAccount:
			if id != skipAccount && account == "" {
				account = id
			}
		case ownerAlias:
			if id != skipAccount && alias == "" {
				alias = id
			}
		case ownerGroup:
			if id != skipGroup && group == "" {
				group = id
			}
		}
		return true
	})
	return account, alias, group
}

// ensureIndexes builds the indexes from the stored objects when they are missing or of
// another version — a directory made by a build without them, or with older ones. It
// runs once, inside Open's transaction.
func ensureIndexes(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if string(meta.Get(keyIndexVersion)) == indexVersion {
		for _, n := range indexBuckets() {
			if tx.Bucket(n) == nil {
				return rebuildIndexes(tx)
			}
		}
		return nil
	}
	return rebuildIndexes(tx)
}

func rebuildIndexes(btx *bolt.Tx) error {
	for _, n := range indexBuckets() {
		if btx.Bucket(n) != nil {
			if err := btx.DeleteBucket(n); err != nil {
				return err
			}
		}
		if _, err := btx.CreateBucket(n); err != nil {
			return err
		}
	}
	tx := &Tx{tx: btx}
	for _, k := range []*kind{departmentKind, accountKind, groupKind} {
		if err := tx.each(k, func(id string, o model.Object) error {
			return tx.reindex(k, id, nil, o)
		}); err != nil {
			return fmt.Errorf("building the %s index: %w", k.t.Name, err)
		}
	}
	return btx.Bucket(bucketMeta).Put(keyIndexVersion, []byte(indexVersion))
}
