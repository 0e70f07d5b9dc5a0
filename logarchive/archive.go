// Package logarchive keeps the Exmail logs beyond the console's month: a store of
// day partitions, each sealed with a content hash chained to the previous day, an
// embedded implementation (a bbolt file in the configuration directory) and a
// PostgreSQL one. Pulling rows from an API is a provider's capability (a Source);
// querying, verifying and pruning are the archive's.
package logarchive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The kinds of log row.
const (
	KindMail      = "mail"
	KindLogin     = "login"
	KindOperation = "operation"
	KindBatchjob  = "batchjob"
)

// Kinds lists every kind, in the order a day is pulled.
var Kinds = []string{KindMail, KindOperation, KindBatchjob, KindLogin}

// Row is one log entry. Fields a kind does not have stay empty: a mail row has the
// sender as Account and the receiver as Peer, a login row the account and IP, an
// operation row the operator and the operand as Peer.
type Row struct {
	Day      string `json:"day"`
	Kind     string `json:"kind"`
	Time     int64  `json:"time"`
	Account  string `json:"account,omitempty"`
	Peer     string `json:"peer,omitempty"`
	IP       string `json:"ip,omitempty"`
	Subject  string `json:"subject,omitempty"`
	Operator string `json:"operator,omitempty"`
	Type     int    `json:"type"`
	Status   int    `json:"status,omitempty"`
	Remark   string `json:"remark,omitempty"`
	// Seq tells identical rows of one answer apart, so that a re-pull adds nothing
	// and a genuine repeat is kept.
	Seq int `json:"seq,omitempty"`
}

// Canonical is the row's bytes as the day hash sees them.
func (r Row) Canonical() []byte {
	b, _ := json.Marshal(r)
	return b
}

// Key is the row's natural key: kind, time and a digest of every field. Rows of a day
// are ordered by it everywhere.
func (r Row) Key() string {
	sum := sha256.Sum256(r.Canonical())
	return r.Kind + "|" + fmt.Sprintf("%012d", r.Time) + "|" + hex.EncodeToString(sum[:10])
}

// Accounts are the lower-cased addresses a row concerns, for the account index.
func (r Row) Accounts() []string {
	var out []string
	for _, a := range []string{r.Account, r.Peer, r.Operator} {
		a = strings.ToLower(a)
		if a != "" && strings.Contains(a, "@") && !contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// The statuses of a sealed day.
const (
	// DayComplete holds every row the API answered for the day.
	DayComplete = "complete"
	// DayGap is a day that was no longer answerable when the archive reached it.
	DayGap = "gap"
	// DayPartial is a gap for which some calls had been made before the day left
	// the API's month: it keeps their rows.
	DayPartial = "partial"
)

// Day is one sealed day partition.
type Day struct {
	Date   string    `json:"date"`
	Status string    `json:"status"`
	Rows   int       `json:"rows"`
	Prev   string    `json:"prev"`
	Hash   string    `json:"hash"`
	Sealed time.Time `json:"sealed"`
}

// Store is where an archive keeps its days. Rows of a day are added unit by unit (one
// API call's answer each) until the day is sealed; adding a row twice keeps one.
type Store interface {
	// Days returns the sealed days, oldest first.
	Days(ctx context.Context) ([]Day, error)
	// Done returns the units already added to an unsealed day.
	Done(ctx context.Context, date string) (map[string]bool, error)
	// Add stores rows of one unit of date and marks the unit done, atomically; it
	// returns how many rows were new.
	Add(ctx context.Context, date, unit string, rows []Row) (int, error)
	// Seal records d; its rows stop changing.
	Seal(ctx context.Context, d Day) error
	// Scan calls fn with the rows of date in key order; with account set, only rows
	// that concern it (see Row.Accounts).
	Scan(ctx context.Context, date, account string, fn func(Row) error) error
	// Prune removes the days before date and returns how many went; the hash of the
	// last one removed becomes the anchor the chain starts from.
	Prune(ctx context.Context, before string) (int, error)
	// Meta returns a value set with SetMeta, or "".
	Meta(ctx context.Context, key string) (string, error)
	// SetMeta sets a value.
	SetMeta(ctx context.Context, key, value string) error
	// Close releases the store.
	Close() error
}

// Meta keys.
const (
	// MetaAnchor is the hash the first retained day's Prev must equal.
	MetaAnchor = "anchor"
	// MetaLastPull is when the last pull finished, RFC 3339.
	MetaLastPull = "last_pull"
)

// DayHash computes the hash of a day: the previous day's hash, the date, the status
// and every row in key order.
func DayHash(ctx context.Context, s Store, date, status, prev string) (hash string, rows int, err error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", prev, date, status)
	err = s.Scan(ctx, date, "", func(r Row) error {
		rows++
		h.Write(r.Canonical())
		h.Write([]byte{'\n'})
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), rows, err
}

// Date helpers: days are calendar dates in the source's time zone.

// AddDays returns date moved by n days.
func AddDays(date string, n int) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

// ValidDate reports whether s is a date like 2026-01-31.
func ValidDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}
