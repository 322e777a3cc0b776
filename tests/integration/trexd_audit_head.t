#!/bin/sh
# The audit log's head is anchored outside the log: trexd records the seq
# and hash of every line it appends in trexd.db, and refuses to start on a
# log that is shorter than, or differs from, what trexd.db recorded. Cut
# back to each kind of boundary (any line, right after a periodic
# checkpoint, right after an earlier trexd_stopped + checkpoint), with
# trexd.db and without it, each cut is caught by trexd at start and by
# `trex audit verify --head` with a head kept elsewhere (trex audit head,
# trexd's start and stop lines); the operator's override names the log's
# head and is itself audited. Needs root (real sandboxes run the jobs).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox sqlite3
trexd_init trexd-audit-head
mkdir -p "$T/data"
printf 'x\n1\n' >"$T/data/d.csv"
chmod 755 "$T/data" && chmod 644 "$T/data/d.csv"
trexd_config_write '"require_permit": false' '"audit_checkpoint_every": 4' \
	"\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}"
L=$T/state/audit.log
PUB=$T/state/trexd.pub
GENESIS=0000000000000000000000000000000000000000000000000000000000000000

# head_of FILE [N]: "SEQ:HASH" of line N (default the last) of an audit log
head_of() {
	python3 - "$1" "${2:-0}" <<'PY'
import hashlib, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
n = int(sys.argv[2]) or len(lines)
print("%d:%s" % (n, hashlib.sha256(lines[n - 1]).hexdigest() if n else "0" * 64))
PY
}
# line_of EVENT [AFTER]: the number of the first line of EVENT after line AFTER
line_of() { awk -v e="\"event\":\"$1\"" -v a="${2:-0}" 'NR > a && index($0, e) { print NR; exit }' "$L"; }
# jobs N: N quick jobs, waited for
jobs() {
	for i in $(seq "$1"); do
		id=$(api_submit P d shell '["true"]' '[]')
		api_wait_job "$id"
	done
}
# the head trexd logged at its last start or stop
logged_head() { sed -n "s/.*event=audit_head seq=\([0-9]*\) hash=\([0-9a-f]*\) at=$1.*/\1:\2/p" "$TREXD_LOG" | tail -1; }
db_head() { sqlite3 -readonly "$T/state/trexd.db" 'SELECT seq || ":" || hash || " " || stopped FROM audit_head'; }

# --- two runs of trexd, each ending with trexd_stopped + checkpoint
check "trexd starts on an empty state folder" trexd_start
expect_eq "it logs the head it starts from" "$(head_of "$L")" "$(logged_head start)"
jobs 3
H=$("$BIN/trex" --socket "$SOCK" audit head)
expect_eq "trex audit head is the log's head (with the read itself)" "$(head_of "$L")" "$H"
expect_eq "trexd.db records the same head" "$H 0" "$(db_head)"
check "trexd stops" trexd_stop
STOP1=$(head_of "$L")
expect_eq "it logs the head it stops at" "$STOP1" "$(logged_head stop)"
expect_eq "trexd.db records it, stopped" "$STOP1 1" "$(db_head)"
sqlite3 "$T/state/trexd.db" ".backup '$T/stop1.db'"
check "trexd starts on its log" trexd_start
jobs 4
check "trex audit head --checkpoint saves the last signed checkpoint" \
	"$BIN/trex" --socket "$SOCK" audit head --checkpoint "$T/cp.json"
check "trexd stops again" trexd_stop
STOP2=$(head_of "$L")
cp "$L" "$T/full.log"
sqlite3 "$T/state/trexd.db" ".backup '$T/full.db'"
python3 - "$L" <<'PY' && ok "every checkpoint records the store's jobs and high-water mark" || not_ok "checkpoint fields"
import json, sys
cps = [json.loads(l) for l in open(sys.argv[1]) if '"event":"checkpoint"' in l]
assert len(cps) >= 4 and all(isinstance(c["jobs"], int) and isinstance(c["store_seq"], int) for c in cps)
assert cps[-1]["jobs"] == 7 and cps[-1]["store_seq"] == 7, cps[-1]
PY
check "verify: intact, signed, complete, holds the head" \
	"$BIN/trex" audit verify --trexd-key "$PUB" --complete --head "$STOP2" --checkpoint "$T/cp.json" "$L"

