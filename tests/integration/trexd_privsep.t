#!/bin/sh
# trexd's privilege separation (docs/DESIGN.md "Privilege separation"):
# two processes, the monitor (the pid trexd was started as) and the
# service (its one trexd child). Sandboxes are the monitor's children,
# the signing key is the monitor's alone, and either process killed
# with SIGKILL takes the other down with it: the other notices, and the
# next start recovers as after any crash. SIGHUP reloads both (a dataset
# added by a reload can be run: the monitor checks against the new
# configuration); SIGTERM drains through the monitor. Needs root.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox sqlite3
trexd_init trexd-privsep
trexd_at_exit() {
	for p in $(sandboxes); do kill -9 "$p" 2>/dev/null; done
	[ -n "${SVC:-}" ] && kill -9 "$SVC" 2>/dev/null
	return 0
}
mkdir -p "$T/data" "$T/data2"
printf 'x\n1\n' >"$T/data/d.csv"
printf 'y\n2\n' >"$T/data2/e.csv"
chmod 755 "$T/data" "$T/data2"
chmod 644 "$T/data/d.csv" "$T/data2/e.csv"
config() {
	trexd_config_write '"require_permit": false' '"on_crash": "fail"' "\"datasets\": {$1}"
}
DS1="\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}"
DS2="\"other\": {\"path\": \"$T/data2\", \"id_columns\": []}"
config "$DS1"

