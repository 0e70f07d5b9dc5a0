#!/usr/bin/env bash
# Starts, from scratch, everything examples/selfhosted needs on one machine, for a
# rehearsal: a PostgreSQL cluster (Unix socket only), the mail schema (mailform
# postfix migrate), Postfix (SMTP and submission with AUTH) and Dovecot (IMAP and
# LMTP), all on loopback ports, all under .run/ next to this script.
#
#   sudo ./run.sh          start (removes a previous .run/ first)
#   sudo ./run.sh stop     stop everything started here
#
# Ports: SMTP_PORT (2525), SUBMISSION_PORT (2587, STARTTLS required before AUTH),
# IMAP_PORT (2143, STARTTLS), IMAPS_PORT (2993), POLICY_PORT (10040),
# POLICY_METRICS_PORT (10041, its /metrics), MILTER_PORT (8891, mailform milter),
# MILTER_METRICS_PORT (8892, its /metrics), PG_PORT (25432, the socket's number);
# mail for other domains goes to RELAYHOST ([127.0.0.1]:2526, where nothing listens:
# it waits in the queue). TLS uses a self-signed certificate for mail.mailform.test
# made here with openssl (.run/tls/cert.pem; give it to your client to trust). Needs
# root (Postfix's master runs as root) and the packages scripts/install-test-deps.sh
# installs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
RUN="${RUN:-$here/.run}"
SMTP_PORT="${SMTP_PORT:-2525}"
SUBMISSION_PORT="${SUBMISSION_PORT:-2587}"
IMAP_PORT="${IMAP_PORT:-2143}"
POLICY_PORT="${POLICY_PORT:-10040}"
POLICY_METRICS_PORT="${POLICY_METRICS_PORT:-10041}"
IMAPS_PORT="${IMAPS_PORT:-2993}"
MILTER_PORT="${MILTER_PORT:-8891}"
MILTER_METRICS_PORT="${MILTER_METRICS_PORT:-8892}"
PG_PORT="${PG_PORT:-25432}"
RELAYHOST="${RELAYHOST:-[127.0.0.1]:2526}"
export PATH="$PATH:/usr/sbin:/sbin"

pgbin() {
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		[ -x "$d/initdb" ] && { echo "$d"; return; }
	done
	dirname "$(command -v initdb)"
}

stop() {
	[ -d "$RUN" ] || return 0
	[ -f "$RUN/postfix/main.cf" ] && postfix -c "$RUN/postfix" stop 2>/dev/null || true
	[ -f "$RUN/policy.pid" ] && kill "$(cat "$RUN/policy.pid")" 2>/dev/null || true
	[ -f "$RUN/milter.pid" ] && kill "$(cat "$RUN/milter.pid")" 2>/dev/null || true
	[ -f "$RUN/dovecot/dovecot.conf" ] && doveadm -c "$RUN/dovecot/dovecot.conf" stop 2>/dev/null || true
	[ -d "$RUN/pg" ] && runuser -u postgres -- "$(pgbin)/pg_ctl" -D "$RUN/pg" -m fast stop >/dev/null 2>&1 || true
}

if [ "${1:-start}" = stop ]; then
	stop
	echo "Stopped."
	exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "run.sh: run as root (Postfix's master needs it)" >&2; exit 1; }
for f in /usr/sbin/postfix /usr/sbin/dovecot /usr/lib/dovecot/quota-status /usr/lib/postfix/postfix-pgsql.so /usr/lib/dovecot/modules/auth/libdriver_pgsql.so /usr/bin/openssl; do
	[ -e "$f" ] || { echo "run.sh: $f is missing; run scripts/install-test-deps.sh" >&2; exit 1; }
done

