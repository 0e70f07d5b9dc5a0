package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The local backend makes each apply step durable by appending the resources it
// changed to a journal (<path>.journal, one fsync'd JSON line per group commit) instead
// of rewriting the whole state: for a state of 50,000 resources a full save costs tens
// of milliseconds and megabytes of writes, a journal line a few hundred bytes. The
// journal is folded into the state file by the next full save (Writer.Close, or when
// it grows large), and replayed by Load after a crash.

// journalOp is one change: a resource set (inserted or replaced) or removed.
type journalOp struct {
	Set    *Resource `json:"set,omitempty"`
	Remove string    `json:"remove,omitempty"`
}

// journalEntry is one journal line: the changes of one group commit.
type journalEntry struct {
	Lineage string      `json:"lineage"`
	Serial  uint64      `json:"serial"`
	Ops     []journalOp `json:"ops"`
}

// journaler is implemented by backends that can append changes durably.
type journaler interface {
	appendJournal(lineage string, serial uint64, line []byte) error
}

func (l *Local) journalPath() string { return l.path + ".journal" }

// appendJournal appends one line and fsyncs it.
func (l *Local) appendJournal(lineage string, serial uint64, line []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d := l.disk; d != nil {
		if lineage != d.lineage {
			return fmt.Errorf("refusing to save: state file %s belongs to lineage %s, not %s", l.path, d.lineage, lineage)
		}
		if serial <= d.serial {
			return fmt.Errorf("refusing to save serial %d: state file %s is already at serial %d; run plan again", serial, l.path, d.serial)
		}
	}
	if l.journal == nil {
		f, err := os.OpenFile(l.journalPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("cannot write state journal %s: %w", l.journalPath(), err)
		}
		if err := syncDir(filepath.Dir(l.path)); err != nil {
			f.Close()
			return fmt.Errorf("cannot make state journal %s durable: %w", l.journalPath(), err)
		}
		l.journal = f
	}
	if _, err := l.journal.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("cannot write state journal %s: %w", l.journalPath(), err)
	}
	if err := l.journal.Sync(); err != nil {
		return fmt.Errorf("cannot make state journal %s durable: %w", l.journalPath(), err)
	}
	l.disk = &diskMark{lineage: lineage, serial: serial}
	return nil
}

// dropJournal removes the journal after a full save has made it redundant. Called
// with l.mu held.
func (l *Local) dropJournal() error {
	if l.journal != nil {
		l.journal.Close()
		l.journal = nil
	}
	err := os.Remove(l.journalPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot remove state journal %s: %w", l.journalPath(), err)
	}
	return syncDir(filepath.Dir(l.path))
}

// replayJournal applies the journal's entries newer than st. A last line cut short by
// a crash is ignored: its commit never returned.
func (l *Local) replayJournal(st *State) (*State, error) {
	data, err := os.ReadFile(l.journalPath())
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read state journal %s: %w", l.journalPath(), err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	var lines [][]byte
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read state journal %s: %w", l.journalPath(), err)
	}
	for i, line := range lines {
		var e journalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			if i == len(lines)-1 {
				break
			}
			return nil, fmt.Errorf("state journal %s is damaged at line %d (%v); the state file %s holds everything up to its last full save", l.journalPath(), i+1, err, l.path)
		}
		if st == nil {
			st = New()
			st.Lineage = e.Lineage
		}
		if e.Lineage != st.Lineage {
			return nil, fmt.Errorf("state journal %s belongs to lineage %s, not the state's %s; move it away if it is left over from another configuration", l.journalPath(), e.Lineage, st.Lineage)
		}
		if e.Serial <= st.Serial {
			continue
		}
		for _, op := range e.Ops {
			switch {
			case op.Set != nil:
				st.Set(op.Set)
			case op.Remove != "":
				st.Remove(op.Remove)
			}
		}
		st.Serial = e.Serial
	}
	return st, nil
}