# the trex-sandbox processes of this state folder, and their parents
sandboxes() { trexd_sandboxes; }
ppid_of() { awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# the service: trexd's one trexd child
service_of() { pgrep -P "$1" -x trexd 2>/dev/null | head -1; }
# wait_gone PID: until it is gone (0) or about 10 s passed (1)
wait_gone() {
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	! kill -0 "$1" 2>/dev/null
}
# wait_running ID: until the job runs (0) or about 20 s passed
wait_running() {
	n=0
	while [ $n -lt 200 ]; do
		api_get "/v1/jobs/$1" >/dev/null
		[ "$(api_field state)" = running ] && [ -n "$(sandboxes)" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# service_user: checked by -n and at start
nconf() { # nconf VALUE: trexd -n's output with "service_user": VALUE
	sed "s|^{|{\"service_user\": $1,|" "$TREXD_CONF" >"$T/n.json"
	"$BIN/trexd" -n --config "$T/n.json" 2>&1
}
expect_eq "-n: an unknown service user" "trexd: service_user \"no-such-user-x\": no such user" \
	"$(nconf '"no-such-user-x"')"
expect_eq "-n: root is refused" "trexd: service_user must not be root (uid or gid 0)" "$(nconf '"root"')"
expect_eq "-n: a job's uid is refused" "trexd: service_user 200005:200005 lies in uid_range 200000:10000" \
	"$(nconf '"200005:200005"')"
expect_eq "-n: UID:GID outside the jobs' range" "config ok" "$(nconf '"65533:65533"')"

check "trexd starts" trexd_start
SVC=$(service_of "$PID")
check "the service is the monitor's child" test -n "$SVC"
expect_eq "one service process" 1 "$(pgrep -P "$PID" -x trexd | wc -l)"
expect_eq "the key file is root's alone" "600 0" "$(stat -c '%a %u' "$T/state/trexd.key")"
check "the monitor keeps its own log" grep -q '"event":"monitor_started"' "$T/state/monitor.log"
expect_eq "its log is root's alone" "600 0" "$(stat -c '%a %u' "$T/state/monitor.log")"
check "the monitor's log is an intact chain" "$BIN/trex" audit verify "$T/state/monitor.log"
# the service: not root, no capability left (effective, permitted,
# bounding, ambient), no_new_privs; the default service user (docs/
# config.md "service_user": the account "trexd", else uid/gid 65533)
status() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$SVC/status"; }
if getent passwd trexd >/dev/null; then
	SU=$(id -u trexd)
	SG=$(id -g trexd)
else
	SU=65533
	SG=65533
fi
expect_eq "the service runs as the service user (real, effective, saved, fs uid)" \
	"$SU $SU $SU $SU" "$(status Uid)"
expect_eq "... and its group" "$SG $SG $SG $SG" "$(status Gid)"
expect_eq "... with no supplementary group" "" "$(status Groups)"
expect_eq "... no effective capability" 0000000000000000 "$(status CapEff)"
expect_eq "... no permitted capability" 0000000000000000 "$(status CapPrm)"
expect_eq "... an empty bounding set" 0000000000000000 "$(status CapBnd)"
expect_eq "... no ambient capability" 0000000000000000 "$(status CapAmb)"
expect_eq "... no_new_privs" 1 "$(status NoNewPrivs)"
expect_eq "... under a seccomp filter of its own" 2 "$(status Seccomp)"
expect_eq "the monitor stays root" 0 "$(awk '/^Uid:/ { print $3 }' "/proc/$PID/status")"
expect_eq "the state folder is the service user's" "$SU $SG" "$(stat -c '%u %g' "$T/state")"
expect_eq "... and the store" "$SU" "$(stat -c '%u' "$T/state/trexd.db")"
# what the service user can do to the key: nothing
check "the signing key is unreadable as the service user" sh -c "! setpriv --reuid $SU --regid $SG --clear-groups cat '$T/state/trexd.key' >/dev/null 2>&1"
check "... and so is the monitor's log" sh -c "! setpriv --reuid $SU --regid $SG --clear-groups cat '$T/state/monitor.log' >/dev/null 2>&1"
check "... while the public key is readable" sh -c "setpriv --reuid $SU --regid $SG --clear-groups cat '$T/state/trexd.pub' >/dev/null"
check "the service holds no open file of the key" sh -c "! ls -l /proc/$SVC/fd | grep -q trexd.key"

api_get /v1/trexd-key >/dev/null
check "the service serves the monitor's public key" grep -q "BEGIN PUBLIC KEY" "$TREXD_BODY"

# a job's sandbox is started by the monitor, not by the service
ID=$(api_submit P synth shell '["sleep","30"]' '[]')
check "a job runs" wait_running "$ID"
SB=$(sandboxes | head -1)
expect_eq "its sandbox is the monitor's child" "$PID" "$(ppid_of "$SB")"

# SIGKILL to the service: the monitor ends the sandboxes and exits
kill -9 "$SVC"
check "the monitor notices the service's death and exits" wait_gone "$PID"
wait "$PID"
expect_eq "... with status 1" 1 $?
PID=
check "... and ends the sandboxes it started" test -z "$(sandboxes)"
check "... saying so" grep -q "event=service_died" "$TREXD_LOG"
check "restart after the service's death" trexd_start
api_get "/v1/jobs/$ID" >/dev/null
expect_eq "the interrupted job is recovered (on_crash fail)" failed "$(api_field state)"

# SIGKILL to the monitor: the service dies with it
SVC=$(service_of "$PID")
ID=$(api_submit P synth shell '["sleep","30"]' '[]')
check "another job runs" wait_running "$ID"
trexd_kill
check "the service dies with the monitor" wait_gone "$SVC"
# start-up's work on the state folder runs as the service user, not as
# root (docs/DESIGN.md "Start, stop, crash"): recovery's removals cannot
# empty a folder of the interrupted job that the service user may not
# write, as root's (CAP_DAC_OVERRIDE) did
RO=$T/state/jobs/$ID/stage/ro
mkdir -p "$RO" && : >"$RO/f" && : >"$RO/../gone" && chown -R "$SU:$SG" "$RO" "$RO/../gone" &&
	chmod 500 "$RO"
check "restart after the monitor's death" trexd_start
check "... its orphaned sandbox was ended" test -z "$(sandboxes)"
api_get "/v1/jobs/$ID" >/dev/null
expect_eq "that job is recovered too" failed "$(api_field state)"
check "recovery ran as the service user (a folder it may not write keeps its file)" test -e "$RO/f"
check "... while what it may remove is gone" test ! -e "$RO/../gone"
chmod 700 "$RO"

# SIGHUP reaches both: a dataset added by a reload runs
ID=$(api_submit P other shell '["true"]' '[]')
expect_eq "an unknown dataset is refused before the reload" none "$ID"
config "$DS1, $DS2"
kill -HUP "$PID"
n=0
while ! grep -q "event=config_reloaded" "$TREXD_LOG" && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
ID=$(api_submit P other shell '["sh","-c","cat /data/e.csv"]' '[]')
check "a job on the new dataset ends" api_wait_job "$ID"
expect_eq "... released: the monitor ran it" released "$(api_field state)"
expect_eq "... on the new dataset's files" "y
2" "$(cat "$T/state/jobs/$ID/logs/stdout")"

# SIGTERM: the service drains through the monitor, both exit 0
SVC=$(service_of "$PID")
ID=$(api_submit P synth shell '["sleep","30"]' '[]')
check "a job runs before the stop" wait_running "$ID"
trexd_stop
expect_eq "SIGTERM: exit 0" 0 $?
check "the service is gone" wait_gone "$SVC"
check "no sandbox is left" test -z "$(sandboxes)"
check "the monitor's log ends with its stop" sh -c "tail -1 '$T/state/monitor.log' | grep -q monitor_stopped"
check "the service's log ends signed by the monitor's key" "$BIN/trex" audit verify --trexd-key "$T/state/trexd.pub" --complete "$T/state/audit.log"
done_testing
