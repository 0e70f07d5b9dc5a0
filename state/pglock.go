package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Lock takes the workspace's advisory lock on a session of its own, held until
// Unlock, and records info in mailform_locks so that refused runs can name the
// holder. A holder that crashed loses its session and with it the advisory lock, so
// its leftover row is simply replaced.
func (p *PG) Lock(info LockInfo, timeout time.Duration) error {
	if info.ID == "" {
		return errors.New("cannot lock state: the lock has no ID (build it with state.NewLockInfo)")
	}
	if info.Who == "" {
		info.Who = whoAmI()
	}
	if info.Created.IsZero() {
		info.Created = time.Now().UTC()
	}
	info.Path = p.Describe()
	p.lockMu.Lock()
	defer p.lockMu.Unlock()
	if p.lockConn != nil {
		return fmt.Errorf("cannot lock state %s: this run already holds its lock (ID %s)", p.Describe(), p.lockID)
	}
	// The tables must exist before the lock row can be written.
	if err := p.ensureReady(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	conn, err := p.connect(ctx)
	cancel()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
		got, err := p.tryLock(ctx, conn, info)
		if err == nil && !got && !time.Now().Before(deadline) {
			err = p.lockedError(ctx, conn)
		}
		cancel()
		if err != nil {
			conn.Close(context.Background())
			return err
		}
		if got {
			p.lockConn, p.lockID = conn, info.ID
			return nil
		}
		time.Sleep(min(lockPoll, time.Until(deadline)))
	}
}

// ensureReady makes the tables on the data session.
func (p *PG) ensureReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := p.session(ctx)
	return err
}

// tryLock takes the advisory lock without waiting and, when it got it, records info.
func (p *PG) tryLock(ctx context.Context, conn *pgx.Conn, info LockInfo) (bool, error) {
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, p.key("state")).Scan(&got); err != nil {
		return false, p.fail("cannot lock the state", err)
	}
	if !got {
		return false, nil
	}
	data, err := json.Marshal(info)
	if err == nil {
		_, err = conn.Exec(ctx, `INSERT INTO `+p.table("mailform_locks")+` (name, info, backend_pid) VALUES ($1, $2::text::jsonb, pg_backend_pid())
			ON CONFLICT (name) DO UPDATE SET info = excluded.info, backend_pid = excluded.backend_pid, created_at = now()`,
			p.workspace, string(data))
	}
	if err != nil {
		conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, p.key("state"))
		return false, p.fail("cannot record the state lock", err)
	}
	return true, nil
}

// holder reads the lock row, or returns nil when there is none.
func (p *PG) holder(ctx context.Context, conn *pgx.Conn) (*LockInfo, error) {
	var data []byte
	err := conn.QueryRow(ctx, `SELECT info::text FROM `+p.table("mailform_locks")+` WHERE name = $1`, p.workspace).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, p.fail("cannot read the state lock", err)
	}
	var info LockInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("the lock record of %s is unreadable: %v", p.Describe(), err)
	}
	return &info, nil
}

// holderPID is the server process id of the session holding the advisory lock, or 0.
func (p *PG) holderPID(ctx context.Context, conn *pgx.Conn) (int32, error) {
	k := uint64(p.key("state"))
	var pid int32
	err := conn.QueryRow(ctx, `SELECT pid FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND classid::bigint = $1 AND objid::bigint = $2`, int64(k>>32), int64(k&0xffffffff)).Scan(&pid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, p.fail("cannot find the session holding the state lock", err)
	}
	return pid, nil
}

// lockedError names the current holder for a refused Lock.
func (p *PG) lockedError(ctx context.Context, conn *pgx.Conn) error {
	h, err := p.holder(ctx, conn)
	if err != nil {
		return err
	}
	if h == nil {
		// The holder took the advisory lock and has not written its row yet.
		pid, _ := p.holderPID(ctx, conn)
		h = &LockInfo{ID: "unknown", Who: fmt.Sprintf("another session (server pid %d)", pid), Operation: "unknown operation", Path: p.Describe()}
	}
	return &LockedError{Holder: *h}
}

