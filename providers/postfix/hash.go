package postfix

import (
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// blfPrefix marks a bcrypt hash for Dovecot (scheme BLF-CRYPT), which verifies it
// from the mailbox row without any other configuration.
const blfPrefix = "{BLF-CRYPT}"

// hashCost is bcrypt's work factor: about 50 ms per password on one core, so a
// stolen mailbox table is slow to attack and creating 1,000 mailboxes takes a minute.
var hashCost = bcrypt.DefaultCost

// HashPassword returns the Dovecot-verifiable hash stored in mailbox.password.
func HashPassword(pw string) (string, error) {
	if pw == "" {
		return "", errors.New("empty password")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), hashCost)
	if err != nil {
		return "", err
	}
	return blfPrefix + string(h), nil
}

// CheckPassword reports whether stored (a {BLF-CRYPT} hash) is the hash of pw.
func CheckPassword(stored, pw string) bool {
	h, ok := strings.CutPrefix(stored, blfPrefix)
	return ok && bcrypt.CompareHashAndPassword([]byte(h), []byte(pw)) == nil
}
