package postfix

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// Deleting an account removes its maildir through maildir_delete_command, and
// nothing else: not on a freeze, not another account's, and not when the rows
// cannot be deleted with it.
func TestDeleteRemovesTheMaildirOnlyWhenTheAccountIsDeleted(t *testing.T) {
	dsn := newDB(t)
	c := sqlConn(t, dsn)
	vmail := t.TempDir()
	pv, err := New(model.Object{"database_url": dsn,
		"maildir_delete_command": []string{"/bin/sh", "-c", `rm -r -- "$0" && echo "{user}" >> "$1"`, vmail + "/{maildir}", vmail + "/removed.log"}}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	p := pv.(*Provider)
	defer p.Close()
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "example.com"})
	for _, u := range []string{"ann", "bob", "cy"} {
		create(t, p, "account", model.Object{"email": u + "@example.com", "name": u, "password": "pw"})
		if err := os.MkdirAll(filepath.Join(vmail, "example.com", u, "Maildir", "cur"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(u string) bool {
		_, err := os.Stat(filepath.Join(vmail, "example.com", u))
		return err == nil
	}
	ann := readAll(t, p, "account")["ann@example.com"]
	frozen := ann.Clone()
	frozen["status"] = "departed"
	if _, err := p.Update(ctx, "account", "ann@example.com", ann, frozen); err != nil {
		t.Fatal(err)
	}
	if !exists("ann") {
		t.Fatal("freezing removed the maildir")
	}
	if err := p.Delete(ctx, "account", "ann@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if exists("ann") || !exists("bob") || !exists("cy") {
		t.Fatalf("after deleting ann: ann %v bob %v cy %v", exists("ann"), exists("bob"), exists("cy"))
	}
	if log, _ := os.ReadFile(filepath.Join(vmail, "removed.log")); string(log) != "ann@example.com\n" {
		t.Fatalf("the command ran for %q", log)
	}
	// A command that fails keeps the mailbox, so the next plan deletes it again.
	os.RemoveAll(filepath.Join(vmail, "example.com", "bob"))
	err = p.Delete(ctx, "account", "bob@example.com", nil)
	if err == nil || !strings.Contains(err.Error(), "the mailbox is kept") {
		t.Fatalf("delete with a failing command = %v", err)
	}
	if _, ok := readAll(t, p, "account")["bob@example.com"]; !ok {
		t.Fatal("the mailbox rows went although its mail was not removed")
	}
	// A maildir that names no single mailbox is never handed to the command.
	sqlExec(t, c, `UPDATE mailbox SET maildir = '../' WHERE username = 'cy@example.com'`)
	if err := p.Delete(ctx, "account", "cy@example.com", nil); err == nil || !strings.Contains(err.Error(), "does not name one mailbox") {
		t.Fatalf("delete with maildir ../ = %v", err)
	}
	if !exists("cy") {
		t.Fatal("cy's maildir went")
	}
}
