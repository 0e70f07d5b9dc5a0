package lint

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
)

// dkimMinRSABits is the shortest RSA key verifiers accept (RFC 8301 §3.2).
const dkimMinRSABits = 1024

// domainkeyLabel returns the index of the "_domainkey" label in fqdn, or -1.
func domainkeyLabel(fqdn string) int {
	for i, l := range strings.Split(fqdn, ".") {
		if l == "_domainkey" {
			return i
		}
	}
	return -1
}

// looksDKIM reports whether a TXT text was meant as a DKIM key record.
func looksDKIM(text string) bool {
	if isSPF(text) || looksDMARC(text) {
		return false
	}
	tags, errs := parseTags(text, false)
	if v, _ := lookup(tags, "v"); v == "DKIM1" {
		return true
	}
	_, hasK := lookup(tags, "k")
	_, hasP := lookup(tags, "p")
	return len(errs) == 0 && (hasK || hasP)
}

// checkDKIM checks that key records sit at <selector>._domainkey and hold usable keys.
func (c *checker) checkDKIM() {
	for _, s := range c.sets {
		if s.typ != "TXT" {
			continue
		}
		at := domainkeyLabel(s.fqdn)
		for _, text := range s.texts {
			if at < 1 {
				if looksDKIM(text) {
					c.report(s, RuleDKIMName, fmt.Sprintf("DKIM key record at %s, not at <selector>._domainkey", s.fqdn), "")
				}
				continue
			}
			// ADSP (RFC 5617, historic) shares the _domainkey tree but holds no key.
			if strings.HasPrefix(s.fqdn, "_adsp.") {
				continue
			}
			c.checkDKIMKey(s, text)
		}
	}
}

func (c *checker) checkDKIMKey(s *rrset, text string) {
	tags, errs := parseTags(text, false)
	for _, e := range errs {
		c.report(s, RuleDKIMSyntax, "DKIM "+e, "")
	}
	if v, ok := lookup(tags, "v"); ok && (v != "DKIM1" || tags[0].name != "v") {
		c.report(s, RuleDKIMSyntax, fmt.Sprintf("DKIM v=%s must be the first tag and equal DKIM1", v), "")
	}
	k, ok := lookup(tags, "k")
	if !ok {
		k = "rsa"
	}
	if k != "rsa" && k != "ed25519" {
		c.report(s, RuleDKIMAlgo, fmt.Sprintf("DKIM k=%s is not rsa or ed25519", k), "")
	}
	p, ok := lookup(tags, "p")
	if !ok {
		c.report(s, RuleDKIMKey, fmt.Sprintf("DKIM record at %s has no p= tag", s.fqdn), "")
		return
	}
	// Whitespace inside the base64 is allowed (RFC 6376 §3.6.1) and common in pastes.
	p = strings.Join(strings.Fields(p), "")
	if p == "" {
		c.report(s, RuleDKIMRevoked, fmt.Sprintf("DKIM key at %s is revoked (empty p=)", s.fqdn), "")
		return
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		c.report(s, RuleDKIMKey, fmt.Sprintf("DKIM p= at %s is not valid base64", s.fqdn), "")
		return
	}
	switch k {
	case "rsa":
		bits, why := rsaKeyBits(der)
		if why != "" {
			c.report(s, RuleDKIMKey, fmt.Sprintf("DKIM p= at %s %s", s.fqdn, why), "")
		} else if bits < dkimMinRSABits {
			c.report(s, RuleDKIMWeak, fmt.Sprintf("DKIM RSA key at %s has %d bits, fewer than %d", s.fqdn, bits, dkimMinRSABits), "")
		}
	case "ed25519":
		if len(der) != 32 {
			c.report(s, RuleDKIMKey, fmt.Sprintf("DKIM p= at %s is %d bytes; an ed25519 key is 32", s.fqdn, len(der)), "")
		}
	}
}

// rsaKeyBits returns the size of an RSA public key in SubjectPublicKeyInfo form (what
// RFC 6376 asks for) or bare PKCS#1 (which some providers publish and verifiers accept),
// or why it is not one.
func rsaKeyBits(der []byte) (int, string) {
	if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
		r, ok := pub.(*rsa.PublicKey)
		if !ok {
			return 0, fmt.Sprintf("holds a %T, not an RSA key", pub)
		}
		return r.N.BitLen(), ""
	}
	if r, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return r.N.BitLen(), ""
	}
	return 0, "is not an RSA public key"
}
