# Per-user kernel limits (issue #12; sourced by escape.t): rows U1-U3.
# The kernel counts some resources per user: inotify instances and
# watches, queued real-time signals (and posix timers), POSIX message
# queue bytes, SHM_LOCK memory, processes, user namespaces. Inside a user
# namespace it charges them to the uid that owns the namespace too, so a
# job whose namespace host root owned could take them from host root and
# from every other job. Each row:
#   control: the fill in the control's own user namespace, under a limit
#            it lowered itself first (so it takes a handful of uid
#            65534's units, never the host's), then one more unit asked
#            for by a second process of the same user: refused. The fill
#            does take the limit from whoever shares it.
#   sandbox: the job takes all of the limit inside trex-sandbox and holds
#            it; meanwhile host root (one short-lived root process taking
#            one unit, given back when it exits) and a concurrent job
#            still get theirs, and the job got exactly the host's
#            per-user limit (its own count, shared with nobody).
# Nothing here fills anything outside a sandbox or the control's lowered
# limit; the holding job is ended (SIGTERM to its trex-sandbox) as soon
# as the checks are done.
#
# U1 and U2 test the accounting, not the seccomp profile: they run with
# the default profile with inotify allowed ($ESC_PU_POLICY), since a
# profile that denies inotify outright (a channel between jobs, issue #12
# item 2) would hide what is tested here. Each layer has to hold alone.

ESC_PU_POLICY="$T/peruser.policy"
sed 's/^deny[[:space:]]\{1,\}\(inotify_[a-z0-9_]*\)/allow \1/' \
	"$TREX_ROOT/policies/seccomp/default.policy" >"$ESC_PU_POLICY"

# esc_hold [OPTS...] -- ARGS...: trex-sandbox (with OPTS) running
# `attack ARGS` in the background (its own status and stdout files) until
# it printed its first line, left in $res; the sandbox's pid in
# $ESC_HOLD_PID, the job's in $ESC_HOLD_JOB (the attack process below it).
esc_hold() {
	_hopts=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_hopts="$_hopts $1"
		shift
	done
	shift
	ESC_N=$((ESC_N + 1))
	ESC_HOLD_PID="" ESC_HOLD_JOB=""
	if [ -n "$ESC_UNSAFE" ]; then
		res=unsafe-sandbox
		return
	fi
	_ho="$T/hold.$ESC_N"
	mkdir "$_ho.o"
	: >"$_ho.out"
	"$SBX" --job-id "esc-$$-$ESC_N" --uid-range "$ESC_UIDS" --output "$_ho.o" \
		--ro-bind "$T/att" /opt/attacks --timeout 120 --status-fd 3 $_hopts \
		-- /opt/attacks/attack "$@" 3>"$_ho.status" </dev/null >"$_ho.out" 2>>"$T/sbx.err" &
	ESC_HOLD_PID=$!
	ESC_PIDS="$ESC_PIDS $ESC_HOLD_PID"
	_i=0
	while [ $_i -lt 900 ] && ! grep -q = "$_ho.out" && kill -0 "$ESC_HOLD_PID" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	res=$(head -n 1 "$_ho.out")
	[ -n "$res" ] || res=no-answer
	# the job is the attack process below: supervisor -> init -> job, with
	# one more trex-sandbox on top when stdout is a file (the stdio relay)
	_p=$ESC_HOLD_PID
	while _c=$(pgrep -P "$_p" | head -n 1) && [ -n "$_c" ]; do
		_p=$_c
		if [ "$(cat "/proc/$_c/comm" 2>/dev/null)" = attack ]; then
			ESC_HOLD_JOB=$_c
			break
		fi
	done
}

# the holding job ends (cancelled like trexd cancels a job)
esc_hold_end() {
	[ -n "$ESC_HOLD_PID" ] || return 0
	kill -TERM "$ESC_HOLD_PID" 2>/dev/null
	wait "$ESC_HOLD_PID" 2>/dev/null
	ESC_HOLD_PID=""
}

