package dnstest

import (
	"fmt"
	"os"
	"strings"
)

// StartKnot starts knotd in dir (which must exist and be empty) serving zones. The
// caller must Stop it.
func StartKnot(dir string, zones ...string) (*Server, error) {
	bin, err := lookBinary("knotd", "knot")
	if err != nil {
		return nil, err
	}
	s, err := prepare("knot", dir, zones)
	if err != nil {
		return nil, err
	}
	if err := os.Mkdir(dir+"/db", 0o700); err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "server:\n  rundir: %q\n  user: root:root\n  listen: 127.0.0.1@%s\n  pidfile: %q\n", dir, s.port(), dir+"/knot.pid")
	fmt.Fprintf(&b, "database:\n  storage: %q\n", dir+"/db")
	fmt.Fprintf(&b, "control:\n  listen: %q\n", dir+"/knot.sock")
	fmt.Fprintf(&b, "log:\n  - target: stderr\n    any: info\n")
	fmt.Fprintf(&b, "key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n", s.KeyName, s.KeyAlgorithm, s.KeySecret)
	fmt.Fprintf(&b, "acl:\n  - id: mailform\n    key: %s\n    action: [update, transfer]\n", s.KeyName)
	// Zone files are never written back: the tests read the zone over AXFR only.
	fmt.Fprintf(&b, "template:\n  - id: default\n    storage: %q\n    file: \"%%s.zone\"\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: changes\n    semantic-checks: off\n", dir)
	b.WriteString("zone:\n")
	for _, z := range s.Zones {
		fmt.Fprintf(&b, "  - domain: %s\n    acl: mailform\n", z)
	}
	conf := dir + "/knot.conf"
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	if err := launch(s, bin, "-c", conf); err != nil {
		return nil, err
	}
	return s, nil
}
