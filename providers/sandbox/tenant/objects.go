package tenant

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/mailform/mailform/model"
)

// Item is one stored object: its id and its attributes in canonical form. Write-only
// attributes (passwords) are never part of Attrs.
type Item struct {
	ID    string
	Attrs model.Object
}

// Tx is one transaction on the store, handed out by Store.Batch. Everything done
// through it is committed together or not at all.
type Tx struct {
	tx *bolt.Tx
	// zones changed in this transaction, so each zone's serial moves once per commit.
	touched map[string]bool
	// hashed holds stored forms of secrets computed before the transaction (prehash).
	hashed map[string]prehashed
}

// Batch runs f in one write transaction: all its changes are committed together when
// f returns nil, and none when it returns an error.
func (s *Store) Batch(f func(tx *Tx) error) error { return s.batch(nil, f) }

// batch is Batch with secrets hashed beforehand (see prehash).
func (s *Store) batch(hashed map[string]prehashed, f func(tx *Tx) error) error {
	if s.db == nil {
		return fmt.Errorf("sandbox directory %s is closed", s.dir)
	}
	return s.db.Update(func(btx *bolt.Tx) error { return f(&Tx{tx: btx, touched: map[string]bool{}, hashed: hashed}) })
}

func (s *Store) view(f func(tx *Tx) error) error {
	if s.db == nil {
		return fmt.Errorf("sandbox directory %s is closed", s.dir)
	}
	return s.db.View(func(btx *bolt.Tx) error { return f(&Tx{tx: btx}) })
}

// List returns every object of resource type typ, in id order (departments by number).
// The pages of the file it read are dropped from the process's memory afterwards
// (dropMapped): a big tenant's file would otherwise count in a plan's peak memory.
func (s *Store) List(typ string) ([]Item, error) {
	var out []Item
	err := s.view(func(tx *Tx) error {
		var err error
		out, err = tx.List(typ)
		dropMapped(s.db, tx.tx)
		return err
	})
	return out, err
}

// Get returns the object of type typ with id, or an error wrapping ErrNotFound.
func (s *Store) Get(typ, id string) (model.Object, error) {
	var out model.Object
	err := s.view(func(tx *Tx) error {
		var err error
		out, err = tx.Get(typ, id)
		return err
	})
	return out, err
}

// Create stores a new object and returns it with the id the store gave it. label is
// the id of label-identity types (send_restriction, backup_rule).
func (s *Store) Create(typ, label string, o model.Object) (Item, error) {
	hashed, err := prehash(typ, o)
	if err != nil {
		return Item{}, err
	}
	var out Item
	err = s.grouped(hashed, func(tx *Tx) error {
		var err error
		out, err = tx.Create(typ, label, o)
		return err
	})
	return out, err
}

// Update replaces the object typ/id with o (identity attributes must not change).
func (s *Store) Update(typ, id string, o model.Object) (Item, error) {
	return s.UpdateIf(typ, id, nil, o)
}

// UpdateIf is Update that first checks the stored object still equals prior (when
// prior is not nil) and otherwise returns an error wrapping ErrChanged.
func (s *Store) UpdateIf(typ, id string, prior, o model.Object) (Item, error) {
	hashed, err := prehash(typ, o)
	if err != nil {
		return Item{}, err
	}
	var out Item
	err = s.grouped(hashed, func(tx *Tx) error {
		var err error
		out, err = tx.UpdateIf(typ, id, prior, o)
		return err
	})
	return out, err
}

// Patch changes the object typ/id in place: change gets a copy of the stored
// attributes and edits it; the result is checked and stored as Update would. It is
// how a person "in the console" changes one attribute.
func (s *Store) Patch(typ, id string, change func(o model.Object) error) (Item, error) {
	var out Item
	err := s.Batch(func(tx *Tx) error {
		cur, err := tx.Get(typ, id)
		if err != nil {
			return err
		}
		if err := change(cur); err != nil {
			return err
		}
		out, err = tx.UpdateIf(typ, id, nil, cur)
		return err
	})
	return out, err
}

// Delete removes the object typ/id.
func (s *Store) Delete(typ, id string) error { return s.DeleteIf(typ, id, nil) }

// DeleteIf is Delete that first checks the stored object still equals prior (when
// prior is not nil).
func (s *Store) DeleteIf(typ, id string, prior model.Object) error {
	return s.grouped(nil, func(tx *Tx) error { return tx.DeleteIf(typ, id, prior) })
}