# the three boundaries of run 2 (stop 1 is a trexd_stopped + checkpoint)
B_STOP=$(( $(line_of trexd_stopped) + 1 ))
START2=$(line_of trexd_started "$B_STOP")
B_CP=$(line_of checkpoint "$START2")
B_ANY=$(( $(line_of job_submitted "$B_CP") + 1 ))
echo "# cuts: any line $B_ANY, after checkpoint $B_CP, after stop $B_STOP; full $STOP2"

# restore: the full log and its store
restore() { cp "$T/full.log" "$L"; cp "$T/full.db" "$T/state/trexd.db"; rm -f "$T/state/trexd.db-wal" "$T/state/trexd.db-shm"; }
# start_fails NAME WANT: trexd must refuse to start, its message holding WANT
start_fails() {
	name=$1 want=$2
	shift 2
	"$BIN/trexd" --config "$TREXD_CONF" "$@" >"$T/start.err" 2>&1 &
	p=$!
	i=0
	while kill -0 $p 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 $p 2>/dev/null; then
		kill $p; wait $p
		not_ok "$name" "trexd started"
		return
	fi
	wait $p
	rc=$?
	grep -qF -- "$want" "$T/start.err" && [ $rc -eq 1 ] && ok "$name" || not_ok "$name" "rc $rc: $(cat "$T/start.err")"
}
verify_fails() { # NAME WANT ARGS...
	name=$1 want=$2
	shift 2
	out=$("$BIN/trex" audit verify "$@" 2>&1)
	rc=$?
	case "$out" in *"$want"*) [ $rc -eq 1 ] && ok "$name" || not_ok "$name" "rc $rc" ;;
	*) not_ok "$name" "got: $out" ;; esac
}
for cut in "any line:$B_ANY" "a checkpoint:$B_CP" "trexd_stopped + checkpoint:$B_STOP"; do
	what=${cut%:*} n=${cut##*:}
	restore
	head -n "$n" "$T/full.log" >"$L"
	CUT=$(head_of "$L")
	start_fails "cut after $what: trexd refuses to start, naming both heads" \
		"trexd: audit log ends at $CUT but trexd.db records $STOP2: lines were cut from the log"
	grep -q "event=audit_head_mismatch log_head=$CUT db_head=$STOP2 .*--accept-audit-head $CUT" "$T/start.err" &&
		ok "... its log line says how to accept the log" || not_ok "mismatch log line" "$(cat "$T/start.err")"
	verify_fails "cut after $what: trex audit verify --head catches it" \
		"the log ends at line $n, before the expected head $STOP2: lines were cut from the end" --head "$STOP2" "$L"
	verify_fails "cut after $what: trex audit verify --checkpoint catches it" "lines were cut from the end" \
		--trexd-key "$PUB" --checkpoint "$T/cp.json" "$L"
	# without the database: trexd.db deleted beside the cut log
	rm -f "$T/state/trexd.db" "$T/state/trexd.db-wal" "$T/state/trexd.db-shm"
	start_fails "cut after $what, trexd.db gone: trexd refuses to start" \
		"trexd: audit log head $CUT is $n lines past trexd.db's 0:$GENESIS: trexd.db is older than the log, or new"
	verify_fails "cut after $what, trexd.db gone: verify --head catches it" "before the expected head" --head "$STOP2" "$L"
done
# the hole this closes: a log cut right after an earlier stop ends signed
restore
head -n "$B_STOP" "$T/full.log" >"$L"
check "(a log cut after an earlier stop passes --complete)" "$BIN/trex" audit verify --trexd-key "$PUB" --complete "$L"
# trexd.db rolled back with the log (both from the first stop): trexd
# cannot tell, the head an auditor kept elsewhere does
restore
head -n "$B_STOP" "$T/full.log" >"$L"
cp "$T/stop1.db" "$T/state/trexd.db"
check "(trexd.db and the log rolled back together: trexd starts)" trexd_start
trexd_stop
verify_fails "... and verify --head catches it" "expected head" --head "$STOP2" "$L"
restore
# a cut and rewritten log: as long as the store's head, other lines
python3 - "$T/full.log" "$L" 3 <<'PY'
import hashlib, json, sys
lines = open(sys.argv[1]).read().split("\n")[:-1]
k = int(sys.argv[3])
out = lines[:-k]
prev = hashlib.sha256(out[-1].encode()).hexdigest()
for l in lines[-k:]:
    j = json.loads(l)
    j["prev"] = prev
    j.setdefault("note", "rewritten")
    t = json.dumps(j, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    prev = hashlib.sha256(t.encode()).hexdigest()
    out.append(t)
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
check "(the rewritten log is a valid chain)" "$BIN/trex" audit verify "$L"
start_fails "a cut and rewritten log: trexd refuses to start" "does not hold trexd.db's $STOP2: the log was cut and written again"
verify_fails "... and verify --head names the line" "line ${STOP2%%:*}: hash" --head "$STOP2" "$L"

# lines past the store's head: only what a crash can leave unrecorded
# chain_more N: appends N lines chained to the log's end (what a killed
# trexd may have written without recording them)
chain_more() {
	python3 - "$L" "$1" <<'PY'
import hashlib, json, sys
lines = open(sys.argv[1]).read().split("\n")[:-1]
prev = hashlib.sha256(lines[-1].encode()).hexdigest()
seq = len(lines)
with open(sys.argv[1], "a") as f:
    for i in range(int(sys.argv[2])):
        seq += 1
        t = json.dumps({"seq": seq, "prev": prev, "ts": "2026-01-01T00:00:00.000Z", "event": "download"},
                       separators=(",", ":"), sort_keys=True)
        prev = hashlib.sha256(t.encode()).hexdigest()
        f.write(t + "\n")
PY
}
restore
chain_more 1
start_fails "after a clean stop, a line trexd.db does not know: refused" "1 lines past trexd.db's $STOP2"
restore
sqlite3 "$T/state/trexd.db" 'UPDATE audit_head SET stopped = 0'
chain_more 5
start_fails "after a crash, more lines than a crash leaves: refused" "5 lines past trexd.db's $STOP2"
restore
sqlite3 "$T/state/trexd.db" 'UPDATE audit_head SET stopped = 0'
chain_more 3
check "after a crash, the few lines it left unrecorded are taken" trexd_start
trexd_stop
# trexd.db that lost a job the log's signed checkpoint counted
restore
sqlite3 "$T/state/trexd.db" "PRAGMA foreign_keys=OFF; DELETE FROM jobs WHERE seq = (SELECT max(seq) FROM jobs)"
start_fails "a job deleted from trexd.db: refused" "attests 7 jobs up to store seq 7, trexd.db has 6 up to 7"
sqlite3 "$T/state/trexd.db" "DELETE FROM audit_head"
start_fails "the head's row deleted: refused" "trexd.db records no audit log head"

# the operator's override: it names the log's own head, once, on the record
restore
head -n "$B_STOP" "$T/full.log" >"$L"
CUT=$(head_of "$L")
start_fails "an override naming another head is refused" "--accept-audit-head $STOP2 is not the log's head $CUT" \
	--accept-audit-head "$STOP2"
check "trexd starts with --accept-audit-head naming the log's head" trexd_start --config "$TREXD_CONF" --accept-audit-head "$CUT"
grep -q "\"db_head\":\"$STOP2\",\"event\":\"audit_head_override\",\"log_head\":\"$CUT\"" "$L" &&
	ok "the acceptance is in the audit log, with both heads" || not_ok "override audited" "$(tail -3 "$L")"
trexd_stop
check "the accepted log verifies" "$BIN/trex" audit verify --trexd-key "$PUB" --complete "$L"
check "trexd starts again without the override" trexd_start
trexd_stop
"$BIN/trexd" --config "$TREXD_CONF" --accept-audit-head 12 >/dev/null 2>&1
expect_eq "a malformed override is bad usage" 2 $?

# a forged published checkpoint does not verify
restore
python3 - "$T/cp.json" "$T/forged.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["jobs"] += 1
json.dump(c, open(sys.argv[2], "w"))
PY
verify_fails "a forged published checkpoint is refused" "signature does not verify" \
	--trexd-key "$PUB" --checkpoint "$T/forged.json" "$L"
done_testing
