package tenant

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropMapped hands back to the kernel the pages of the store's file that this process
// has touched through bbolt's memory map: a plan reads the whole 75 MB file of a big
// tenant once, and the pages would otherwise count in the process's memory until it
// exits. They stay in the OS page cache; whatever touches them again (a later read,
// another goroutine's read under way) maps them in again from there: bbolt's map is
// shared and read-only, so dropping pages loses nothing. Call it inside a transaction
// of db (tx), which keeps bbolt from remapping the file meanwhile, so the range is
// still the map's. Failing is harmless.
func dropMapped(db *bolt.DB, tx *bolt.Tx) {
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(tx.Size()), syscall.MADV_DONTNEED)
}
