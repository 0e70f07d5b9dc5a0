package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// DefaultWorkspace is the workspace every configuration has and none can delete.
const DefaultWorkspace = "default"

var workspaceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,89}$`)

// CheckWorkspaceName says what is wrong with a workspace name, or returns nil.
func CheckWorkspaceName(name string) error {
	if !workspaceName.MatchString(name) {
		return fmt.Errorf("invalid workspace name %q: use 1 to 90 letters, digits, - and _, starting with a letter or digit", name)
	}
	return nil
}

// Workspaces is the set of workspaces (separate states of one configuration) a
// backend holds.
type Workspaces interface {
	// List returns the names of the workspaces that exist, default first, then sorted.
	List() ([]string, error)
	// Backend returns the backend of the named workspace's state.
	Backend(name string) (Backend, error)
	// remove deletes the stored state of a workspace whose lock b holds.
	remove(name string, b Backend) error
}

// Exists reports whether the named workspace exists in ws.
func Exists(ws Workspaces, name string) (bool, error) {
	if name == DefaultWorkspace {
		return true, nil
	}
	names, err := ws.List()
	if err != nil {
		return false, err
	}
	for _, n := range names {
		if n == name {
			return true, nil
		}
	}
	return false, nil
}

// CreateWorkspace makes a new workspace holding an empty state.
func CreateWorkspace(ws Workspaces, name string) error {
	if err := CheckWorkspaceName(name); err != nil {
		return err
	}
	if ok, err := Exists(ws, name); err != nil {
		return err
	} else if ok {
		return fmt.Errorf("workspace %q already exists; select it with: mailform workspace select %s", name, name)
	}
	b, err := ws.Backend(name)
	if err != nil {
		return err
	}
	defer closeBackend(b)
	return b.Save(New())
}

// NotEmptyError is DeleteWorkspace refusing a workspace whose state still manages
// objects.
type NotEmptyError struct {
	Name      string
	Resources int
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("workspace %q still manages %d resources; deleting it would lose track of their live objects, not delete them. Destroy or move them first, or pass -force to forget them", e.Name, e.Resources)
}

// DeleteWorkspace deletes a workspace's state under its lock; a state that still
// holds resources is refused unless force.
func DeleteWorkspace(ws Workspaces, name string, force bool, lockTimeout time.Duration) error {
	if name == DefaultWorkspace {
		return errors.New("the default workspace cannot be deleted")
	}
	if ok, err := Exists(ws, name); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("workspace %q does not exist", name)
	}
	b, err := ws.Backend(name)
	if err != nil {
		return err
	}
	defer closeBackend(b)
	info := NewLockInfo("workspace delete")
	if err := b.Lock(info, lockTimeout); err != nil {
		return err
	}
	unlocked := false
	defer func() {
		if !unlocked {
			b.Unlock(info.ID)
		}
	}()
	st, err := b.Load()
	if err != nil {
		return err
	}
	if len(st.Resources) > 0 && !force {
		return &NotEmptyError{Name: name, Resources: len(st.Resources)}
	}
	if err := ws.remove(name, b); err != nil {
		return err
	}
	unlocked = true
	if err := b.Unlock(info.ID); err != nil {
		return err
	}
	if l, ok := ws.(LocalWorkspaces); ok {
		// Only an empty directory goes: files someone put there stay.
		os.Remove(filepath.Join(l.dir(), name))
	}
	return nil
}

func closeBackend(b Backend) {
	if c, ok := b.(interface{ Close() error }); ok {
		c.Close()
	}
}

// LocalWorkspaces keeps the default workspace's state at Path and each other
// workspace's at <dir>/<file>.d/<name>/<file>, Terraform's layout.
type LocalWorkspaces struct {
	Path string
}

func (l LocalWorkspaces) dir() string {
	return filepath.Join(filepath.Dir(l.Path), filepath.Base(l.Path)+".d")
}

// Backend implements Workspaces.
func (l LocalWorkspaces) Backend(name string) (Backend, error) {
	if name == DefaultWorkspace {
		return NewLocal(l.Path), nil
	}
	if err := CheckWorkspaceName(name); err != nil {
		return nil, err
	}
	dir := filepath.Join(l.dir(), name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot make the directory of workspace %q: %w", name, err)
	}
	return NewLocal(filepath.Join(dir, filepath.Base(l.Path))), nil
}

// List implements Workspaces: a workspace exists when its directory holds a state.
func (l LocalWorkspaces) List() ([]string, error) {
	entries, err := os.ReadDir(l.dir())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot list workspaces in %s: %w", l.dir(), err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || CheckWorkspaceName(e.Name()) != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(l.dir(), e.Name(), filepath.Base(l.Path))); err == nil {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return append([]string{DefaultWorkspace}, names...), nil
}

func (l LocalWorkspaces) remove(name string, b Backend) error {
	lb := b.(*Local)
	for _, p := range []string{lb.path, lb.backupPath(), lb.journalPath()} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot delete workspace %q: %w", name, err)
		}
	}
	return nil
}

// PGWorkspaces keeps each workspace's state in its own row of the pg backend's
// table. With no workspace set in the backend block, the rows are named after the
// workspaces; with `workspace = "X"`, the default workspace is row X and workspace
// N is row "X/N", so several configurations can share one schema.
type PGWorkspaces struct {
	Config PGConfig
}

func (p PGWorkspaces) row(name string) string {
	if p.Config.Workspace == "" {
		return name
	}
	if name == DefaultWorkspace {
		return p.Config.Workspace
	}
	return p.Config.Workspace + "/" + name
}

// Backend implements Workspaces.
func (p PGWorkspaces) Backend(name string) (Backend, error) {
	if err := CheckWorkspaceName(name); err != nil {
		return nil, err
	}
	c := p.Config
	c.Workspace = p.row(name)
	return NewPG(c)
}

// List implements Workspaces: the rows of this configuration's workspaces.
func (p PGWorkspaces) List() ([]string, error) {
	b, err := NewPG(p.Config)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	rows, err := b.rowNames()
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, r := range rows {
		n := r
		if p.Config.Workspace != "" {
			var ok bool
			if n, ok = strings.CutPrefix(r, p.Config.Workspace+"/"); !ok {
				continue
			}
		} else if strings.Contains(r, "/") {
			continue
		}
		if n != DefaultWorkspace && CheckWorkspaceName(n) == nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return append([]string{DefaultWorkspace}, names...), nil
}

func (p PGWorkspaces) remove(name string, b Backend) error {
	return b.(*PG).deleteRow()
}

// rowNames lists the names of the stored states.
func (p *PG) rowNames() ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	conn, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, `SELECT name FROM `+p.table("mailform_states")+` ORDER BY name`)
	if err != nil {
		return nil, p.fail("cannot list the workspaces", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, p.fail("cannot list the workspaces", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail("cannot list the workspaces", err)
	}
	return names, nil
}

// deleteRow deletes this workspace's state row through the lock's session.
func (p *PG) deleteRow() error {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	p.lockMu.Lock()
	defer p.lockMu.Unlock()
	if p.lockConn == nil {
		return fmt.Errorf("cannot delete the state of %s: its lock is not held", p.Describe())
	}
	if _, err := p.lockConn.Exec(ctx, `DELETE FROM `+p.table("mailform_states")+` WHERE name = $1`, p.workspace); err != nil {
		return p.fail("cannot delete the workspace's state", err)
	}
	return nil
}
