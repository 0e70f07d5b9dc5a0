#!/bin/sh
# Installs the servers the tests run against when they are missing: the DNS servers of
# the rfc2136 provider tests — Knot (knotd) and BIND (named) — PostgreSQL for the
# pg state backend, the log archive and the postfix provider, Postfix + Dovecot (with
# their PostgreSQL maps) for the postfix provider's mail tests, and chromium for the
# audit report's browser test (views). Works without a TTY, and leaves the packages'
# system daemons stopped: the tests start their own (DNS on loopback high ports, PostgreSQL as a
# throwaway cluster on a Unix socket in a temporary directory).
set -eu

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
# The PostgreSQL server binaries live outside PATH on Debian.
have_pg() {
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/postgres" ] && return 0
	done
	have initdb && have postgres
}

pkgs=""
have knotd || pkgs="$pkgs knot"
have named || pkgs="$pkgs bind9"
have_pg || pkgs="$pkgs postgresql"
# Postfix and Dovecot with their PostgreSQL lookup modules; the tests run their own
# instances from configurations in a temporary directory.
have_mail() {
	have postfix && have dovecot && [ -e /usr/lib/postfix/postfix-pgsql.so ] &&
		[ -e /usr/lib/dovecot/modules/auth/libdriver_pgsql.so ] && [ -x /usr/lib/dovecot/lmtp ] && [ -x /usr/lib/dovecot/imap ]
}
have_mail || pkgs="$pkgs postfix postfix-pgsql dovecot-imapd dovecot-lmtpd dovecot-pgsql"
have chromium || have chromium-browser || pkgs="$pkgs chromium"
# examples/selfhosted/run.sh makes its TLS certificate with openssl.
have openssl || pkgs="$pkgs openssl"
if [ -z "$pkgs" ]; then
	echo "install-test-deps: knotd, named, PostgreSQL, Postfix, Dovecot, chromium and openssl are already installed"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "install-test-deps: run as root or install sudo" >&2; exit 1; }
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix asks what kind of mail server this is; the tests need no system one.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections

# policy-rc.d exit 101 tells the packages' maintainer scripts not to start daemons.
# Only a policy we created ourselves is removed again.
policy=/usr/sbin/policy-rc.d
ours=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	ours=1
fi
cleanup() { [ -n "$ours" ] && $SUDO rm -f "$policy"; return 0; }
trap cleanup EXIT

echo "install-test-deps: installing$pkgs"
# Lists on a machine image may be missing or out of date (an old list names package
# versions the mirror no longer has), so refresh them before installing.
$SUDO apt-get update -q
# shellcheck disable=SC2086 # the package list is meant to split
$SUDO apt-get install -y -q --no-install-recommends $pkgs bind9-dnsutils

# In case a daemon was started anyway (systemd ignores policy-rc.d in some setups).
for svc in knot named bind9 postgresql postfix dovecot; do
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
	elif command -v service >/dev/null 2>&1; then
		$SUDO service "$svc" stop >/dev/null 2>&1 || true
	fi
done
have knotd && have named || { echo "install-test-deps: knotd or named still missing" >&2; exit 1; }
have_pg || { echo "install-test-deps: PostgreSQL (initdb, postgres) still missing" >&2; exit 1; }
have_mail || { echo "install-test-deps: Postfix or Dovecot (with pgsql, imap, lmtp) still missing" >&2; exit 1; }
have chromium || have chromium-browser || { echo "install-test-deps: chromium still missing" >&2; exit 1; }
echo "install-test-deps: done; run: MAILFORM_REQUIRE_DNS_SERVERS=1 MAILFORM_REQUIRE_PG=1 MAILFORM_REQUIRE_MAILSERVERS=1 MAILFORM_REQUIRE_BROWSER=1 go test ./..."
