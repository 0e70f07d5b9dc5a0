#!/bin/sh
# drift-cron.sh — run `mailform drift` from cron on a host without CI.
#
# Usage: drift-cron.sh CONFIG_DIR
#
# Silent when there is no drift (exit 0). On drift (exit 2) or an error (exit 1: an
# API error or an unreachable provider, never reported as drift) it prints the report
# or the error and exits with mailform's status, so cron mails the output to MAILTO.
#
# Crontab (nightly at 03:17; flock keeps a slow run from overlapping the next one):
#   MAILTO=mail-admins@example.com
#   17 3 * * * flock -n /tmp/mailform-drift.lock /usr/local/bin/drift-cron.sh /srv/mail-config
#
# Credentials come from the environment as for any mailform run (EXMAIL_CORP_ID,
# EXMAIL_CONTACTS_SECRET, MAILFORM_TSIG_SECRET …); put them in a file only root can
# read and source it here, never on the crontab line.
set -u

if [ $# -ne 1 ]; then
	echo "usage: drift-cron.sh CONFIG_DIR" >&2
	exit 1
fi
dir=$1
if [ -n "${MAILFORM_CREDENTIALS:-}" ]; then
	# shellcheck disable=SC1090
	. "$MAILFORM_CREDENTIALS"
fi

# Automation: no prompts, no "run mailform plan" hints meant for a person at a desk.
export MAILFORM_IN_AUTOMATION=1

out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT INT TERM

mailform -chdir="$dir" -no-color drift >"$out" 2>&1
rc=$?
case $rc in
0) exit 0 ;;
2) echo "mailform drift: the live mail setup of $dir differs from its configuration." ;;
*) echo "mailform drift FAILED for $dir (exit $rc); drift was not checked." ;;
esac
echo
cat "$out"
exit $rc
