package tenant

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustCreate(t *testing.T, s *Store, typ, label string, o model.Object) Item {
	t.Helper()
	it, err := s.Create(typ, label, o)
	if err != nil {
		t.Fatalf("create %s: %v", typ, err)
	}
	return it
}

// dept returns the nth department id a new store hands out (1 is the first): big,
// and close to its neighbours, as Exmail's are.
func dept(n int) string {
	id := int64(1)
	for i := 0; i < n; i++ {
		id = DepartmentIDAfter(id)
	}
	return strconv.FormatInt(id, 10)
}

// seed makes departments dept(1) (eng) and dept(2) (eng/web), account alice with an
// alias, and group all@.
func seed(t *testing.T, s *Store) {
	t.Helper()
	mustCreate(t, s, "department", "", model.Object{"name": "Eng"})
	mustCreate(t, s, "department", "", model.Object{"name": "Web", "parent": dept(1)})
	mustCreate(t, s, "account", "", model.Object{"email": "Alice@Example.com", "name": "Alice", "departments": []string{dept(2)}, "aliases": []string{"al@example.com"}, "mobile": "+86 1"})
	mustCreate(t, s, "group", "", model.Object{"email": "all@example.com", "name": "All"})
}

func TestRefusals(t *testing.T) {
	many := func(n int) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, "x"+strconv.Itoa(i)+"@example.com")
		}
		return out
	}
	tests := []struct {
		name string
		op   func(s *Store) error
		kind error
		code int
		msg  string
	}{
		{"account address taken", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "alice@example.com", "name": "A2"})
			return err
		}, ErrExists, CodeUserExists, "alice@example.com"},
		{"account address is a group", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "all@example.com", "name": "A2"})
			return err
		}, ErrExists, CodeUserExists, "group all@example.com"},
		{"account address is an alias", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "AL@example.com", "name": "A2"})
			return err
		}, ErrExists, CodeUserExists, "as an alias"},
		{"alias is another account", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "bob@example.com", "name": "Bob", "aliases": []string{"alice@example.com"}})
			return err
		}, ErrExists, CodeUserExists, "account alice@example.com"},
		{"alias is own address", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "bob@example.com", "name": "Bob", "aliases": []string{"bob@example.com"}})
			return err
		}, ErrInvalid, 0, "its own address"},
		{"group address is an account", func(s *Store) error {
			_, err := s.Create("group", "", model.Object{"email": "alice@example.com", "name": "G"})
			return err
		}, ErrExists, CodeUserExists, "account alice@example.com"},
		{"group exists", func(s *Store) error {
			_, err := s.Create("group", "", model.Object{"email": "all@example.com", "name": "G"})
			return err
		}, ErrExists, CodeUserExists, "already exists"},
		{"more than 20 departments", func(s *Store) error {
			d := make([]string, 21)
			for i := range d {
				d[i] = strconv.Itoa(100 + i)
			}
			_, err := s.Create("account", "", model.Object{"email": "bob@example.com", "name": "Bob", "departments": d})
			return err
		}, ErrInvalid, CodeTooManyDepartments, "at most 20"},
		{"more than 5 aliases", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "bob@example.com", "name": "Bob", "aliases": many(6)})
			return err
		}, ErrInvalid, 0, "at most 5"},
		{"missing department", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "bob@example.com", "name": "Bob", "departments": []string{"99"}})
			return err
		}, ErrNotFound, CodeDepartmentNotFound, "department 99"},
		{"mobile taken", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "bob@example.com", "name": "Bob", "mobile": "+86 1"})
			return err
		}, ErrExists, CodeMobileExists, "mobile"},
		{"bad address", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "bob", "name": "Bob"})
			return err
		}, ErrInvalid, CodeInvalidUserID, "not a valid email"},
		{"missing name", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "bob@example.com"})
			return err
		}, ErrInvalid, 0, "name is required"},
		{"bad status", func(s *Store) error {
			_, err := s.Create("account", "", model.Object{"email": "bob@example.com", "name": "Bob", "status": "gone"})
			return err
		}, ErrInvalid, 0, "status"},
		{"department with members", func(s *Store) error { return s.Delete("department", dept(2)) }, ErrInUse, CodeDepartmentHasMembers, "alice@example.com"},
		{"department with children", func(s *Store) error { return s.Delete("department", dept(1)) }, ErrInUse, CodeDepartmentHasChild, "sub-department " + dept(2)},
		{"root department", func(s *Store) error { return s.Delete("department", "1") }, ErrInvalid, CodeDepartmentIsRoot, "root"},
		{"missing parent", func(s *Store) error {
			_, err := s.Create("department", "", model.Object{"name": "X", "parent": "42"})
			return err
		}, ErrNotFound, CodeParentNotFound, "parent department 42"},
		{"sibling with same name", func(s *Store) error {
			_, err := s.Create("department", "", model.Object{"name": "eng"})
			return err
		}, ErrExists, CodeDepartmentExists, `"eng"`},
		{"bad department name", func(s *Store) error {
			_, err := s.Create("department", "", model.Object{"name": "a:b"})
			return err
		}, ErrInvalid, 0, "1–64"},
		{"department cycle", func(s *Store) error {
			_, err := s.UpdateDepartment(dept(1), func(o model.Object) error { o["parent"] = dept(2); return nil })
			return err
		}, ErrInvalid, 0, "under itself"},
		{"update missing", func(s *Store) error {
			_, err := s.Update("account", "nobody@example.com", model.Object{"email": "nobody@example.com", "name": "N"})
			return err
		}, ErrNotFound, CodeUserNotFound, "does not exist"},
		{"delete missing", func(s *Store) error { return s.Delete("group", "none@example.com") }, ErrNotFound, 0, "does not exist"},
		{"identity change", func(s *Store) error {
			_, err := s.Update("account", "alice@example.com", model.Object{"email": "alice2@example.com", "name": "A"})
			return err
		}, ErrInvalid, 0, "delete it and create"},
		{"unknown type", func(s *Store) error { _, err := s.List("mailbox"); return err }, ErrInvalid, 0, "no resource type"},
		{"restriction for nobody", func(s *Store) error {
			_, err := s.Create("send_restriction", "r", model.Object{"external": "deny"})
			return err
		}, ErrInvalid, 0, "applies to nobody"},
		{"backup without source", func(s *Store) error {
			_, err := s.Create("backup_rule", "b", model.Object{"destination": "archive@example.com"})
			return err
		}, ErrInvalid, 0, "no source"},
		{"backup bad destination", func(s *Store) error {
			_, err := s.Create("backup_rule", "b", model.Object{"destination": "archive", "accounts": []string{"alice@example.com"}})
			return err
		}, ErrInvalid, CodeInvalidUserID, "destination"},
		{"rule without label", func(s *Store) error {
			_, err := s.Create("backup_rule", " ", model.Object{"destination": "a@example.com", "accounts": []string{"alice@example.com"}})
			return err
		}, ErrInvalid, 0, "label"},
		{"bad domain", func(s *Store) error { _, err := s.Create("domain", "", model.Object{"name": "a..b"}); return err }, ErrInvalid, 0, "not a valid domain"},
		{"bad rdata", func(s *Store) error {
			_, err := s.Create("dns_record", "", model.Object{"zone": "example.com", "name": "@", "type": "MX", "records": []string{"mx.example.com."}})
			return err
		}, ErrInvalid, 0, "MX record"},
		{"no records", func(s *Store) error {
			_, err := s.Create("dns_record", "", model.Object{"zone": "example.com", "name": "@", "type": "A", "records": []string{}})
			return err
		}, ErrInvalid, 0, "has no records"},
		{"soa", func(s *Store) error {
			_, err := s.Create("dns_record", "", model.Object{"zone": "example.com", "name": "@", "type": "SOA", "records": []string{"a. b. 1 2 3 4 5"}})
			return err
		}, ErrInvalid, 0, "synthesised"},
		{"cname beside other data", func(s *Store) error {
			mustCreateErr := func(o model.Object) error { _, err := s.Create("dns_record", "", o); return err }
			if err := mustCreateErr(model.Object{"zone": "example.com", "name": "www", "type": "A", "records": []string{"192.0.2.1"}}); err != nil {
				return err
			}
			return mustCreateErr(model.Object{"zone": "example.com", "name": "www", "type": "CNAME", "records": []string{"web.example.net."}})
		}, ErrInvalid, 0, "CNAME cannot share"},
		{"rrset exists", func(s *Store) error {
			o := model.Object{"zone": "example.com", "name": "@", "type": "A", "records": []string{"192.0.2.1"}}
			if _, err := s.Create("dns_record", "", o); err != nil {
				return err
			}
			_, err := s.Create("dns_record", "", o)
			return err
		}, ErrExists, 0, "already exists"},
		{"changed since plan", func(s *Store) error {
			_, err := s.UpdateIf("account", "alice@example.com", model.Object{"email": "alice@example.com", "name": "Alicia"}, model.Object{"email": "alice@example.com", "name": "B"})
			return err
		}, ErrChanged, 0, "Alicia"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			seed(t, s)
			err := tt.op(s)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			var te *Error
			if !errors.As(err, &te) || te.Code != tt.code {
				t.Errorf("error %q: code want %d", err, tt.code)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestDepartmentsAndAccounts(t *testing.T) {
	s := open(t)
	seed(t, s)
	top := mustCreate(t, s, "department", "", model.Object{"name": "Sales", "parent": RootDepartment, "order": int64(3)})
	if top.ID != dept(3) || top.Attrs["parent"] != nil || top.Attrs.Str("id") != dept(3) {
		t.Errorf("top-level department = %+v, want id %s and no parent", top, dept(3))
	}
	for i := 0; i < 7; i++ {
		mustCreate(t, s, "department", "", model.Object{"name": "D" + strconv.Itoa(i)})
	}
	list, err := s.List("department")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range list {
		ids = append(ids, it.ID)
	}
	var want []string
	for n := 1; n <= 10; n++ {
		want = append(want, dept(n))
	}
	if got := strings.Join(ids, ","); got != strings.Join(want, ",") {
		t.Errorf("department ids = %s, want %s", got, strings.Join(want, ","))
	}
	// The account may leave its department; the department may then go.
	if _, err := s.UpdateAccount("ALICE@example.com", func(o model.Object) error {
		o["departments"] = []string{dept(1)}
		o["status"] = "frozen"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("department", dept(2)); err != nil {
		t.Fatal(err)
	}
	a, err := s.Get("account", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if a.Str("status") != "frozen" || a.Strings("departments")[0] != dept(1) || a.Strings("aliases")[0] != "al@example.com" {
		t.Errorf("account after console change = %v", a)
	}
	for _, c := range []struct{ addr, what, owner string }{
		{"alice@example.com", "account", "alice@example.com"},
		{"AL@example.com", "alias", "alice@example.com"},
		{"all@example.com", "group", "all@example.com"},
		{"free@example.com", "", ""},
	} {
		what, owner, err := s.AddressOwner(c.addr)
		if err != nil || what != c.what || owner != c.owner {
			t.Errorf("AddressOwner(%s) = %q, %q, %v; want %q, %q", c.addr, what, owner, err, c.what, c.owner)
		}
	}
}

func TestPasswordIsWriteOnly(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	it := mustCreate(t, s, "account", "", model.Object{"email": "bob@example.com", "name": "Bob", "password": "Sup3r-Secret!"})
	if _, ok := it.Attrs["password"]; ok {
		t.Error("create returned the password")
	}
	got, _ := s.Get("account", "bob@example.com")
	if _, ok := got["password"]; ok {
		t.Error("get returned the password")
	}
	if ok, err := s.CheckPassword("Bob@example.com", "Sup3r-Secret!"); !ok || err != nil {
		t.Errorf("right password: %v, %v", ok, err)
	}
	if ok, _ := s.CheckPassword("bob@example.com", "wrong"); ok {
		t.Error("wrong password accepted")
	}
	// Updating without a password keeps the old one.
	if _, err := s.UpdateAccount("bob@example.com", func(o model.Object) error { o["name"] = "Robert"; return nil }); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.CheckPassword("bob@example.com", "Sup3r-Secret!"); !ok {
		t.Error("password lost on update")
	}
	s.Close()
	raw, err := os.ReadFile(filepath.Join(dir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("Sup3r-Secret!")) {
		t.Error("password stored in clear text")
	}
}

func TestDurableAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	mustCreate(t, s, "backup_rule", "archive", model.Object{"destination": "archive@example.com", "departments": []string{dept(1)}, "match": model.Object{"has_attachment": true}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Get("account", "alice@example.com")
	if err != nil || a.Str("name") != "Alice" || a.Str("status") != "active" {
		t.Errorf("account after reopen = %v, %v", a, err)
	}
	b, err := s.Get("backup_rule", "archive")
	if err != nil || b.Block("match").Bool("has_attachment") != true || b.Str("direction") != "both" {
		t.Errorf("backup rule after reopen = %v, %v", b, err)
	}
	// The id counter survives too.
	if it := mustCreate(t, s, "department", "", model.Object{"name": "New"}); it.ID != dept(3) {
		t.Errorf("next department id after reopen = %s, want %s", it.ID, dept(3))
	}
}

func TestSecondOpenerWaitsThenFails(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir, Options{LockTimeout: 150 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	for _, want := range []string{dir, "pid " + strconv.Itoa(os.Getpid()), "mailform sandbox serve"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	// The holder is unaffected, and the directory is free once it closes.
	mustCreate(t, s, "domain", "", model.Object{"name": "example.com"})
	s.Close()
	s2, err := Open(dir, Options{LockTimeout: 150 * time.Millisecond})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	defer s2.Close()
	if _, err := s2.Get("domain", "example.com"); err != nil {
		t.Error(err)
	}
}

func TestClosedStore(t *testing.T) {
	s := open(t)
	s.Close()
	if _, err := s.List("domain"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("list on closed store: %v", err)
	}
}

func TestEditZone(t *testing.T) {
	s := open(t)
	mustCreate(t, s, "dns_record", "", model.Object{"zone": "Example.com.", "name": "www.example.com.", "type": "a", "records": []string{"192.0.2.1"}})
	z, err := s.Zone("example.com")
	if err != nil || !z.Exists() || z.Serial != 2 || len(z.RRsets) != 1 || z.RRsets[0].Str("name") != "www" {
		t.Fatalf("zone after one create = %+v, %v", z, err)
	}
	// One edit: replace the A by a CNAME and add a TXT; the serial moves once.
	err = s.EditZone("example.com", func(z *Zone) error {
		z.RRsets = []model.Object{
			{"name": "www", "type": "CNAME", "records": []string{"Web.Example.net."}, "ttl": int64(300)},
			{"name": "@", "type": "TXT", "records": []string{"v=spf1 -all"}},
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	z, _ = s.Zone("example.com")
	if z.Serial != 3 || len(z.RRsets) != 2 {
		t.Fatalf("zone after edit = %+v", z)
	}
	cname, err := s.Get("dns_record", model.RRsetKey("example.com", "www", "CNAME"))
	if err != nil || cname.Strings("records")[0] != "web.example.net." || cname.Int("ttl") != 300 {
		t.Errorf("cname = %v, %v", cname, err)
	}
	// A failing edit changes nothing.
	err = s.EditZone("example.com", func(z *Zone) error {
		z.RRsets = append(z.RRsets, model.Object{"name": "www", "type": "A", "records": []string{"192.0.2.9"}})
		return nil
	})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("conflicting edit: %v", err)
	}
	if z2, _ := s.Zone("example.com"); z2.Serial != 3 || len(z2.RRsets) != 2 {
		t.Errorf("zone after failed edit = %+v", z2)
	}
	mustCreate(t, s, "domain", "", model.Object{"name": "other.org"})
	zones, _ := s.Zones()
	if strings.Join(zones, ",") != "example.com,other.org" {
		t.Errorf("zones = %v", zones)
	}
}

// A directory made when ids were small keeps its departments; new ones take big ids,
// so ids only grow and never meet an old one.
func TestSmallIDsOfAnOldDirectory(t *testing.T) {
	s := open(t)
	if err := s.Batch(func(tx *Tx) error {
		if _, err := tx.Put("department", "4", model.Object{"name": "Old"}); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put(keyNextDepartment, []byte("5"))
	}); err != nil {
		t.Fatal(err)
	}
	sub := mustCreate(t, s, "department", "", model.Object{"name": "New", "parent": "4"})
	next := mustCreate(t, s, "department", "", model.Object{"name": "Next"})
	if sub.ID != dept(1) || next.ID != dept(2) {
		t.Fatalf("new ids = %s, %s; want %s, %s", sub.ID, next.ID, dept(1), dept(2))
	}
	if err := s.Delete("department", "4"); !errors.Is(err, ErrInUse) {
		t.Fatalf("old department with a new child deleted: %v", err)
	}
	list, err := s.List("department")
	if err != nil || len(list) != 3 || list[0].ID != "4" {
		t.Fatalf("departments = %+v, %v", list, err)
	}
}

func TestDepartmentIDSequence(t *testing.T) {
	prev := FirstDepartmentID
	if prev <= 1<<53 {
		t.Fatalf("first id %d is not above 2^53", prev)
	}
	for i := 0; i < 1000; i++ {
		next := DepartmentIDAfter(prev)
		if next <= prev || next-prev >= 1000 {
			t.Fatalf("id after %d is %d: ids must grow by less than 1,000", prev, next)
		}
		prev = next
	}
	if DepartmentIDAfter(FirstDepartmentID) != FirstDepartmentID+1 {
		t.Fatal("the first two ids must be neighbours one apart")
	}
}
