package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"syscall"

	"github.com/mailform/mailform/model"
)

// Local is the local backend: one JSON file, replaced atomically on every Save, with
// the previous good copy kept at <path>.backup and the run lock at <path>.lock.
type Local struct {
	path string
	// mu serialises Saves in this process; other processes are kept out by the lock.
	mu sync.Mutex
	// disk is the lineage and serial of the file at path as this process last read or
	// wrote it, or nil when unknown. It tells Save that the file it backs up is a
	// complete state, and lets it refuse to overwrite a newer or a foreign state.
	disk *diskMark
	// journal is the open journal file while steps are being appended.
	journal *os.File
}

// diskMark identifies one version of the state file.
type diskMark struct {
	lineage string
	serial  uint64
}

// NewLocal returns the local backend storing the state at path.
func NewLocal(path string) Backend {
	return &Local{path: path}
}

// Path is the file the state is stored in.
func (l *Local) Path() string { return l.path }

func (l *Local) backupPath() string { return l.path + ".backup" }

// Load reads the state file; a missing file is a new empty state.
func (l *Local) Load() (*State, error) {
	data, err := os.ReadFile(l.path)
	var st *State
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// A first apply that was killed before its first full save left only a journal.
		st, err = l.replayJournal(nil)
		if err != nil {
			return nil, err
		}
		if st == nil {
			return New(), nil
		}
	case err != nil:
		return nil, fmt.Errorf("cannot read state file %s: %w", l.path, err)
	default:
		st, err = decodeState(data)
		if err != nil {
			return nil, l.corrupt(err)
		}
		if st, err = l.replayJournal(st); err != nil {
			return nil, err
		}
	}
	l.mu.Lock()
	l.disk = &diskMark{lineage: st.Lineage, serial: st.Serial}
	l.mu.Unlock()
	return st, nil
}

// corrupt explains a state file that does not decode and where to find the last good copy.
func (l *Local) corrupt(err error) error {
	var newer *newerVersionError
	if errors.As(err, &newer) {
		return fmt.Errorf("state file %s was written by a newer mailform (format version %d; this build reads up to %d): upgrade mailform", l.path, newer.version, Version)
	}
	hint := "restore it from your own backups or version control"
	if _, serr := os.Stat(l.backupPath()); serr == nil {
		hint = "the last good copy is at " + l.backupPath() + "; check it and copy it over " + l.path
	}
	return fmt.Errorf("state file %s is corrupt (%v); %s", l.path, err, hint)
}

type newerVersionError struct{ version int }

func (e *newerVersionError) Error() string {
	return fmt.Sprintf("format version %d is newer than %d", e.version, Version)
}

// decodeState parses and checks a state file's contents.
func decodeState(data []byte) (*State, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, err
	}
	if head.Version == nil || *head.Version < 1 {
		return nil, errors.New("no format version: not a mailform state file")
	}
	if *head.Version > Version {
		return nil, &newerVersionError{version: *head.Version}
	}
	st := &State{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, err
	}
	if st.Lineage == "" {
		return nil, errors.New("no lineage")
	}
	if st.Resources == nil {
		st.Resources = []*Resource{}
	}
	st.Reindex()
	return st, nil
}

