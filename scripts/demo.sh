#!/bin/sh
# `make demo`: trex end to end on one machine, in a temporary folder.
#   1. generate a small synthetic SNDS-like extract (trex-synth)
#   2. start trexd on a private unix socket with that extract as "snds-synth"
#   3. submit the three example jobs with the trex CLI:
#        crosstab-python  a pandas crosstab with large cells -> released
#        small-cells      an R table with small cells        -> small cells suppressed
#        malicious        reads /etc/shadow, tries the network, writes raw
#                         patient rows as a "table"          -> blocked
#   4. wait for each, show what was released, suppressed or blocked and why,
#      fetch what was released and print it
#   5. stop trexd (also on error or Ctrl-C) and remove the folder.
# Exit status 0 when every job ended as expected.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) BIN=$BUILD ;; *) BIN=$ROOT/$BUILD ;; esac
PATIENTS=${TREX_DEMO_PATIENTS:-5000}

for b in trexd trex-sandbox trex-check trex trex-synth; do
	if [ ! -x "$BIN/$b" ]; then
		echo "demo: $BIN/$b is missing; run 'make BUILD=$BUILD' first" >&2
		exit 1
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: trexd starts sandboxes and must run as root" >&2
	exit 1
fi

T=$(mktemp -d /tmp/trex-demo.XXXXXX)
# the extract is bind-mounted into sandboxes whose uid is not root
chmod 0755 "$T"
TREXD_PID=
stop() {
	rc=$?
	trap - EXIT INT TERM HUP PIPE
	if [ -n "$TREXD_PID" ] && kill -0 "$TREXD_PID" 2>/dev/null; then
		kill -TERM "$TREXD_PID" 2>/dev/null || true
		i=0
		while kill -0 "$TREXD_PID" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$TREXD_PID" 2>/dev/null || true
		wait "$TREXD_PID" 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ] && [ -s "$T/trexd.log" ]; then
		echo "--- last lines of the trexd log ---"
		tail -n 20 "$T/trexd.log"
	fi
	rm -rf "$T"
	exit "$rc"
}
trap stop EXIT
# a closed pipe (demo | head) or a hang-up must also stop trexd
trap 'exit 130' INT TERM HUP PIPE

say() { printf '\n== %s\n' "$*"; }

say "1. synthetic extract: $PATIENTS patients (trex-synth --seed 2026)"
"$BIN/trex-synth" --out "$T/data" --patients "$PATIENTS" --seed 2026
head -n 3 "$T/data/patients.csv" | cut -c 1-110

say "2. trexd on $T/trexd.sock"
# An approver of the health data access body signs the project's data
# permit (who may run what on which dataset, under which disclosure
# policy, until when); trexd trusts only the approver's public key.
mkdir -p "$T/keys"
"$BIN/trex" permit keygen "$T/keys/approver.key" "$T/keys/approver.pub" >/dev/null
cat >"$T/permit.unsigned.json" <<JSON
{"permit_id": "DEMO-P2026-041", "project": "P2026-041", "researchers": ["$(id -un)"],
 "datasets": ["snds-synth"], "runtimes": ["python3", "r"], "policy": "default",
 "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"}
JSON
"$BIN/trex" permit sign --key "$T/keys/approver.key" "$T/permit.unsigned.json" -o "$T/permit.json"
"$BIN/trex" permit show "$T/permit.json"
cat >"$T/trexd.json" <<JSON
{
  "state_dir": "$T/state",
  "socket": "$T/trexd.sock",
  "approver_keys": ["$T/keys/approver.pub"],
  "datasets": {
    "snds-synth": {"path": "$T/data", "id_columns": ["patient_id"]}
  }
}
JSON
if ! "$BIN/trexd" -n --config "$T/trexd.json" >"$T/trexd-n.log" 2>&1; then
	echo "demo: trexd rejects the demo configuration:" >&2
	cat "$T/trexd-n.log" >&2
	exit 1
fi
"$BIN/trexd" --config "$T/trexd.json" >"$T/trexd.log" 2>&1 &
TREXD_PID=$!
i=0
while [ ! -S "$T/trexd.sock" ]; do
	if ! kill -0 "$TREXD_PID" 2>/dev/null; then
		echo "demo: trexd exited at start:" >&2
		cat "$T/trexd.log" >&2
		TREXD_PID=
		exit 1
	fi
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "demo: trexd did not open its socket within 10 s" >&2
		exit 1
	fi
	sleep 0.1
done
export TREX_SOCKET="$T/trexd.sock"
echo "trexd running (pid $TREXD_PID)"

say "3. submitting the example jobs"
JOBS="crosstab-python small-cells malicious"
for j in $JOBS; do
	id=$("$BIN/trex" submit "$ROOT/examples/$j/manifest.json" --permit "$T/permit.json")
	echo "$id" >"$T/$j.id"
	echo "$j -> job $id"
done

failed=0
for j in $JOBS; do
	id=$(cat "$T/$j.id")
	say "4. $j (job $id)"
	rc=0
	"$BIN/trex" wait "$id" --timeout 300 || rc=$?
	state=$("$BIN/trex" status "$id" | sed -n 's/^  state: *//p')
	case "$j:$state" in
	crosstab-python:released) verdict="released as expected" ;;
	small-cells:released | small-cells:partially_released)
		verdict="released with small cells suppressed (empty), as expected" ;;
	malicious:blocked) verdict="blocked as expected: nothing left trex" ;;
	*)
		verdict="UNEXPECTED (state '$state', wait exit $rc)"
		failed=$((failed + 1))
		;;
	esac
	echo "-> $verdict"
	# trex wait: 0 released, 10 partially released (trex --help)
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 10 ]; then
		echo "released files, fetched and checked against their SHA-256:"
		"$BIN/trex" fetch "$id" -o "$T/released/$j"
		for f in "$T/released/$j"/*; do
			echo "--- $(basename "$f")"
			head -n 40 "$f"
		done
	else
		echo "released files: $("$BIN/trex" outputs "$id" 2>&1 | sed 's/^trex: //')"
	fi
	# the job's stdout never leaves (held); the operator can read it on the host
	log="$T/state/jobs/$id/logs/stdout"
	if [ "$j" = malicious ] && [ -r "$log" ]; then
		echo "what the job saw (its stdout, held; operator's view on the host):"
		sed 's/^/    /' "$log" | head -n 10
	fi
done

say "5. trexd still answering after the three jobs?"
if "$BIN/trex" status "$(cat "$T/crosstab-python.id")" >/dev/null; then
	echo "yes"
else
	echo "NO"
	failed=$((failed + 1))
fi

if [ "$failed" -ne 0 ]; then
	say "demo: $failed unexpected outcome(s)"
	exit 1
fi
say "demo: all three jobs ended as expected; stopping trexd"