stop
# Whatever still listens on a port now is not ours: say so before starting anything.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "SMTP_PORT=$SMTP_PORT" "SUBMISSION_PORT=$SUBMISSION_PORT" "IMAP_PORT=$IMAP_PORT" "IMAPS_PORT=$IMAPS_PORT" "POLICY_PORT=$POLICY_PORT" "POLICY_METRICS_PORT=$POLICY_METRICS_PORT" \
	"MILTER_PORT=$MILTER_PORT" "MILTER_METRICS_PORT=$MILTER_METRICS_PORT"; do
	if listening "${p#*=}"; then
		echo "run.sh: port ${p#*=} on 127.0.0.1 is taken by another program; stop it or choose another port, e.g. sudo ${p%%=*}=$((${p#*=} + 10000)) $0" >&2
		exit 1
	fi
done
rm -rf "$RUN"
mkdir -p "$RUN/pgsock"
chmod 755 "$RUN"
chown postgres "$RUN/pgsock"

echo "== PostgreSQL on $RUN/pgsock (port $PG_PORT)"
BIN="$(pgbin)"
install -d -o postgres -m 700 "$RUN/pg"
install -o postgres -m 600 /dev/null "$RUN/pg.log"
runuser -u postgres -- "$BIN/initdb" -D "$RUN/pg" -U postgres -A trust -E UTF8 --locale=C >/dev/null
runuser -u postgres -- "$BIN/pg_ctl" -D "$RUN/pg" -l "$RUN/pg.log" -w </dev/null \
	-o "-k $RUN/pgsock -p $PG_PORT -c listen_addresses=''" start >/dev/null
runuser -u postgres -- "$BIN/psql" -q -h "$RUN/pgsock" -p "$PG_PORT" -U postgres -c "CREATE DATABASE mail" postgres
DSN="host=$RUN/pgsock port=$PG_PORT user=postgres dbname=mail sslmode=disable"

echo "== mailform postfix migrate"
MAILFORM="${MAILFORM:-$RUN/mailform}"
if [ ! -x "$MAILFORM" ]; then
	(cd "$here/../.." && go build -o "$MAILFORM" ./cmd/mailform)
fi
"$MAILFORM" postfix migrate --database-url "$DSN"

echo "== TLS certificate for mail.mailform.test in $RUN/tls (self-signed)"
install -d -m 755 "$RUN/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj /CN=mail.mailform.test -addext subjectAltName=DNS:mail.mailform.test,IP:127.0.0.1 \
	-keyout "$RUN/tls/key.pem" -out "$RUN/tls/cert.pem" 2>"$RUN/tls/openssl.log" ||
	{ cat "$RUN/tls/openssl.log" >&2; echo "run.sh: openssl could not make the certificate (above)" >&2; exit 1; }
chmod 600 "$RUN/tls/key.pem"

echo "== Postfix and Dovecot configuration in $RUN"
vmail_uid="$(id -u mail)"
vmail_gid="$(id -g mail)"
(cd "$here/mailserver" && find . -type f) | while read -r f; do
	mkdir -p "$(dirname "$RUN/$f")"
	sed -e "s#@RUN@#$RUN#g" \
		-e "s#@PGURI@#postgresql:///mail?host=$RUN/pgsock\&port=$PG_PORT\&user=postgres#g" \
		-e "s#@PGDB@#mail#g" \
		-e "s#@PGCONNECT@#host=$RUN/pgsock port=$PG_PORT dbname=mail user=postgres#g" \
		-e "s#@SMTP_ADDR@#127.0.0.1:$SMTP_PORT#g" \
		-e "s#@SUBMISSION_ADDR@#127.0.0.1:$SUBMISSION_PORT#g" \
		-e "s#@IMAP_PORT@#$IMAP_PORT#g" \
		-e "s#@POLICY_PORT@#$POLICY_PORT#g" \
		-e "s#@IMAPS_PORT@#$IMAPS_PORT#g" \
		-e "s#@TLS_CERT@#$RUN/tls/cert.pem#g" \
		-e "s#@TLS_KEY@#$RUN/tls/key.pem#g" \
		-e "s#@MILTER_PORT@#$MILTER_PORT#g" \
		-e "s#@RELAYHOST@#$RELAYHOST#g" \
		-e "s#@VMAIL_UID@#$vmail_uid#g" \
		-e "s#@VMAIL_GID@#$vmail_gid#g" \
		-e "s#@INTERNAL_USER@#dovecot#g" \
		-e "s#@LOGIN_USER@#dovenull#g" \
		-e "s#@AUTH_FAILURE_DELAY@#2 secs#g" \
		"$here/mailserver/$f" >"$RUN/$f"