// UnmarshalJSON decodes a resource, typing its attributes with model.FromJSON so that
// numbers come back as int64 and lists as []string.
func (r *Resource) UnmarshalJSON(data []byte) error {
	type plain Resource
	var raw struct {
		plain
		Attrs map[string]any `json:"attributes"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*r = Resource(raw.plain)
	t := model.Lookup(r.Type)
	if t == nil {
		return fmt.Errorf("resource %s has unknown type %q", r.Address, r.Type)
	}
	attrs, err := model.FromJSON(t, raw.Attrs)
	if err != nil {
		return fmt.Errorf("resource %s: %w", r.Address, err)
	}
	r.Attrs = attrs
	return nil
}

// Save increments st.Serial and replaces the state file with st atomically and durably.
// On error st.Serial is left as it was.
func (l *Local) Save(st *State) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	st.Serial++
	data, err := encodeState(st)
	if err == nil {
		err = l.commitLocked(st.Lineage, st.Serial, data)
	}
	if err != nil {
		st.Serial--
		return err
	}
	return nil
}

// encodeState renders st as indented JSON with resources sorted by address. It never
// reorders st itself.
func encodeState(st *State) ([]byte, error) {
	out := *st
	if out.Version == 0 {
		out.Version = Version
	}
	less := func(rs []*Resource) func(i, j int) bool {
		return func(i, j int) bool { return rs[i].Address < rs[j].Address }
	}
	if !sort.SliceIsSorted(st.Resources, less(st.Resources)) {
		out.Resources = append([]*Resource(nil), st.Resources...)
		sort.SliceStable(out.Resources, less(out.Resources))
	}
	if out.Resources == nil {
		out.Resources = []*Resource{}
	}
	for _, r := range out.Resources {
		for k, v := range r.Attrs {
			if model.IsUnknown(v) {
				return nil, fmt.Errorf("cannot save state: %s.%s is still unknown; the apply step must record the value the provider returned", r.Address, k)
			}
		}
	}
	return marshalState(&out)
}

// marshalState writes exactly what json.MarshalIndent would, but encodes resources in
// parallel: for 50k resources the encoding, not the disk, is what a save costs.
func marshalState(st *State) ([]byte, error) {
	parts := make([][]byte, len(st.Resources))
	workers := min(runtime.GOMAXPROCS(0), 1+len(st.Resources)/1000)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(parts); i += workers {
				b, err := json.MarshalIndent(st.Resources[i], "    ", "  ")
				if err != nil {
					errs[w] = fmt.Errorf("cannot save state: resource %s: %w", st.Resources[i].Address, err)
					return
				}
				parts[i] = b
			}
		}(w)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	lineage, _ := json.Marshal(st.Lineage)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\n  \"version\": %d,\n  \"lineage\": %s,\n  \"serial\": %d,\n  \"resources\": [", st.Version, lineage, st.Serial)
	for i, p := range parts {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		buf.Write(p)
	}
	if len(parts) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteString("]")
	if len(st.Outputs) > 0 {
		outs, err := json.MarshalIndent(st.Outputs, "  ", "  ")
		if err != nil {
			return nil, fmt.Errorf("cannot save state: outputs: %w", err)
		}
		buf.WriteString(",\n  \"outputs\": ")
		buf.Write(outs)
	}
	buf.WriteString("\n}")
	return buf.Bytes(), nil
}

// commit writes data, the encoding of the state with lineage and serial; it takes the
// mutex for callers outside Save.
func (l *Local) commit(lineage string, serial uint64, data []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.commitLocked(lineage, serial, data)
}

// commitLocked refuses to replace a state of another lineage or a serial at least as
// new (another run saved since this one loaded), then writes data.
func (l *Local) commitLocked(lineage string, serial uint64, data []byte) error {
	if d := l.disk; d != nil {
		if lineage != d.lineage {
			return fmt.Errorf("refusing to save: state file %s belongs to lineage %s, not %s (a different configuration's state); check the backend path", l.path, d.lineage, lineage)
		}
		if serial <= d.serial {
			return fmt.Errorf("refusing to save serial %d: state file %s is already at serial %d; it changed since this run loaded it — run plan again", serial, l.path, d.serial)
		}
	}
	if err := l.writeLocked(data); err != nil {
		return err
	}
	l.disk = &diskMark{lineage: lineage, serial: serial}
	return l.dropJournal()
}

// writeLocked writes data to a temporary file beside the state, fsyncs it, keeps the
// current file as the backup, renames the new one over it and fsyncs the directory, so
// the file on disk is always either the old or the new complete state.
func (l *Local) writeLocked(data []byte) error {
	dir := filepath.Dir(l.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(l.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write state file %s: %w", l.path, err)
	}
	tmpName := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmpName)
		return fmt.Errorf("cannot write state file %s: %w", l.path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := l.keepBackup(); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("cannot keep backup %s of state file %s: %w", l.backupPath(), l.path, err)
	}
	if err := os.Rename(tmpName, l.path); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("cannot write state file %s: %w", l.path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("cannot make state file %s durable: %w", l.path, err)
	}
	return nil
}

// keepBackup makes the current state file the backup. It hard-links rather than copies
// so that saving stays cheap for big states, and replaces the old backup by rename so
// that a good backup always exists.
func (l *Local) keepBackup() error {
	if l.disk == nil {
		data, err := os.ReadFile(l.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := decodeState(data); err != nil {
			// Never let a broken file replace the last good backup.
			return nil
		}
	}
	next := l.backupPath() + ".new"
	os.Remove(next)
	if err := os.Link(l.path, next); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err := copyFile(l.path, next); err != nil {
			return err
		}
	}
	if err := os.Chmod(next, 0o600); err != nil {
		return err
	}
	return os.Rename(next, l.backupPath())
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncDir makes a rename in dir durable. File systems that cannot fsync a directory
// report EINVAL; they give no stronger guarantee to ask for, so that is not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	return nil
}
