package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lockPoll is how often Lock looks again at a lock held by someone else.
const lockPoll = 100 * time.Millisecond

// unreadableLockID stands for the ID of a lock file that cannot be parsed, so that
// `mailform force-unlock unreadable` can still clear it.
const unreadableLockID = "unreadable"

// NewLockInfo describes a lock taken by this process for operation ("apply", "plan" …)
// with a fresh random ID.
func NewLockInfo(operation string) LockInfo {
	return LockInfo{ID: randomHex(16), Operation: operation, Who: whoAmI(), Created: time.Now().UTC()}
}

// whoAmI is "user@host pid N", which is also what staleness checks parse.
func whoAmI() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s@%s pid %d", name, host, os.Getpid())
}

func (l *Local) lockPath() string { return l.path + ".lock" }

// Lock creates <path>.lock exclusively, waiting up to timeout while another run holds it.
func (l *Local) Lock(info LockInfo, timeout time.Duration) error {
	if info.ID == "" {
		return errors.New("cannot lock state: the lock has no ID (build it with state.NewLockInfo)")
	}
	if info.Who == "" {
		info.Who = whoAmI()
	}
	if info.Created.IsZero() {
		info.Created = time.Now().UTC()
	}
	info.Path = l.path
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := l.createLock(data)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("cannot lock state %s: %w", l.path, err)
		}
		if l.takeOverStale() {
			continue
		}
		if !time.Now().Before(deadline) {
			return l.lockedError()
		}
		time.Sleep(min(lockPoll, time.Until(deadline)))
	}
}

// takeOverStale removes a lock whose holder process is provably gone from this host
// (killed with SIGKILL, or the machine's run crashed), so the next run after a crash
// needs no force-unlock. The lock file is first renamed aside, and restored if it
// turns out to be another run's fresh lock.
func (l *Local) takeOverStale() bool {
	holder, err := l.readLock()
	if err != nil || staleReason(holder.Who) == "" {
		return false
	}
	aside := l.lockPath() + ".stale-" + randomHex(8)
	if os.Rename(l.lockPath(), aside) != nil {
		return false
	}
	var got LockInfo
	data, err := os.ReadFile(aside)
	if err == nil && json.Unmarshal(data, &got) == nil && got.ID == holder.ID {
		os.Remove(aside)
		return true
	}
	// Someone else's live lock: put it back unless a new one appeared meanwhile.
	if err := os.Link(aside, l.lockPath()); err == nil {
		os.Remove(aside)
	}
	return false
}

func (l *Local) createLock(data []byte) error {
	f, err := os.OpenFile(l.lockPath(), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(l.lockPath())
		return werr
	}
	return nil
}

// lockedError describes the current holder; a lock that vanished meanwhile is still
// reported as locked because the caller's wait is over.
func (l *Local) lockedError() error {
	holder, err := l.readLock()
	if err != nil {
		holder = LockInfo{ID: unreadableLockID, Who: "an unknown run", Operation: "unknown operation", Path: l.path}
	}
	return &LockedError{Holder: holder, Stale: staleReason(holder.Who)}
}

func (l *Local) readLock() (LockInfo, error) {
	var info LockInfo
	data, err := os.ReadFile(l.lockPath())
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return info, fmt.Errorf("lock file %s is unreadable: %w", l.lockPath(), err)
	}
	return info, nil
}

// staleReason says why a holder described as "user@host pid N" on this host is gone,
// or "" when it may still be running (or runs elsewhere, where we cannot tell).
func staleReason(who string) string {
	at := strings.LastIndex(who, "@")
	sp := strings.LastIndex(who, " pid ")
	if at < 0 || sp < at {
		return ""
	}
	host, pidText := who[at+1:sp], who[sp+len(" pid "):]
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return ""
	}
	if me, _ := os.Hostname(); me != host {
		return ""
	}
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return fmt.Sprintf("process %d is not running on %s", pid, host)
	}
	return ""
}

// Unlock removes the lock if it is the one taken with id.
func (l *Local) Unlock(id string) error {
	return l.unlock(id, "unlock")
}

// ForceUnlock removes the lock whose ID is id, whoever took it; an ID that does not
// match is refused so that a live run's lock is not removed by mistake.
func (l *Local) ForceUnlock(id string) error {
	return l.unlock(id, "force-unlock")
}

func (l *Local) unlock(id, verb string) error {
	holder, err := l.readLock()
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot %s state %s: it is not locked", verb, l.path)
	}
	if err != nil {
		if id != unreadableLockID {
			return fmt.Errorf("cannot %s state %s: %v; to remove it anyway run: mailform force-unlock %s", verb, l.path, err, unreadableLockID)
		}
	} else if holder.ID != id {
		return fmt.Errorf("cannot %s state %s: it is locked with ID %s by %s (%s), not with ID %s", verb, l.path, holder.ID, holder.Who, holder.Operation, id)
	}
	if err := os.Remove(l.lockPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot %s state %s: %w", verb, l.path, err)
	}
	return nil
}
