package postfix

import (
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// blfPrefix marks a bcrypt hash for Dovecot (scheme BLF-CRYPT), which verifies it
// from the mailbox row without any other configuration.
const blfPrefix = "{BLF-CRYPT}"

// hashCost is bcrypt's default work factor (the provider's bcrypt_cost): about 50 ms
// per password on one core, so a stolen mailbox table is slow to attack and creating
// 1,000 mailboxes takes a minute. Dovecot pays the same at every login.
var hashCost = bcrypt.DefaultCost

// HashPassword returns the Dovecot-verifiable hash stored in mailbox.password, made
// with bcrypt work factor cost.
func HashPassword(pw string, cost int) (string, error) {
	if pw == "" {
		return "", errors.New("empty password")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
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
