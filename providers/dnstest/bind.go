package dnstest

import (
	"fmt"
	"os"
	"strings"
)

// StartBind starts BIND's named in dir (which must exist and be empty) serving zones.
// The caller must Stop it.
func StartBind(dir string, zones ...string) (*Server, error) {
	bin, err := lookBinary("named", "bind9")
	if err != nil {
		return nil, err
	}
	s, err := prepare("bind", dir, zones)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "options {\n  directory %q;\n  listen-on port %s { 127.0.0.1; };\n  listen-on-v6 { none; };\n", dir, s.port())
	fmt.Fprintf(&b, "  pid-file %q;\n  session-keyfile %q;\n  managed-keys-directory %q;\n", dir+"/named.pid", dir+"/session.key", dir)
	b.WriteString("  recursion no;\n  dnssec-validation no;\n  notify no;\n};\n")
	// No rndc control channel: the test kills the process.
	b.WriteString("controls { };\n")
	fmt.Fprintf(&b, "key %q {\n  algorithm %s;\n  secret %q;\n};\n", s.KeyName, s.KeyAlgorithm, s.KeySecret)
	for _, z := range s.Zones {
		fmt.Fprintf(&b, "zone %q {\n  type primary;\n  file %q;\n  allow-update { key %q; };\n  allow-transfer { key %q; };\n};\n",
			z, zonePath(dir, z), s.KeyName, s.KeyName)
	}
	conf := dir + "/named.conf"
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	// -g: foreground with logs on stderr; no -u, so it keeps the test's user.
	if err := launch(s, bin, "-g", "-c", conf, "-n", "2"); err != nil {
		return nil, err
	}
	return s, nil
}
