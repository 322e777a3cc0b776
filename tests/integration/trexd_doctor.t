#!/bin/sh
# trexd --check-host and trex doctor: one line per check (ok, warn, FAIL,
# with what to do), exit 0 on this machine with a sound configuration;
# a dataset folder, a dataset file the job uid cannot read, a private key
# others can read, a uid range an account uses and a broken config each
# turn their own line into FAIL and the exit status into 1. trexd -n
# refuses the unreadable dataset too.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-doctor
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP not root"
	done_testing
	exit 0
fi
mkdir -p "$T/d"
printf 'patient_id,age\n1,40\n' >"$T/d/a.csv"
trexd_config_write '"datasets": {"d": {"path": "'"$T/d"'", "id_columns": ["patient_id"]}}'
hc() { "$BIN/trexd" --check-host --config "$TREXD_CONF" >"$T/out" 2>&1; echo $?; }
# line NAME: the line of check NAME
line() { grep -E "^(ok|warn|FAIL) +$1 " "$T/out"; }
# line_is NAME PATTERN: that line matches the grep pattern
line_is() { line "$1" | grep -q -- "$2"; }

expect_eq "trexd --check-host passes on this host" 0 "$(hc)"
for c in namespaces seccomp cgroups pidfd uid_range config policy_packs seccomp_profile \
	sandbox check sandbox_run "dataset d" signing_key approver_keys service_user state_dir; do
	check "... checks $c" sh -c "grep -qE '^(ok|warn) +$c ' '$T/out'"
done
check "... every line is ok, warn or FAIL, then the count" sh -c \
	"! grep -vE '^(ok|warn|FAIL) ' '$T/out' | grep -vx '0 checks failed'"
check "... a warning says what to do" sh -c "! grep '^warn' '$T/out' | grep -v ' -- '"
[ "$TAP_FAILED" -eq 0 ] || sed 's/^/# /' "$T/out"
"$BIN/trex" doctor --config "$TREXD_CONF" >"$T/doc" 2>&1
expect_eq "trex doctor hands over to trexd --check-host" "0 $(wc -l <"$T/out")" "$? $(wc -l <"$T/doc")"

# a dataset folder the job uid cannot read
chmod 700 "$T/d"
expect_eq "an unreadable dataset folder: exit 1" 1 "$(hc)"
check "... its line fails" sh -c "grep -qE '^FAIL +dataset d +job uid 200000 cannot read $T/d: Permission denied -- .*chmod' '$T/out'"
check "... the only failure" grep -qx '1 check failed' "$T/out"
check "... the kernel lines still pass" sh -c "grep -qE '^ok +namespaces ' '$T/out'"
"$BIN/trexd" -n --config "$TREXD_CONF" >"$T/n" 2>&1
expect_eq "trexd -n refuses it too" "1" "$?"
check "... naming the dataset and the folder" grep -q "dataset d: job uid 200000 cannot read $T/d: Permission denied" "$T/n"
chmod 755 "$T/d"

# a file below it
mkdir "$T/d/sub"
printf 'patient_id\n2\n' >"$T/d/sub/b.csv"
chmod 600 "$T/d/sub/b.csv"
expect_eq "an unreadable dataset file: exit 1" 1 "$(hc)"
check "... its line names the file" line_is "dataset d" "^FAIL.*cannot read $T/d/sub/b.csv"
chmod 644 "$T/d/sub/b.csv"
expect_eq "readable again: exit 0" 0 "$(hc)"

# trexd's signing key readable by others
printf 'not a key\n' >"$T/state/trexd.key"
chmod 644 "$T/state/trexd.key"
expect_eq "a signing key others can read: exit 1" 1 "$(hc)"
check "... its line fails with the fix" line_is signing_key "^FAIL.*mode 0644.*chmod 600"
chmod 600 "$T/state/trexd.key"
expect_eq "0600: exit 0" 0 "$(hc)"
check "... readable by root only" line_is signing_key "^ok.*readable by root only (0600)"
rm -f "$T/state/trexd.key"

# a uid range an account holds
daemon_uid=$(id -u daemon 2>/dev/null)
if [ -n "$daemon_uid" ] && [ "$daemon_uid" -ge 1 ]; then
	trexd_config_write '"uid_range": "'"$daemon_uid"':1"' \
		'"datasets": {"d": {"path": "'"$T/d"'", "id_columns": ["patient_id"]}}'
	expect_eq "a uid range holding an account: exit 1" 1 "$(hc)"
	check "... uid_range fails naming it" line_is uid_range "^FAIL.*(account daemon)"
fi

# after a start the state folder is the service user's (docs/DESIGN.md)
trexd_config_write '"datasets": {"d": {"path": "'"$T/d"'", "id_columns": ["patient_id"]}}'
check "trexd starts" trexd_start
trexd_stop
expect_eq "after a start, the state folder the service user's: exit 0" 0 "$(hc)"
check "... state_dir passes" line_is state_dir "^ok"
check "... service_user names it" line_is service_user "^ok.*runs as"
trexd_config_write '"service_user": "root"' \
	'"datasets": {"d": {"path": "'"$T/d"'", "id_columns": ["patient_id"]}}'
expect_eq "service_user root: exit 1" 1 "$(hc)"
check "... its line fails" line_is service_user "^FAIL.*must not be root"

# a config that does not read: the kernel lines, then its failure
printf '{"state_dir": "%s", "sockte": 1}\n' "$T/state" >"$TREXD_CONF"
expect_eq "a broken config: exit 1" 1 "$(hc)"
check "... its line names the key" line_is config "^FAIL.*sockte"
check "... the kernel checks were made" line_is seccomp "^ok"
expect_eq "--check-host with -n: usage" 2 "$("$BIN/trexd" -n --check-host --config "$TREXD_CONF" >/dev/null 2>&1; echo $?)"
done_testing
