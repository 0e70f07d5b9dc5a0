package state

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
)

func res(addr string) *Resource {
	return &Resource{Address: addr, Type: "domain", Provider: "sandbox", ID: addr, Attrs: model.Object{"name": addr}}
}

func TestSetRemoveMove(t *testing.T) {
	type step struct {
		op       string // set, remove, move
		a, b     string
		wantErr  string
		wantBool bool
	}
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"insert keeps order", []step{{op: "set", a: "c"}, {op: "set", a: "a"}, {op: "set", a: "b"}}, []string{"a", "b", "c"}},
		{"replace by address", []step{{op: "set", a: "a"}, {op: "set", a: "a"}}, []string{"a"}},
		{"remove present", []step{{op: "set", a: "a"}, {op: "set", a: "b"}, {op: "remove", a: "a", wantBool: true}}, []string{"b"}},
		{"remove absent", []step{{op: "set", a: "a"}, {op: "remove", a: "x", wantBool: false}}, []string{"a"}},
		{"move", []step{{op: "set", a: "a"}, {op: "set", a: "m"}, {op: "move", a: "a", b: "z"}}, []string{"m", "z"}},
		{"move to self", []step{{op: "set", a: "a"}, {op: "move", a: "a", b: "a"}}, []string{"a"}},
		{"move absent", []step{{op: "move", a: "a", b: "b", wantErr: "no such resource"}}, []string{}},
		{"move onto taken", []step{{op: "set", a: "a"}, {op: "set", a: "b"}, {op: "move", a: "a", b: "b", wantErr: "already in state"}}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			for _, st := range tt.steps {
				switch st.op {
				case "set":
					s.Set(res(st.a))
				case "remove":
					if got := s.Remove(st.a); got != st.wantBool {
						t.Errorf("Remove(%s) = %v, want %v", st.a, got, st.wantBool)
					}
				case "move":
					err := s.Move(st.a, st.b)
					if st.wantErr == "" && err != nil || st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr)) {
						t.Errorf("Move(%s, %s) = %v, want error containing %q", st.a, st.b, err, st.wantErr)
					}
				}
			}
			if got := s.Addresses(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Addresses() = %v, want %v", got, tt.want)
			}
			for _, a := range tt.want {
				if r := s.Find(a); r == nil || r.Address != a {
					t.Errorf("Find(%s) = %v", a, r)
				}
			}
		})
	}
}

func TestMoveKeepsIDAndFindsNewAddress(t *testing.T) {
	s := New()
	s.Set(&Resource{Address: "account.a", Type: "account", ID: "id-1"})
	if err := s.Move("account.a", `account.b["x"]`); err != nil {
		t.Fatal(err)
	}
	if s.Find("account.a") != nil {
		t.Error("old address still found after Move")
	}
	if r := s.Find(`account.b["x"]`); r == nil || r.ID != "id-1" {
		t.Errorf("moved resource = %+v, want ID id-1", r)
	}
}

func TestFindAfterDirectChange(t *testing.T) {
	s := New()
	s.Set(res("a"))
	// Code that appends directly must still be seen by Find.
	s.Resources = append(s.Resources, res("b"))
	if s.Find("b") == nil {
		t.Error("Find missed a resource appended directly")
	}
	// A resource renamed in place is found under its new address only.
	s.Resources[0].Address = "renamed"
	if s.Find("a") != nil || s.Find("renamed") == nil {
		t.Error("Find did not follow an in-place rename")
	}
	// A state built as a literal (no index) works too.
	lit := &State{Resources: []*Resource{res("x")}}
	if lit.Find("x") == nil || lit.Find("y") != nil {
		t.Error("Find on a literal state is wrong")
	}
	lit.Set(res("w"))
	if got := lit.Addresses(); !reflect.DeepEqual(got, []string{"w", "x"}) {
		t.Errorf("Addresses() = %v", got)
	}
}

func TestSetManyStaysSortedAndIndexed(t *testing.T) {
	s := New()
	const n = 50000
	for i := 0; i < n; i++ {
		// A scrambled order exercises insertion in the middle.
		s.Set(res(fmt.Sprintf("account.a[\"%05d\"]", (i*7919)%n)))
	}
	if len(s.Resources) != n {
		t.Fatalf("len = %d, want %d", len(s.Resources), n)
	}
	for i := 1; i < n; i++ {
		if s.Resources[i-1].Address >= s.Resources[i].Address {
			t.Fatalf("not sorted at %d: %s >= %s", i, s.Resources[i-1].Address, s.Resources[i].Address)
		}
	}
	for i := 0; i < n; i += 997 {
		a := fmt.Sprintf("account.a[\"%05d\"]", i)
		if r := s.Find(a); r == nil || r.Address != a {
			t.Fatalf("Find(%s) = %v", a, r)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	frozen := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	s := New()
	s.Serial = 7
	s.Set(&Resource{Address: "account.a", Type: "account", FrozenAt: &frozen,
		Attrs: model.Object{"email": "a@x", "aliases": []string{"b@x"}, "offboarding": model.Object{"retain_days": int64(30)}}})
	c := s.Clone()
	if c.Serial != 7 || c.Lineage != s.Lineage || c.Find("account.a") == nil {
		t.Fatalf("clone lost data: %+v", c)
	}
	r := c.Find("account.a")
	r.Attrs["email"] = "changed"
	r.Attrs["aliases"].([]string)[0] = "changed"
	r.Attrs["offboarding"].(model.Object)["retain_days"] = int64(1)
	*r.FrozenAt = time.Time{}
	c.Set(res("domain.new"))
	o := s.Find("account.a")
	if o.Attrs["email"] != "a@x" || o.Attrs["aliases"].([]string)[0] != "b@x" ||
		o.Attrs["offboarding"].(model.Object)["retain_days"] != int64(30) || !o.FrozenAt.Equal(frozen) {
		t.Errorf("changing the clone changed the original: %+v", o)
	}
	if s.Find("domain.new") != nil {
		t.Error("Set on the clone added to the original")
	}
}
