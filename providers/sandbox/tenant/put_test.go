package tenant

import (
	"errors"
	"strconv"
	"testing"

	"github.com/mailform/mailform/model"
)

func TestPut(t *testing.T) {
	s := open(t)
	put := func(typ, id string, o model.Object) (Item, error) {
		var it Item
		err := s.Batch(func(tx *Tx) error {
			var err error
			it, err = tx.Put(typ, id, o)
			return err
		})
		return it, err
	}
	var dept string
	if err := s.Batch(func(tx *Tx) error {
		var err error
		dept, err = tx.NewDepartmentID()
		return err
	}); err != nil || dept != strconv.FormatInt(FirstDepartmentID, 10) {
		t.Fatalf("NewDepartmentID = %q, %v; want %d", dept, err, FirstDepartmentID)
	}
	tests := []struct {
		name    string
		typ, id string
		o       model.Object
		wantErr error
		check   func(t *testing.T)
	}{
		{name: "department under the root stores no parent", typ: "department", id: dept,
			o: model.Object{"name": "Eng", "parent": RootDepartment},
			check: func(t *testing.T) {
				o, err := s.Get("department", dept)
				if err != nil || o.Str("parent") != "" || o.Str("id") != dept {
					t.Fatalf("department = %v, %v", o, err)
				}
			}},
		{name: "account with password", typ: "account", id: "a@example.com",
			o: model.Object{"email": "A@example.com", "name": "A", "password": "pw1", "departments": []string{"9"}},
			check: func(t *testing.T) {
				// No reference check: department 9 is the caller's business.
				o, err := s.Get("account", "a@example.com")
				if err != nil || o.Str("name") != "A" || o["password"] != nil {
					t.Fatalf("account = %v, %v", o, err)
				}
			}},
		{name: "replacing without a password keeps the stored one", typ: "account", id: "a@example.com",
			o: model.Object{"email": "a@example.com", "name": "A2"},
			check: func(t *testing.T) {
				if ok, err := s.CheckPassword("a@example.com", "pw1"); !ok || err != nil {
					t.Fatalf("password lost: %v %v", ok, err)
				}
			}},
		{name: "id must match the address", typ: "account", id: "b@example.com",
			o: model.Object{"email": "c@example.com", "name": "C"}, wantErr: ErrInvalid},
		{name: "required attribute", typ: "group", id: "g@example.com",
			o: model.Object{"email": "g@example.com"}, wantErr: ErrInvalid},
		{name: "unknown type", typ: "mailbox", id: "x", o: model.Object{}, wantErr: ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := put(tc.typ, tc.id, tc.o)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t)
		})
	}
}