// List returns every object of resource type typ.
func (tx *Tx) List(typ string) ([]Item, error) {
	k, err := kindOf(typ)
	if err != nil {
		return nil, err
	}
	var out []Item
	err = tx.each(k, func(id string, o model.Object) error {
		out = append(out, Item{ID: id, Attrs: o})
		return nil
	})
	if k.t == model.Department {
		sort.Slice(out, func(i, j int) bool { return numLess(out[i].ID, out[j].ID) })
	}
	return out, err
}

// Get returns the object typ/id, or an error wrapping ErrNotFound.
func (tx *Tx) Get(typ, id string) (model.Object, error) {
	k, err := kindOf(typ)
	if err != nil {
		return nil, err
	}
	o, ok, err := tx.get(k, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound(k, id)
	}
	return o, nil
}

// Create stores a new object; see Store.Create.
func (tx *Tx) Create(typ, label string, o model.Object) (Item, error) {
	k, err := kindOf(typ)
	if err != nil {
		return Item{}, err
	}
	c, secrets := prepare(k.t, o)
	var id string
	if k.t == model.Department {
		id, err = tx.nextDepartmentID()
	} else {
		id, err = k.key(label, c)
	}
	if err != nil {
		return Item{}, err
	}
	if _, dup, err := tx.get(k, id); err != nil {
		return Item{}, err
	} else if dup {
		return Item{}, refuse(ErrExists, k.existsCode, "%s %s already exists; import it or choose another %s", k.t.Name, id, k.idName)
	}
	if k.t == model.Department {
		c["id"] = id
	}
	if err := tx.check(k, id, c, nil); err != nil {
		return Item{}, err
	}
	if err := tx.put(k, id, c, secrets); err != nil {
		return Item{}, err
	}
	return Item{ID: id, Attrs: c}, nil
}

// UpdateIf replaces typ/id; see Store.UpdateIf.
func (tx *Tx) UpdateIf(typ, id string, prior, o model.Object) (Item, error) {
	k, err := kindOf(typ)
	if err != nil {
		return Item{}, err
	}
	old, ok, err := tx.get(k, id)
	if err != nil {
		return Item{}, err
	}
	if !ok {
		return Item{}, notFound(k, id)
	}
	if err := unchanged(k, id, prior, old); err != nil {
		return Item{}, err
	}
	c, secrets := prepare(k.t, o)
	// Identity attributes the caller leaves out keep their stored values; different
	// ones would mean a different object.
	for _, n := range k.t.Identity {
		if _, set := c[n]; !set {
			c[n] = old[n]
		}
	}
	if k.t == model.Department {
		c["id"] = id
	}
	if !k.t.LabelIdentity && k.t != model.Department {
		nid, err := k.key(id, c)
		if err != nil {
			return Item{}, err
		}
		if nid != id {
			return Item{}, refuse(ErrInvalid, 0, "%s %s: cannot change its %s to %s in place; delete it and create %s", k.t.Name, id, k.idName, nid, nid)
		}
	}
	if err := tx.check(k, id, c, old); err != nil {
		return Item{}, err
	}
	if err := tx.put(k, id, c, secrets); err != nil {
		return Item{}, err
	}
	return Item{ID: id, Attrs: c}, nil
}

// DeleteIf removes typ/id; see Store.DeleteIf.
func (tx *Tx) DeleteIf(typ, id string, prior model.Object) error {
	k, err := kindOf(typ)
	if err != nil {
		return err
	}
	if k.t == model.Department && id == RootDepartment {
		return refuse(ErrInvalid, CodeDepartmentIsRoot, "department %s is the tenant's root and cannot be deleted", id)
	}
	old, ok, err := tx.get(k, id)
	if err != nil {
		return err
	}
	if !ok {
		return notFound(k, id)
	}
	if err := unchanged(k, id, prior, old); err != nil {
		return err
	}
	if k.deleting != nil {
		if err := k.deleting(tx, id, old); err != nil {
			return err
		}
	}
	return tx.del(k, id, old)
}

// prepare returns o in canonical stored form: no unknown or nil values, write-only
// attributes split off into secrets.
func prepare(t *model.Type, o model.Object) (model.Object, map[string]string) {
	c := model.Canonical(t, o)
	secrets := map[string]string{}
	for n, v := range c {
		a := t.Attr(n)
		if v == nil || model.IsUnknown(v) {
			delete(c, n)
			continue
		}
		if a != nil && a.WriteOnly {
			if s, ok := v.(string); ok && s != "" {
				secrets[n] = s
			}
			delete(c, n)
		}
	}
	return c, secrets
}

