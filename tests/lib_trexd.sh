# Shell helpers for suites that drive a real trexd on a temporary unix
# socket. Source it after tests/lib.sh:
#   . "$TREX_ROOT/tests/lib_trexd.sh"
#   trexd_init trexd-NAME                 # $T, $SOCK, $TREXD_CONF, exit trap
#   trexd_config_write '"require_permit": false' "\"datasets\": {...}"
#   check "trexd starts" trexd_start
#   api_get /v1/jobs/ID; api_field state  # body in $TREXD_BODY
# trexd's pid is $PID while it runs (empty otherwise); every trexd a suite
# starts is stopped by the exit trap, by that pid only.

# trexd_init PREFIX: a fresh temporary folder $T (/tmp/PREFIX.XXXXXX, mode
# 0755 so job uids can reach datasets below it) with $T/state, and the names
# the other helpers use: $SOCK, $TREXD_CONF, $TREXD_LOG, $TREXD_BODY. Sets
# the exit trap; a suite that must undo more (a mount, a background loop)
# defines trexd_at_exit, run first.
trexd_init() {
	T=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
	chmod 755 "$T"
	mkdir -p "$T/state"
	SOCK=$T/s.sock
	TREXD_CONF=$T/trexd.json
	TREXD_LOG=$T/trexd.log
	TREXD_BODY=$T/body
	PID=
	trap trexd_cleanup EXIT
	# a signal ends the suite through the EXIT trap
	trap 'exit 130' INT TERM HUP
}

trexd_cleanup() {
	if command -v trexd_at_exit >/dev/null 2>&1; then trexd_at_exit; fi
	[ -n "$PID" ] && trexd_stop 2>/dev/null
	rm -rf "$T"
}

# trexd_config_write [MEMBER...]: writes $TREXD_CONF with state_dir, socket
# and policy_dir ($TREXD_POLICY_DIR when set, else this tree's disclosure
# packs), then each MEMBER verbatim, a JSON `"key": value` string (it may
# span lines).
trexd_config_write() {
	{
		printf '{\n  "state_dir": "%s",\n  "socket": "%s",\n  "policy_dir": "%s"' \
			"$T/state" "$SOCK" "${TREXD_POLICY_DIR:-$TREX_ROOT/policies/disclosure}"
		local m
		for m in "$@"; do printf ',\n  %s' "$m"; done
		printf '\n}\n'
	} >"$TREXD_CONF"
}

# trexd_wait_socket: until $SOCK exists (0), trexd $PID died or about 30 s
# passed (1). A bound, not a timing assertion: slow machines just wait.
trexd_wait_socket() {
	local n=0
	while [ ! -S "$SOCK" ] && [ $n -lt 600 ]; do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
		n=$((n + 1))
	done
	[ -S "$SOCK" ]
}

# trexd_start [ARG...]: starts trexd in the background (arguments default to
# --config $TREXD_CONF), output appended to $TREXD_LOG, pid in $PID; waits
# for its socket (a stale one is removed first). Status 0 when it listens.
trexd_start() {
	rm -f "$SOCK"
	[ $# -eq 0 ] && set -- --config "$TREXD_CONF"
	"$BIN/trexd" "$@" >>"$TREXD_LOG" 2>&1 &
	PID=$!
	trexd_wait_socket
}

# trexd_stop: SIGTERM to $PID and its exit status once it ended; after
# about 30 s (its grace period is 10 s) SIGKILL and status 137.
trexd_stop() {
	[ -n "$PID" ] || return 1
	local n=0 rc
	kill -TERM "$PID" 2>/dev/null
	while kill -0 "$PID" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
	kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null
	wait "$PID"
	rc=$?
	PID=
	return $rc
}

# trexd_kill: SIGKILL (a crash), reaped.
trexd_kill() {
	[ -n "$PID" ] || return 0
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
}

# api_req METHOD PATH [CURL_ARG...]: one request on $SOCK; the HTTP status on
# stdout, the body in $TREXD_BODY.
api_req() {
	local m=$1 p=$2
	shift 2
	curl -s -o "$TREXD_BODY" -w '%{http_code}' --unix-socket "$SOCK" -X "$m" "$@" "http://trexd$p"
}
# api_get PATH / api_post PATH [FILE]: as api_req, POST with FILE as the body
api_get() { api_req GET "$1"; }
api_post() {
	if [ -n "${2:-}" ]; then api_req POST "$1" --data-binary @"$2"; else api_req POST "$1"; fi
}

# api_as UID METHOD PATH [BODY]: one request as unix uid UID (setpriv, no
# groups), BODY the request's text; the HTTP status on stdout, the body in
# $TREXD_BODY. $T must be writable by UID (chmod 777 "$T").
api_as() {
	local u=$1 m=$2 p=$3
	rm -f "$TREXD_BODY"
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$T/api_as.body"
		chmod 644 "$T/api_as.body"
		setpriv --reuid "$u" --regid "$u" --clear-groups curl -s -o "$TREXD_BODY" \
			-w '%{http_code}' --unix-socket "$SOCK" -X "$m" --data-binary @"$T/api_as.body" \
			"http://trexd$p"
	else
		setpriv --reuid "$u" --regid "$u" --clear-groups curl -s -o "$TREXD_BODY" \
			-w '%{http_code}' --unix-socket "$SOCK" -X "$m" "http://trexd$p"
	fi
}

# api_field A.B.0.C: one value of the JSON in $TREXD_BODY (numbers index lists)
api_field() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$TREXD_BODY" "$1"
}

