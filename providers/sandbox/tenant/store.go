// Package tenant is the durable store behind the sandbox provider: one simulated mail
// tenant (domains, departments, accounts, groups, rules) and its DNS zones, kept in a
// bbolt file inside a directory. Every mutation is committed to disk before it returns,
// as a real API's would be, and only one process can hold a directory at a time.
//
// Objects are stored in the canonical model form (model.Canonical) per resource type,
// keyed by the id the type uses: department ids the store assigns, lower-cased
// addresses, RRset keys, and rule labels. The store enforces the rules a real tenant
// enforces (Exmail's error codes are carried in Error.Code) so that plans exercised
// against the sandbox fail the way they would in production.
package tenant

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/mailform/mailform/model"
)

// DefaultLockTimeout is how long Open waits for another process to release a directory.
const DefaultLockTimeout = 5 * time.Second

const (
	dbFile  = "tenant.db"
	pidFile = "owner.pid"
)

// Bucket names besides one per resource type.
var (
	bucketMeta    = []byte("meta")
	bucketSecrets = []byte("secrets")
)

// Options tunes Open.
type Options struct {
	// LockTimeout bounds the wait for a directory another process holds; zero means
	// DefaultLockTimeout.
	LockTimeout time.Duration
}

// Store is an open sandbox tenant. It is safe for concurrent use.
type Store struct {
	dir string
	db  *bolt.DB

	// mu guards the group commit of Create, UpdateIf and DeleteIf (group.go).
	mu         sync.Mutex
	queue      []*write
	committing bool
}

// Open opens (creating if needed) the tenant kept in dir. When another process holds
// dir, Open waits up to Options.LockTimeout and then returns an error wrapping
// ErrLocked that names the holder's pid when known.
func Open(dir string, opt Options) (*Store, error) {
	timeout := opt.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sandbox directory %s: %w", dir, err)
	}
	db, err := bolt.Open(filepath.Join(dir, dbFile), 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, &lockedError{dir: dir, pid: readPid(dir)}
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox directory %s: opening %s: %w", dir, dbFile, err)
	}
	s := &Store{dir: dir, db: db}
	// A store already initialised is only read: a no-change plan must not rewrite
	// the file (a commit writes a new meta page and syncs it). Should the look fail,
	// ready stays false and the update below reports the cause.
	ready := false
	_ = db.View(func(tx *bolt.Tx) error {
		ready = initialised(tx)
		return nil
	})
	if !ready {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, n := range bucketNames() {
				if _, err := tx.CreateBucketIfNotExists(n); err != nil {
					return err
				}
			}
			return ensureIndexes(tx)
		})
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sandbox directory %s: initialising %s: %w", dir, dbFile, err)
	}
	// The pid file only feeds the "in use" message; the OS lock on the database is
	// what excludes other processes, so failing to write it is harmless.
	_ = os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	return s, nil
}

// initialised reports whether every bucket exists and the indexes are current, so
// that Open has nothing to write.
func initialised(tx *bolt.Tx) bool {
	for _, n := range bucketNames() {
		if tx.Bucket(n) == nil {
			return false
		}
	}
	if string(tx.Bucket(bucketMeta).Get(keyIndexVersion)) != indexVersion {
		return false
	}
	for _, n := range indexBuckets() {
		if tx.Bucket(n) == nil {
			return false
		}
	}
	return true
}

func bucketNames() [][]byte {
	out := [][]byte{bucketMeta, bucketSecrets}
	for _, t := range model.Types() {
		out = append(out, []byte(t.Name))
	}
	return out
}

// Dir returns the directory the store was opened from.
func (s *Store) Dir() string { return s.dir }

// Close releases the directory for other processes.
func (s *Store) Close() error {
	if s == nil || s.db == nil {
		return nil
	}
	if b, err := os.ReadFile(filepath.Join(s.dir, pidFile)); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		os.Remove(filepath.Join(s.dir, pidFile))
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// ErrLocked is wrapped by Open's error when another process holds the directory.
var ErrLocked = errors.New("sandbox directory in use")

type lockedError struct {
	dir string
	pid string
}

func (e *lockedError) Error() string {
	holder := "another mailform process"
	if e.pid != "" {
		holder += " (pid " + e.pid + "?)"
	}
	return fmt.Sprintf("sandbox directory %s is in use by %s — wait for it or stop `mailform sandbox serve`", e.dir, holder)
}

func (e *lockedError) Unwrap() error { return ErrLocked }

func readPid(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, pidFile))
	if err != nil {
		return ""
	}
	p := strings.TrimSpace(string(b))
	if _, err := strconv.Atoi(p); err != nil {
		return ""
	}
	return p
}
