package logarchive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultFile is the embedded archive's file name in the configuration directory.
const DefaultFile = "mailform.logs"

// Bolt is the embedded archive: one bbolt file with a bucket per day holding its rows
// (by natural key), an account index and the units already fetched.
type Bolt struct {
	db   *bolt.DB
	path string
}

var (
	bucketDays = []byte("days")
	bucketMeta = []byte("meta")
	subRows    = []byte("rows")
	subAcct    = []byte("acct")
	subUnits   = []byte("units")
)

func dayBucket(date string) []byte { return []byte("d:" + date) }

// OpenBolt opens (creating if needed) the archive file at path. A file held by
// another mailform is an error after timeout.
func OpenBolt(path string, timeout time.Duration) (*Bolt, error) {
	return openBoltFile(path, timeout, false)
}

// OpenBoltReadOnly opens an existing archive file for reading: several readers may
// share it, and nothing is created.
func OpenBoltReadOnly(path string, timeout time.Duration) (*Bolt, error) {
	return openBoltFile(path, timeout, true)
}

func openBoltFile(path string, timeout time.Duration, readOnly bool) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, NoFreelistSync: true, ReadOnly: readOnly})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("the log archive %s is in use by another mailform (waited %s); try again when it is done", path, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the log archive %s: %w", path, err)
	}
	if readOnly {
		err = db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketDays) == nil || tx.Bucket(bucketMeta) == nil {
				return errors.New("it is not a mailform log archive")
			}
			return nil
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("opening the log archive %s: %w", path, err)
		}
		return &Bolt{db: db, path: path}, nil
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketDays); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketMeta)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening the log archive %s: %w", path, err)
	}
	return &Bolt{db: db, path: path}, nil
}

// Close closes the file.
func (b *Bolt) Close() error { return b.db.Close() }

// Days returns the sealed days, oldest first.
func (b *Bolt) Days(ctx context.Context) ([]Day, error) {
	var out []Day
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDays).ForEach(func(k, v []byte) error {
			var d Day
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("day %s: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// Done returns the units already added to date.
func (b *Bolt) Done(ctx context.Context, date string) (map[string]bool, error) {
	out := map[string]bool{}
	err := b.db.View(func(tx *bolt.Tx) error {
		db := tx.Bucket(dayBucket(date))
		if db == nil {
			return nil
		}
		return db.Bucket(subUnits).ForEach(func(k, _ []byte) error {
			out[string(k)] = true
			return nil
		})
	})
	return out, err
}

// Add stores the rows of one unit and marks it done in one transaction; concurrent
// calls are committed together.
func (b *Bolt) Add(ctx context.Context, date, unit string, rows []Row) (int, error) {
	var added int
	err := b.db.Batch(func(tx *bolt.Tx) error {
		added = 0 // Batch may run the function again
		if tx.Bucket(bucketDays).Get([]byte(date)) != nil {
			return fmt.Errorf("day %s is already sealed", date)
		}
		db, err := tx.CreateBucketIfNotExists(dayBucket(date))
		if err != nil {
			return err
		}
		rb, err := db.CreateBucketIfNotExists(subRows)
		if err != nil {
			return err
		}
		ab, err := db.CreateBucketIfNotExists(subAcct)
		if err != nil {
			return err
		}
		ub, err := db.CreateBucketIfNotExists(subUnits)
		if err != nil {
			return err
		}
		for _, r := range rows {
			k := []byte(r.Key())
			if rb.Get(k) != nil {
				continue
			}
			if err := rb.Put(k, r.Canonical()); err != nil {
				return err
			}
			for _, a := range r.Accounts() {
				if err := ab.Put([]byte(a+"\x00"+string(k)), nil); err != nil {
					return err
				}
			}
			added++
		}
		return ub.Put([]byte(unit), nil)
	})
	return added, err
}

// Seal records d.
func (b *Bolt) Seal(ctx context.Context, d Day) error {
	v, _ := json.Marshal(d)
	return b.db.Update(func(tx *bolt.Tx) error {
		if db := tx.Bucket(dayBucket(d.Date)); db != nil {
			// The units are only needed to resume; a sealed day keeps rows and index.
			if db.Bucket(subUnits) != nil {
				if err := db.DeleteBucket(subUnits); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bucketDays).Put([]byte(d.Date), v)
	})
}

// Scan calls fn with the rows of date in key order, through the account index when
// account is set.
func (b *Bolt) Scan(ctx context.Context, date, account string, fn func(Row) error) error {
	return b.db.View(func(tx *bolt.Tx) error {
		db := tx.Bucket(dayBucket(date))
		if db == nil || db.Bucket(subRows) == nil {
			return nil
		}
		rb := db.Bucket(subRows)
		each := func(v []byte) error {
			var r Row
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("archive day %s: a row is not readable: %w", date, err)
			}
			return fn(r)
		}
		if account == "" {
			c := rb.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := each(v); err != nil {
					return err
				}
			}
			return nil
		}
		prefix := []byte(account + "\x00")
		c := db.Bucket(subAcct).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if v := rb.Get(k[len(prefix):]); v != nil {
				if err := each(v); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Prune removes every day before the date, sealed or not.
func (b *Bolt) Prune(ctx context.Context, before string) (int, error) {
	n := 0
	err := b.db.Update(func(tx *bolt.Tx) error {
		days := tx.Bucket(bucketDays)
		var anchor []byte
		var drop [][]byte
		c := days.Cursor()
		for k, v := c.First(); k != nil && string(k) < before; k, v = c.Next() {
			var d Day
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			anchor = []byte(d.Hash)
			drop = append(drop, append([]byte(nil), k...))
		}
		for _, k := range drop {
			if err := days.Delete(k); err != nil {
				return err
			}
			n++
		}
		var buckets [][]byte
		_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			if bytes.HasPrefix(name, []byte("d:")) && string(name[2:]) < before {
				buckets = append(buckets, append([]byte(nil), name...))
			}
			return nil
		})
		for _, name := range buckets {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		if anchor != nil {
			return tx.Bucket(bucketMeta).Put([]byte(MetaAnchor), anchor)
		}
		return nil
	})
	return n, err
}

// Meta returns a value set with SetMeta.
func (b *Bolt) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := b.db.View(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketMeta).Get([]byte(key)))
		return nil
	})
	return v, err
}

// SetMeta sets a value.
func (b *Bolt) SetMeta(ctx context.Context, key, value string) error {
	return b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put([]byte(key), []byte(value)) })
}