# api_submit PROJECT DATASET RUNTIME COMMAND_JSON OUTPUTS_JSON [LIMITS_JSON
# [FILES_JSON]]: POST /v1/jobs with that manifest (no permit; "limits" only
# when given) and the files (default none); prints the new id, or "none".
api_submit() {
	local limits=
	[ $# -ge 6 ] && limits=",\"limits\":$6"
	printf '{"manifest":{"project":"%s","dataset":"%s","runtime":"%s","command":%s,"outputs":%s%s},"files":%s}' \
		"$1" "$2" "$3" "$4" "$5" "$limits" "${7:-{\}}" >"$T/req.json"
	api_post /v1/jobs "$T/req.json" >/dev/null
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("id", "none"))' "$TREXD_BODY" 2>/dev/null ||
		echo none
}

# api_until_terminal CMD...: runs CMD (which leaves a job's JSON in
# $TREXD_BODY) every 0.2 s until the job's state is terminal (0), at most
# 600 times (1). The body then holds the job.
api_until_terminal() {
	local n=0
	while [ $n -lt 600 ]; do
		"$@" >/dev/null
		case "$(api_field state 2>/dev/null)" in queued | running | checking) ;; *) return 0 ;; esac
		sleep 0.2
		n=$((n + 1))
	done
	return 1
}
# api_wait_job ID: api_until_terminal on GET /v1/jobs/ID
api_wait_job() { api_until_terminal api_get "/v1/jobs/$1"; }
# api_wait_as ID UID: the same, asked as unix uid UID (api_as)
api_wait_as() { api_until_terminal api_as "$2" GET "/v1/jobs/$1"; }

# trexd_needs WHAT...: skips the whole suite (TAP plan 1..0) unless each is
# there: root, sandbox ($BIN/trex-sandbox), check ($BIN/trex-check),
# setpriv, sqlite3.
# trexd_sandboxes [ID]: the trex-sandbox supervisors of this state folder
# (of job ID only, when given). trexd hands a sandbox its job folders
# open, never by path (docs/DESIGN.md): its output folder is fd 6, which
# the supervisor holds until it ends (runner/recover.c finds them so too)
trexd_sandboxes() {
	for _p in $(pgrep -f "^$BIN/trex-sandbox " 2>/dev/null); do
		case "$(readlink "/proc/$_p/fd/6" 2>/dev/null)" in
		"$T/state/jobs/${1:-}"*) echo "$_p" ;;
		esac
	done
}

trexd_needs() {
	local w
	for w in "$@"; do
		case $w in
		root) [ "$(id -u)" = 0 ] && continue ;;
		sandbox | check) [ -x "$BIN/trex-$w" ] && continue; w=$BIN/trex-$w ;;
		*) command -v "$w" >/dev/null && continue ;;
		esac
		echo "1..0 # SKIP needs $w"
		exit 0
	done
}

# trexd_ids_fixture: dataset "synth" in $T/data whose patients.csv has two
# patients with 64-hex patient_id values ($ID1 is the first), declared as
# its id column; the config runs one job at a time, no permit needed.
trexd_ids_fixture() {
	ID1=3f1c9a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a
	mkdir -p "$T/data"
	printf 'patient_id,age_band,sex\n%s,20-29,F\n%s,30-39,M\n' "$ID1" \
		9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b >"$T/data/patients.csv"
	chmod 755 "$T/data"
	chmod 644 "$T/data/patients.csv"
	trexd_config_write '"concurrency": 1' '"require_permit": false' \
		"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": [\"patient_id\"]}}"
}
