package tenant

import (
	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mailform/mailform/model"
)

// RootDepartment is the id of the tenant's root department (the company), as in
// Exmail. It is never stored or listed; a department without a parent sits under it.
const RootDepartment = "1"

// departmentRules returns the store rules of departments.
func departmentRules() *kind {
	return &kind{
		t:            model.Department,
		idName:       "id",
		check:        checkDepartment,
		deleting:     deletingDepartment,
		existsCode:   CodeDepartmentExists,
		notFoundCode: CodeDepartmentNotFound,
	}
}

var keyNextDepartment = []byte("next_department")

// FirstDepartmentID is the first department id a new tenant hands out: the same
// sequence as the Exmail API's in-memory tenant (exmailapi.DepartmentIDAfter), ids
// far above 2^53 whose neighbours differ by little, as on a live tenant.
const FirstDepartmentID = exmailapi.FirstDepartmentID

// DepartmentIDAfter returns the id handed out after prev.
func DepartmentIDAfter(prev int64) int64 { return exmailapi.DepartmentIDAfter(prev) }

// nextDepartmentID hands out increasing ids. A directory made before ids were big
// stores a small next id; it jumps to FirstDepartmentID, so ids only grow and the old
// departments keep theirs.
func (tx *Tx) nextDepartmentID() (string, error) {
	meta := tx.tx.Bucket(bucketMeta)
	next := FirstDepartmentID
	if b := meta.Get(keyNextDepartment); b != nil {
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err == nil && n > next {
			next = n
		}
	}
	if err := meta.Put(keyNextDepartment, []byte(strconv.FormatInt(DepartmentIDAfter(next), 10))); err != nil {
		return "", err
	}
	return strconv.FormatInt(next, 10), nil
}

func checkDepartment(tx *Tx, id string, c, _ model.Object) error {
	name := c.Str("name")
	if n := utf8.RuneCountInString(name); n < 1 || n > 64 || strings.ContainsAny(name, `\:*?"<>|`) {
		return refuse(ErrInvalid, 0, "department %s: name %q must be 1–64 characters without any of \\ : * ? \" < > |", id, name)
	}
	// The root is the top level, stored as no parent so reads match the model.
	if p := c.Str("parent"); p == RootDepartment || p == "" {
		delete(c, "parent")
	}
	parent := c.Str("parent")
	for p := parent; p != ""; {
		if p == id {
			return refuse(ErrInvalid, 0, "department %s cannot be moved under itself or one of its own sub-departments (%s)", id, parent)
		}
		o, ok, err := tx.get(departmentKind, p)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(ErrNotFound, CodeParentNotFound, "department %s: parent department %s does not exist; create it first", id, p)
		}
		p = o.Str("parent")
	}
	// Siblings share the parent's children in the index; the root's are filed under it.
	under := parent
	if under == "" {
		under = RootDepartment
	}
	var sibling error
	tx.members(bucketIndexChildren, under, func(other string) bool {
		if other == id {
			return true
		}
		o, ok, err := tx.get(departmentKind, other)
		switch {
		case err != nil:
			sibling = err
		case ok && strings.EqualFold(o.Str("name"), name):
			sibling = refuse(ErrExists, CodeDepartmentExists, "department %s: a department named %q already exists there (id %s)", id, name, other)
		}
		return sibling == nil
	})
	return sibling
}

func deletingDepartment(tx *Tx, id string, _ model.Object) error {
	if other := tx.firstMember(bucketIndexChildren, id, ""); other != "" {
		o, _, err := tx.get(departmentKind, other)
		if err != nil {
			return err
		}
		return refuse(ErrInUse, CodeDepartmentHasChild, "department %s still has sub-department %s (%s); move or delete it first", id, other, o.Str("name"))
	}
	if email := tx.firstMember(bucketIndexMembers, id, ""); email != "" {
		return refuse(ErrInUse, CodeDepartmentHasMembers, "department %s still has member %s; move the account to another department first", id, email)
	}
	return nil
}
