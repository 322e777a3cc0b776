# Helpers of the escape suite (sourced by escape.t after tests/lib.sh).
#
#   ctl FLAGS -- CMD...   run CMD as uid 65534 in `unshare -Ur FLAGS`
#   sbx [OPTS] -- CMD...  run CMD in trex-sandbox (attacks at /opt/attacks)
# Both leave the normalised result in $res: the first stdout line, else
# "signal=N" (killed), "setup_failed" (125) or "rc=N". sbx also leaves the
# status record in $T/status, the host output dir in $ESC_OUT, the exit code
# in $rc.
#   A ROW LABEL CTLFLAGS CTLPAT SBXPAT ATTEMPT ARGS...
# runs ATTEMPT both ways and prints one TAP line per mode. Patterns are
# shell patterns joined by '|'. Placeholders in ARGS: @W a writable dir
# (control: $CW, sandbox: /tmp), @O the outputs (control: $CW, sandbox:
# /output), @D the dataset, @A the attack dir.

ESC_UID=65534
# TREX_ESC_SANDBOX: another binary with the same command line (to check
# that the suite fails against a weak sandbox)
SBX=${TREX_ESC_SANDBOX:-$BIN/trex-sandbox}
ATTACK="$BIN/tests/escape/attack"
# the suite's own uid range, away from trexd's default 200000:10000
ESC_UIDS=${TREX_ESC_UIDS:-420000:64}
ESC_UID_BASE=${ESC_UIDS%%:*}
ESC_UID_END=$((ESC_UID_BASE + ${ESC_UIDS##*:}))
ESC_N=0
ESC_PIDS=""
ESC_UNSAFE=""
set -f

esc_setup() {
	T=$(mktemp -d /tmp/trex-escape.XXXXXX) || exit 1
	chmod 755 "$T"
	trap 'esc_teardown' EXIT
	trap 'exit 1' INT TERM
	if [ ! -x "$ATTACK" ]; then
		echo "# missing $ATTACK (make BUILD=$BUILD $BUILD/tests/escape/attack)"
	fi
	[ -x "$SBX" ] || echo "# missing $SBX: every sandbox check fails"
	# sandbox side, ro-bound at /opt/attacks. runtime stands for an
	# interpreter and is world-writable: only the read-only bind protects it.
	mkdir "$T/att" "$T/out"
	cp "$ATTACK" "$T/att/attack" && chmod 755 "$T/att/attack"
	cp "$ATTACK" "$T/att/runtime" && chmod 777 "$T/att/runtime"
	# scratch dataset: world-writable modes, so only the read-only mount
	# stands between the job and the data (EROFS, not EACCES)
	mkdir "$T/data" "$T/data/sub"
	printf 'id,age,sex\n1,42,F\n2,37,M\n' >"$T/data/d.csv"
	printf 'u\n' >"$T/data/u.csv"
	printf 'r\n' >"$T/data/r.csv"
	printf 'deep\n' >"$T/data/sub/s.csv"
	chmod 777 "$T/data" "$T/data/sub"
	chmod 666 "$T/data/d.csv" "$T/data/u.csv" "$T/data/r.csv" "$T/data/sub/s.csv"
	ESC_DATA_SUM=$(esc_data_sum)
	# control side: a copy of everything, reachable by uid 65534
	mkdir "$T/ctl" "$T/ctl/w"
	cp "$ATTACK" "$T/ctl/attack" && chmod 755 "$T/ctl/attack"
	cp -p "$T/att/runtime" "$T/ctl/runtime"
	cp -a "$T/data" "$T/ctl/data"
	chown "$ESC_UID:$ESC_UID" "$T/ctl/w" "$T/ctl/attack"
	CA="$T/ctl/attack" CD="$T/ctl/data" CW="$T/ctl/w"
	# a host directory fd every control and sandbox run inherits (rows 2, 3)
	exec 5<"$T"
	: >"$T/ctl.err"
	: >"$T/sbx.err"
	esc_preflight
}

# Some attempts would harm the host if the "sandbox" were the host itself
# (umount2 /, mount over /tmp, filling /tmp): before any of them, one run
# must show a non-root uid without capabilities in its own mount, pid,
# network and uts namespaces; otherwise no sandbox attempt runs at all.
esc_preflight() {
	sbx -- /opt/attacks/attack preflight
	_want="uid=[1-9]* caps=0000 mnt=* pid=* net=* uts=*"
	for _ns in mnt pid net uts; do
		_h=$(stat -L -c %i "/proc/self/ns/$_ns")
		case " $res " in *" $_ns=$_h "*) _want="(shares the host $_ns namespace)" ;; esac
	done
	if esc_match "$res" "$_want"; then
		ok "preflight: sandbox runs unprivileged in its own namespaces ($res)"
	else
		ESC_UNSAFE=1
		not_ok "preflight: sandbox runs unprivileged in its own namespaces" \
			"got [$res], want [$_want]: no sandbox attempt will run"
	fi
}

esc_teardown() {
	trap - EXIT
	for p in $ESC_PIDS; do kill "$p" 2>/dev/null; done
	[ -n "${ESC_SHM_KEY:-}" ] && "$ATTACK" shm_rm "$ESC_SHM_KEY" >/dev/null 2>&1
	rm -f "/run/trex-esc-$$.sock" "/dev/shm/trex-esc-$$"
	[ -n "${T:-}" ] && [ -d "$T" ] && rm -rf "$T"
	T=""
}

# sha256 of names, modes, sizes, mtimes and contents of the scratch dataset
esc_data_sum() {
	(cd "$T/data" && find . -printf '%p %m %s %T@\n' | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort) | sha256sum
}

# rows 25, 39: every job's cgroups are removed when trex-sandbox returns
esc_cgroups_gone() {
	_left=$(find /sys/fs/cgroup -maxdepth 8 -type d -name "esc-$$-*" 2>/dev/null | head -n 3)
	if [ -z "$_left" ]; then
		sbx_ok 39 "no job cgroup left after $ESC_N sandboxes"
	else
		sbx_fail 39 "no job cgroup left after $ESC_N sandboxes" "left: $_left"
	fi
}

esc_dataset_intact() {
	expect_eq "rows 16-21 scratch dataset unchanged by the suite (sha256)" \
		"$ESC_DATA_SUM" "$(esc_data_sum)"
}

esc_norm() {
	first=$(printf '%s\n' "$1" | head -n 1)
	if [ -n "$first" ]; then
		printf '%s\n' "$first"
	elif [ "$2" -gt 128 ]; then
		echo "signal=$(($2 - 128))"
	elif [ "$2" -eq 125 ]; then
		echo "setup_failed"
	else
		echo "rc=$2"
	fi
}

ctl() {
	fl=$1
	shift
	[ "$1" = "--" ] && shift
	out=$(cd "$T/ctl" && setpriv --reuid=$ESC_UID --regid=$ESC_UID --clear-groups \
		unshare -Ur $fl -- "$@" </dev/null 2>>"$T/ctl.err")
	rc=$?
	res=$(esc_norm "$out" "$rc")
}

sbx() {
	ESC_N=$((ESC_N + 1))
	ESC_OUT="$T/out/$ESC_N"
	mkdir "$ESC_OUT"
	: >"$T/status"
	if [ -n "$ESC_UNSAFE" ]; then
		res=unsafe-sandbox rc=125
		return
	fi
	out=$("$SBX" --job-id "esc-$$-$ESC_N" --uid-range "$ESC_UIDS" --data "$T/data" --output "$ESC_OUT" \
		--ro-bind "$T/att" /opt/attacks --status-fd 3 "$@" \
		3>"$T/status" </dev/null 2>"$T/sbx.err")
	rc=$?
	res=$(esc_norm "$out" "$rc")
}

# status KEY: first value of KEY in the last status record
status() { sed -n "s/^$1=//p" "$T/status" | head -n 1; }

# esc_match VALUE 'PAT|PAT...'
esc_match() {
	_v=$1
	_old=$IFS
	IFS='|'
	for _p in $2; do
		IFS=$_old
		# shellcheck disable=SC2254
		case $_v in $_p) return 0 ;; esac
	done
	IFS=$_old
	return 1
}

esc_gap() {
	for g in $KNOWN_GAPS; do [ "$g" = "$1" ] && return 0; done
	return 1
}

esc_why() {
	tail -n 2 "$1" | tr '\n' ' ' | cut -c 1-300
}

expect_ctl() {
	if esc_match "$res" "$3"; then
		ok "row $1 $2: control ($res)"
	else
		not_ok "row $1 $2: control" "expected [$3] got [$res] $(esc_why "$T/ctl.err")"
	fi
}

# sandbox verdicts: an open gap listed in KNOWN_GAPS is reported as SKIP
sbx_ok() {
	ok "row $1 $2: sandbox${3:+ ($3)}"
}
sbx_fail() {
	if esc_gap "$1"; then
		ok "row $1 $2: sandbox # SKIP known gap, see GAPS.md ($3)"
	else
		not_ok "row $1 $2: sandbox" "$(printf '%s | stderr: %s' "$3" "$(esc_why "$T/sbx.err")" | tr '\n' ' ')"
	fi
}

expect_sbx() {
	if esc_match "$res" "$3"; then
		sbx_ok "$1" "$2" "$res"
	else
		sbx_fail "$1" "$2" "expected [$3] got [$res]"
	fi
}

# expect_status ROW LABEL KEY PAT: a key of the last status record
expect_status() {
	_s=$(status "$3")
	if esc_match "$_s" "$4"; then
		sbx_ok "$1" "$2" "$3=$_s"
	else
		sbx_fail "$1" "$2" "expected $3=[$4] got [$_s]"
	fi
}

# sbx_check ROW LABEL CMD...: a host-side check after a sandbox run
sbx_check() {
	_r=$1 _l=$2
	shift 2
	if "$@"; then sbx_ok "$_r" "$_l"; else sbx_fail "$_r" "$_l" "check failed"; fi
}
ctl_check() {
	_r=$1 _l=$2
	shift 2
	if "$@"; then ok "row $_r $_l: control"; else not_ok "row $_r $_l: control" "check failed"; fi
}

A() {
	_row=$1 _label=$2 _fl=$3 _cpat=$4 _spat=$5
	shift 5
	_c="" _s=""
	for a; do
		case $a in
		@W*) _c="$_c $CW${a#@W}" _s="$_s /tmp${a#@W}" ;;
		@O*) _c="$_c $CW${a#@O}" _s="$_s /output${a#@O}" ;;
		@D*) _c="$_c $CD${a#@D}" _s="$_s /data${a#@D}" ;;
		@A*) _c="$_c $T/ctl${a#@A}" _s="$_s /opt/attacks${a#@A}" ;;
		*) _c="$_c $a" _s="$_s $a" ;;
		esac
	done
	# word splitting on purpose: attempt arguments never contain spaces
	ctl "$_fl" -- "$CA" $_c
	expect_ctl "$_row" "$_label" "$_cpat"
	sbx -- /opt/attacks/attack $_s
	expect_sbx "$_row" "$_label" "$_spat"
}

# no process of the job's host uid may outlive trex-sandbox
esc_none_left() {
	_u=$(status host_uid)
	[ -n "$_u" ] || return 1
	! pgrep -u "$_u" >/dev/null
}

esc_host_uid_ok() {
	_u=$(status host_uid)
	[ -n "$_u" ] && [ "$_u" -ge "$ESC_UID_BASE" ] && [ "$_u" -lt "$ESC_UID_END" ]
}

# background helper on the host; waits until it printed "ready"
esc_spawn() {
	_f="$T/spawn.$$.$ESC_N.$#"
	"$@" >"$_f" 2>&1 &
	ESC_PIDS="$ESC_PIDS $!"
	_i=0
	while [ $_i -lt 50 ] && ! grep -q ready "$_f" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
