package state

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("state: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// newLineage returns a random UUID-shaped (version 4) identifier.
func newLineage() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("state: no randomness: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
