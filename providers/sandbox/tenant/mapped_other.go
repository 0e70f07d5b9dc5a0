//go:build !linux

package tenant

import bolt "go.etcd.io/bbolt"

// dropMapped does nothing where madvise is not at hand (see mapped_linux.go).
func dropMapped(db *bolt.DB, tx *bolt.Tx) {}
