package tenant

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// mappedKiB is the resident size of the process's memory map of file, from
// /proc/self/smaps.
func mappedKiB(t *testing.T, file string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	in, total := false, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			// A mapping's first line: range, permissions, offset, device, inode, path.
			in = len(fields) >= 6 && fields[5] == file
		case in && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			total += n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}

// TestListDropsMappedPages: after List has read a collection, the pages of the store's
// file it touched no longer count in the process's memory, and reading again still
// sees every object.
func TestListDropsMappedPages(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seedBig(t, s, 10, 5000, 10)
	file := filepath.Join(s.Dir(), dbFile)
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	// The same read, without dropping: the measure sees the touched pages.
	if err := s.db.View(func(tx *bolt.Tx) error {
		_, err := (&Tx{tx: tx}).List("account")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if kib := mappedKiB(t, file); kib < int(st.Size()/1024/4) {
		t.Fatalf("a read of every account left only %d KiB of the %d KiB file resident; the measure does not work", kib, st.Size()/1024)
	}
	items, err := s.List("account")
	if err != nil {
		t.Fatal(err)
	}
	if kib := mappedKiB(t, file); kib > 64 {
		t.Errorf("after List, %d KiB of the %d KiB file are still resident", kib, st.Size()/1024)
	}
	again, err := s.List("account")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5000 || len(again) != 5000 || again[4999].Attrs.Str("mobile") != items[4999].Attrs.Str("mobile") {
		t.Errorf("read %d then %d accounts, last %v then %v", len(items), len(again), items[len(items)-1], again[len(again)-1])
	}
}