done
if grep -rn '@[A-Z_]*@' "$RUN/postfix" "$RUN/dovecot"; then
	echo "run.sh: a placeholder above has no value" >&2
	exit 1
fi
install -d -o mail -g mail "$RUN/vmail"
install -d -o postfix "$RUN/postfix-data"
mkdir -p "$RUN/postfix-queue" "$RUN/dovecot/state" "$RUN/dovecot/run"

echo "== Dovecot: IMAP (STARTTLS) on 127.0.0.1:$IMAP_PORT, IMAPS on 127.0.0.1:$IMAPS_PORT, LMTP on $RUN/dovecot/run/lmtp, quota-status on $RUN/dovecot/run/quota-status"
dovecot -c "$RUN/dovecot/dovecot.conf" </dev/null >"$RUN/dovecot.out" 2>&1 ||
	{ cat "$RUN/dovecot.out" >&2; echo "run.sh: Dovecot did not start (above)" >&2; exit 1; }
echo "== mailform policy-server on 127.0.0.1:$POLICY_PORT (log: $RUN/policy.log)"
MAILFORM_POSTFIX_DATABASE_URL="$DSN" "$MAILFORM" policy-server --listen "127.0.0.1:$POLICY_PORT" \
	--metrics-listen "127.0.0.1:$POLICY_METRICS_PORT" </dev/null >"$RUN/policy.log" 2>&1 &
echo $! >"$RUN/policy.pid"
echo "== mailform milter on 127.0.0.1:$MILTER_PORT (log: $RUN/milter.log)"
MAILFORM_POSTFIX_DATABASE_URL="$DSN" "$MAILFORM" milter --listen "127.0.0.1:$MILTER_PORT" \
	--metrics-listen "127.0.0.1:$MILTER_METRICS_PORT" </dev/null >"$RUN/milter.log" 2>&1 &
echo $! >"$RUN/milter.pid"
echo "== Postfix: SMTP on 127.0.0.1:$SMTP_PORT, submission (STARTTLS, then AUTH) on 127.0.0.1:$SUBMISSION_PORT"
postfix -c "$RUN/postfix" check 2>/dev/null || { tail -5 "$RUN/postfix.log" >&2; exit 1; }
postfix -c "$RUN/postfix" start >/dev/null 2>&1 || { tail -5 "$RUN/postfix.log" >&2; exit 1; }

for port in "$SMTP_PORT" "$SUBMISSION_PORT" "$IMAP_PORT" "$IMAPS_PORT" "$POLICY_PORT" "$MILTER_PORT"; do
	for _ in $(seq 100); do
		listening "$port" && continue 2
		sleep 0.1
	done
	echo "run.sh: nothing listens on 127.0.0.1:$port after 10 s; see $RUN/postfix.log, $RUN/dovecot/dovecot.log and $RUN/policy.log" >&2
	exit 1
done
# Postfix reaches Dovecot's LMTP and quota-status (full mailboxes refused at RCPT)
# on Unix sockets, not ports.
for sock in lmtp quota-status; do
	[ -S "$RUN/dovecot/run/$sock" ] && continue
	echo "run.sh: Dovecot made no socket $RUN/dovecot/run/$sock; see $RUN/dovecot/dovecot.log" >&2
	exit 1
done
printf 'export MAILFORM_POSTFIX_DATABASE_URL=%q\n' "$DSN" >"$RUN/env"
cat <<EOT

Running. Logs: $RUN/postfix.log, $RUN/dovecot/dovecot.log, $RUN/pg.log
Next:
  . $RUN/env
  $MAILFORM plan && $MAILFORM apply -auto-approve
Stop with: $0 stop
EOT
