package tenant

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/mailform/mailform/model"
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

// TestListDropsMappedPagesWhileWriting: Lists that drop the map's pages, run while
// another goroutine's writes grow the file (and so make bbolt remap it), each see one
// committed state with every object whole: the pages are dropped only inside the read
// transaction, which holds bbolt's remapping off.
func TestListDropsMappedPagesWhileWriting(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const start, step, steps = 500, 400, 10
	seedBig(t, s, 5, start, 0)
	done := make(chan struct{})
	errs := make(chan error, 3)
	go func() {
		defer close(done)
		for b := range steps {
			err := s.Batch(func(tx *Tx) error {
				for i := range step {
					n := start + b*step + i
					email := fmt.Sprintf("user%d@example.com", n)
					if _, err := tx.Put("account", email, model.Object{"email": email, "name": "User " + strconv.Itoa(n),
						"mobile": fmt.Sprintf("+86 %d", 13000000000+n), "position": strings.Repeat("p", 200)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				errs <- err
				return
			}
		}
	}()
	check := func(items []Item) error {
		if (len(items)-start)%step != 0 {
			return fmt.Errorf("List saw %d accounts, not a committed count", len(items))
		}
		for _, it := range items {
			var n int
			if _, err := fmt.Sscanf(it.Attrs.Str("email"), "user%d@example.com", &n); err != nil || it.ID != it.Attrs.Str("email") ||
				it.Attrs.Str("mobile") != fmt.Sprintf("+86 %d", 13000000000+n) {
				return fmt.Errorf("account %s read back as %v", it.ID, it.Attrs)
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			last := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				items, err := s.List("account")
				if err == nil {
					err = check(items)
				}
				if err == nil && len(items) < last {
					err = fmt.Errorf("List saw %d accounts after %d", len(items), last)
				}
				if err != nil {
					errs <- err
					return
				}
				last = len(items)
			}
		})
	}
	wg.Wait()
	<-done
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	items, err := s.List("account")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != start+steps*step {
		t.Errorf("%d accounts at the end, want %d", len(items), start+steps*step)
	}
	if err := check(items); err != nil {
		t.Error(err)
	}
}