# ctl_fill LIMIT_SETUP FILL PROBE: the control's script (see above)
ctl_fill() {
	ctl "" -- sh -c "$1 || exit 3
		$CA $2 >$CW/peruser.out & i=0
		while [ \$i -lt 100 ] && ! grep -q = $CW/peruser.out; do sleep 0.1; i=\$((i+1)); done
		echo \"\$(cat $CW/peruser.out) other=\$($CA $3)\"
		kill \$!"
}

# U1: inotify instances (fs.inotify.max_user_instances per user)
ctl_fill "echo 8 >/proc/sys/user/max_inotify_instances" "fill_inotify 30" probe_inotify
expect_ctl U1 "fill inotify instances, then one more for the same user" 'inotify=8 EMFILE other=EMFILE'
max=$(cat /proc/sys/fs/inotify/max_user_instances)
esc_hold --seccomp-profile "$ESC_PU_POLICY" -- fill_inotify 60
expect_sbx U1 "a job takes every inotify instance of its user" "inotify=$max EMFILE"
res=$("$ATTACK" probe_inotify 2>&1)
expect_sbx U1 "host root still gets an inotify instance meanwhile" ok
sbx --seccomp-profile "$ESC_PU_POLICY" -- /opt/attacks/attack probe_inotify
expect_sbx U1 "a concurrent job still gets an inotify instance" ok
_u=$(stat -c %u "/proc/$ESC_HOLD_JOB" 2>/dev/null)
res=$("$ATTACK" ns_owner "${ESC_HOLD_JOB:-0}" 2>&1)
expect_sbx U1 "the job's user namespace is owned by the job's host uid" "owner=${_u:-none}"
esc_hold_end

# U2: inotify watches (fs.inotify.max_user_watches per user)
mkdir "$CW/watch" && chown "$ESC_UID" "$CW/watch"
ctl_fill "echo 64 >/proc/sys/user/max_inotify_watches" "fill_watches $CW/watch 16 30" \
	"probe_watch $CW/watch"
expect_ctl U2 "fill inotify watches, then one more for the same user" 'watches=64 ENOSPC other=ENOSPC'
max=$(cat /proc/sys/fs/inotify/max_user_watches)
esc_hold --seccomp-profile "$ESC_PU_POLICY" -- fill_watches /tmp 2048 60
expect_sbx U2 "a job takes every inotify watch of its user" "watches=$max ENOSPC"
res=$("$ATTACK" probe_watch "$T" 2>&1)
expect_sbx U2 "host root still gets an inotify watch meanwhile" ok
sbx --seccomp-profile "$ESC_PU_POLICY" -- /opt/attacks/attack probe_watch /tmp
expect_sbx U2 "a concurrent job still gets an inotify watch" ok
esc_hold_end

# U3: queued real-time signals (RLIMIT_SIGPENDING, counted per user;
# posix timers draw on the same count)
ctl "" -- prlimit --sigpending=64:64 sh -c "$CA fill_rtsig 30 >$CW/peruser.out & i=0
	while [ \$i -lt 100 ] && ! grep -q = $CW/peruser.out; do sleep 0.1; i=\$((i+1)); done
	echo \"\$(cat $CW/peruser.out) other=\$($CA probe_rtsig)\"
	kill \$!"
expect_ctl U3 "queue real-time signals, then one more for the same user" 'rtsig=64 EAGAIN other=EAGAIN'
# the job inherits the suite's RLIMIT_SIGPENDING (trex-sandbox leaves it)
max=$(prlimit --pid $$ --sigpending --raw --noheadings -o SOFT)
esc_hold -- fill_rtsig 60
expect_sbx U3 "a job queues every real-time signal its user may" "rtsig=$max EAGAIN"
res=$("$ATTACK" probe_rtsig 2>&1)
expect_sbx U3 "host root can still queue a real-time signal meanwhile" ok
sbx -- /opt/attacks/attack probe_rtsig
expect_sbx U3 "a concurrent job can still queue a real-time signal" ok
esc_hold_end