// unchanged reports ErrChanged when prior is given and the stored object differs from it.
func unchanged(k *kind, id string, prior, cur model.Object) error {
	if prior == nil {
		return nil
	}
	p, _ := prepare(k.t, prior)
	if k.t == model.Department {
		p["id"] = id
	}
	for _, ch := range model.Diff(k.t, cur, p, nil) {
		return refuse(ErrChanged, 0, "%s %s: %s is now %s, not %s as planned", k.t.Name, id, ch.Name, model.FormatValue(ch.Before), model.FormatValue(ch.After))
	}
	return nil
}

func notFound(k *kind, id string) error {
	return refuse(ErrNotFound, k.notFoundCode, "%s %s does not exist in the sandbox", k.t.Name, id)
}

func (tx *Tx) check(k *kind, id string, c, old model.Object) error {
	if k.check != nil {
		if err := k.check(tx, id, c, old); err != nil {
			return err
		}
	}
	return checkGeneric(k.t, id, c)
}

// checkGeneric enforces what the type declares: required attributes, enums, limits.
func checkGeneric(t *model.Type, id string, c model.Object) error {
	for _, a := range t.Attrs {
		v, set := c[a.Name]
		if a.Required && (!set || model.Equal(v, nil)) {
			return refuse(ErrInvalid, 0, "%s %s: %s is required", t.Name, id, a.Name)
		}
		if s, ok := v.(string); ok && len(a.Enum) > 0 && !contains(a.Enum, s) {
			return refuse(ErrInvalid, 0, "%s %s: %s %q is not one of %v", t.Name, id, a.Name, s, a.Enum)
		}
		if l, ok := v.([]string); ok && a.MaxItems > 0 && len(l) > a.MaxItems {
			return refuse(ErrInvalid, 0, "%s %s: %s has %d entries; at most %d are allowed", t.Name, id, a.Name, len(l), a.MaxItems)
		}
	}
	return nil
}

func (tx *Tx) bucket(k *kind) *bolt.Bucket { return tx.tx.Bucket([]byte(k.t.Name)) }

func (tx *Tx) get(k *kind, id string) (model.Object, bool, error) {
	b := tx.bucket(k).Get([]byte(id))
	if b == nil {
		return nil, false, nil
	}
	o, err := decode(k.t, b)
	if err != nil {
		return nil, false, fmt.Errorf("sandbox %s %s is unreadable: %w", k.t.Name, id, err)
	}
	return o, true, nil
}

func (tx *Tx) each(k *kind, f func(id string, o model.Object) error) error {
	var d decoder
	return tx.bucket(k).ForEach(func(key, b []byte) error {
		o, err := d.decode(k.t, b)
		if err != nil {
			return fmt.Errorf("sandbox %s %s is unreadable: %w", k.t.Name, key, err)
		}
		return f(string(key), o)
	})
}

func (tx *Tx) put(k *kind, id string, c model.Object, secrets map[string]string) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("sandbox %s %s: %w", k.t.Name, id, err)
	}
	if indexed(k) {
		// Put replaces without the caller knowing what was there; read it back so its
		// index entries go.
		old, _, err := tx.get(k, id)
		if err != nil {
			return err
		}
		if err := tx.reindex(k, id, old, c); err != nil {
			return err
		}
	}
	if err := tx.bucket(k).Put([]byte(id), b); err != nil {
		return err
	}
	for n, v := range secrets {
		if err := tx.setSecret(k.t.Name+"/"+id+"/"+n, n, v); err != nil {
			return err
		}
	}
	if k.t == model.DNSRecord {
		return tx.touch(c.Str("zone"))
	}
	return nil
}

func (tx *Tx) del(k *kind, id string, old model.Object) error {
	if err := tx.bucket(k).Delete([]byte(id)); err != nil {
		return err
	}
	if err := tx.reindex(k, id, old, nil); err != nil {
		return err
	}
	if err := tx.dropSecrets(k.t.Name + "/" + id + "/"); err != nil {
		return err
	}
	if k.t == model.DNSRecord {
		return tx.touch(old.Str("zone"))
	}
	return nil
}

func decode(t *model.Type, b []byte) (model.Object, error) {
	var d decoder
	return d.decode(t, b)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func numLess(a, b string) bool {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA != nil || errB != nil {
		return a < b
	}
	return x < y
}