// Unlock releases the lock taken with id by this backend: it deletes the lock row
// and ends the lock's session.
func (p *PG) Unlock(id string) error {
	p.lockMu.Lock()
	defer p.lockMu.Unlock()
	if p.lockConn == nil || p.lockID != id {
		return p.notMine(id, "unlock")
	}
	conn := p.lockConn
	p.lockConn, p.lockID = nil, ""
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	defer conn.Close(ctx)
	_, err := conn.Exec(ctx, `DELETE FROM `+p.table("mailform_locks")+` WHERE name = $1 AND info->>'id' = $2`, p.workspace, id)
	if err == nil {
		_, err = conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, p.key("state"))
	}
	if err != nil {
		if conn.IsClosed() || pgconnLost(err) {
			return fmt.Errorf("the lock of %s with ID %s was lost before unlock: its session ended (force-unlock by someone else, or the server restarted)", p.Describe(), id)
		}
		return p.fail("cannot release the state lock", err)
	}
	return nil
}

// notMine explains why this backend cannot unlock id: the lock is not held at all,
// held with another id, or held by another run.
func (p *PG) notMine(id, verb string) error {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	conn, err := p.session(ctx)
	if err != nil {
		return err
	}
	h, err := p.holder(ctx, conn)
	if err != nil {
		return err
	}
	switch {
	case h == nil:
		return fmt.Errorf("cannot %s state %s: it is not locked", verb, p.Describe())
	case h.ID != id:
		return fmt.Errorf("cannot %s state %s: it is locked with ID %s by %s (%s), not with ID %s", verb, p.Describe(), h.ID, h.Who, h.Operation, id)
	default:
		return fmt.Errorf("cannot %s state %s: the lock with ID %s is held by another run (%s); if that run is gone, run: mailform force-unlock %s", verb, p.Describe(), id, h.Who, id)
	}
}

// ForceUnlock removes the lock whose ID is id, whoever holds it: it ends the holding
// session (which releases the advisory lock) and deletes the lock row. An id that
// does not match is refused so that a live run's lock is not removed by mistake.
func (p *PG) ForceUnlock(id string) error {
	p.lockMu.Lock()
	mine := p.lockConn != nil && p.lockID == id
	p.lockMu.Unlock()
	if mine {
		return p.Unlock(id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	conn, err := p.session(ctx)
	if err != nil {
		return err
	}
	h, err := p.holder(ctx, conn)
	if err != nil {
		return err
	}
	if h == nil {
		return fmt.Errorf("cannot force-unlock state %s: it is not locked", p.Describe())
	}
	if h.ID != id {
		return fmt.Errorf("cannot force-unlock state %s: it is locked with ID %s by %s (%s), not with ID %s", p.Describe(), h.ID, h.Who, h.Operation, id)
	}
	if err := p.endHolder(ctx, conn); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `DELETE FROM `+p.table("mailform_locks")+` WHERE name = $1 AND info->>'id' = $2`, p.workspace, id)
	if err != nil {
		return p.fail("cannot remove the state lock", err)
	}
	return nil
}

// endHolder terminates the session holding the advisory lock, if any, and waits
// until the server has released it.
func (p *PG) endHolder(ctx context.Context, conn *pgx.Conn) error {
	pid, err := p.holderPID(ctx, conn)
	if err != nil || pid == 0 {
		return err
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil {
		return p.fail(fmt.Sprintf("cannot end the session (server pid %d) holding the state lock", pid), err)
	}
	for {
		held, err := p.holderPID(ctx, conn)
		if err != nil {
			return err
		}
		if held != pid {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the session (server pid %d) holding the lock of %s did not end; ask a database administrator to run: SELECT pg_terminate_backend(%d)", pid, p.Describe(), pid)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// pgconnLost says whether err is the server ending the session (SQLSTATE class 57P:
// terminated by an administrator, or a server shutdown).
func pgconnLost(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasPrefix(pe.Code, "57P")
}
