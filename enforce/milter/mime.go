package milter

import (
	"errors"
	"io"
	"strings"

	"github.com/emersion/go-message"
	// Registers the character sets beyond UTF-8 and Latin-1 (GB 2312, GBK, Big5,
	// Shift JIS …) for decoding subjects and part headers.
	_ "github.com/emersion/go-message/charset"
)

var errFound = errors.New("attachment found")

// HasAttachment reports whether the message (header and body, as received) has an
// attachment, judged by its MIME structure and never by file names: a part whose
// Content-Disposition is attachment, or a leaf part that is neither text nor
// multipart and is not marked inline. A message that is not MIME (no multipart,
// text/plain) has none. A part whose structure cannot be parsed ends the walk:
// what was found up to it decides.
func HasAttachment(r io.Reader) (bool, error) {
	e, err := message.Read(r)
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return false, err
	}
	err = e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil {
			if message.IsUnknownCharset(err) || message.IsUnknownEncoding(err) {
				err = nil
			} else {
				return err
			}
		}
		if isAttachment(part.Header) {
			return errFound
		}
		return nil
	})
	if errors.Is(err, errFound) {
		return true, nil
	}
	return false, err
}

func isAttachment(h message.Header) bool {
	t, _, err := h.ContentType()
	if err != nil {
		// An unparsable Content-Type is taken as application/octet-stream (RFC 2045
		// says text/plain, but a mangled type is more often a file than a text).
		t = "application/octet-stream"
	}
	t = strings.ToLower(t)
	if signatures[t] {
		return false
	}
	disp, _, derr := h.ContentDisposition()
	if derr == nil && strings.EqualFold(disp, "attachment") {
		return true
	}
	if strings.HasPrefix(t, "multipart/") || strings.HasPrefix(t, "text/") {
		return false
	}
	return !(derr == nil && strings.EqualFold(disp, "inline"))
}

// signatures are the parts of a signed message (RFC 1847 multipart/signed) that hold
// its signature: not something a person attached.
var signatures = map[string]bool{
	"application/pkcs7-signature": true, "application/x-pkcs7-signature": true, "application/pgp-signature": true,
}
