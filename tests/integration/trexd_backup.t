#!/bin/sh
# trexd backup DEST while trexd runs a job, then restore into a new state
# folder and a trexd on it: the jobs of the store snapshot are there with
# their states, released files and logs, the running one is recovered as a
# crash leaves it, a job submitted after the backup is not; the audit log
# ends at the head the restored trexd.db records and verifies with the
# restored key, which still signs as before. A backed-up file changed,
# added or removed, and a non-empty target, are refused, naming the file,
# with nothing left in the target. Needs root (real sandboxes).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox check sqlite3
trexd_init trexd-backup
mkdir -p "$T/data"
printf 'age_band,sex\n20-29,F\n' >"$T/data/patients.csv"
chmod 755 "$T/data" && chmod 644 "$T/data/patients.csv"
trexd_config_write '"concurrency": 2' '"require_permit": false' '"audit_checkpoint_every": 4' \
	"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}"
BK=$T/bk
db_head() { sqlite3 -readonly "$1/trexd.db" 'SELECT seq || ":" || hash FROM audit_head'; }
# every file of a backup is listed with its SHA-256, and nothing else is there
manifest_ok() {
	python3 - "$1" <<'PY'
import hashlib, json, os, sys
top = sys.argv[1]
m = json.load(open(os.path.join(top, "backup.json")))
listed = {f["path"]: f for f in m["files"]}
seen = set()
for d, _, fs in os.walk(top):
    for f in fs:
        p = os.path.relpath(os.path.join(d, f), top)
        if p == "backup.json":
            continue
        assert p in listed, p
        assert hashlib.sha256(open(os.path.join(top, p), "rb").read()).hexdigest() == listed[p]["sha256"], p
        seen.add(p)
assert seen == set(listed), set(listed) - seen
PY
}

check "trexd starts" trexd_start
PY=$(base64 -w0 <<'PY'
rows = [("20-29", "F", 120), ("20-29", "M", 131), ("30-39", "F", 99), ("30-39", "M", 87)]
with open("/output/age_sex.csv", "w") as f:
    f.write("age_band,sex,n\n")
    for a, s, n in rows:
        f.write(f"{a},{s},{n}\n")
with open("/output/fig.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
print("done")
PY
)
A=$(api_submit P synth python3 '["python3","a.py"]' \
	'[{"path":"age_sex.csv","kind":"frequency_table","dimensions":["age_band","sex"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}},{"path":"fig.png","kind":"figure"}]' \
	'{}' "{\"a.py\":\"$PY\"}")
check "a checked job ends" api_wait_job "$A"
expect_eq "... partially released" partially_released "$(api_field state)"
SHA_A=$(api_field outputs.0.sha256)
B=$(api_submit P synth shell '["sh","-c","echo out; exit 3"]' '[]')
check "a failing job ends" api_wait_job "$B"
expect_eq "... failed" failed "$(api_field state)"
C=$(api_submit Q synth shell '["sleep","60"]' '[]' '{"wall_seconds":120}')
n=0
until [ "$(api_get "/v1/jobs/$C" >/dev/null; api_field state)" = running ] || [ $n -gt 150 ]; do
	sleep 0.2; n=$((n + 1))
done
expect_eq "a long job runs" running "$(api_field state)"
api_get "/v1/trexd-key" >/dev/null
KEY_ID=$(api_field key_id)

# --- the backup, trexd running
check "trexd backup while trexd runs" sh -c "'$BIN/trexd' backup --config '$TREXD_CONF' '$BK' >'$T/backup.out' 2>&1"
check "... says what it took" grep -q "3 jobs, 1 released files" "$T/backup.out"
check "backup.json lists every file with its SHA-256, and only those" manifest_ok "$BK"
expect_eq "the backup's folder is the operator's alone" 700 "$(stat -c %a "$BK")"
expect_eq "the store's copy is one file (no -wal beside it)" "" "$(ls "$BK" | grep -e -wal -e -shm)"
HEAD=$(db_head "$BK")
expect_eq "the backup's audit log ends at the head its trexd.db records" "$HEAD" \
	"$(python3 -c 'import hashlib,sys; l=open(sys.argv[1],"rb").read().split(b"\n")[:-1]; print("%d:%s" % (len(l), hashlib.sha256(l[-1]).hexdigest()))' "$BK/audit.log")"
expect_eq "... which the manifest names" "$HEAD" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["audit_head"])' "$BK/backup.json")"
check "the running job's bundle is in the backup" test -d "$BK/jobs/$C/code"
check "... not the folders its run is writing" test ! -e "$BK/jobs/$C/logs"
check "the released table is in the backup" test -f "$BK/release/P/$A/age_sex.csv"
check "the held figure is not in the release area of the backup" test ! -e "$BK/release/P/$A/fig.png"
check "the key pair is in the backup" test -f "$BK/trexd.key"
expect_eq "... readable by the operator only" 600 "$(stat -c %a "$BK/trexd.key")"
check "a backup goes only into a new folder" sh -c "! '$BIN/trexd' backup --config '$TREXD_CONF' '$BK' 2>'$T/err'"
check "... saying so" grep -q "is not empty" "$T/err"

D=$(api_submit P synth shell '["true"]' '[]')
check "a job after the backup ends" api_wait_job "$D"
check "trexd stops" trexd_stop
LIVE_LINES=$(wc -l <"$T/state/audit.log")
check "the live log ran on past the backup's head" test "$LIVE_LINES" -gt "${HEAD%%:*}"

# --- tampering: refused, naming the file, nothing written
tamper() { rm -rf "$T/bk2" "$T/state2" && cp -a "$BK" "$T/bk2"; }
restore_refused() { # WHAT GREP
	check "$1: restore refuses" sh -c "! '$BIN/trexd' restore --state-dir '$T/state2' '$T/bk2' >'$T/err' 2>&1"
	check "$1: ... naming the file" grep -q -- "$2" "$T/err"
	check "$1: ... and writes nothing" test ! -e "$T/state2"
}
tamper
printf '#' >>"$T/bk2/jobs/$A/code/a.py"
restore_refused "a changed bundle file" "bk2/jobs/$A/code/a.py: its SHA-256 is not the one"
tamper
sed -i 's/"job_submitted"/"job_submittex"/' "$T/bk2/audit.log"
restore_refused "a changed audit log" "bk2/audit.log: its SHA-256"
tamper
printf 'x' >"$T/bk2/jobs/$A/code/extra.py"
restore_refused "an added file" "bk2/jobs/$A/code/extra.py: not in the backup's manifest"
tamper
rm "$T/bk2/release/P/$A/age_sex.csv"
restore_refused "a removed file" "bk2/release/P/$A/age_sex.csv: listed in the backup's manifest but missing"
tamper
sqlite3 "$T/bk2/trexd.db" "UPDATE jobs SET state = 'released' WHERE id = '$B'"
restore_refused "an edited trexd.db" "bk2/trexd.db: its SHA-256"
tamper
sed -i 's/"store_schema": 6/"store_schema": 99/' "$T/bk2/backup.json"
restore_refused "a store from a newer trexd" "bk2 holds a store of schema version 99, this trexd knows 6"
mkdir -p "$T/nostate"
check "backup of a folder without trexd.db is refused" sh -c "! '$BIN/trexd' backup --state-dir '$T/nostate' '$T/bk5' 2>'$T/err'"
check "... naming what is missing" grep -q "nostate/trexd.db: No such file" "$T/err"
check "... making no DEST" test ! -e "$T/bk5"
check "backup of a missing folder makes no DEST either" sh -c "! '$BIN/trexd' backup --state-dir '$T/none' '$T/bk5' 2>/dev/null && test ! -e '$T/bk5'"
mkdir -p "$T/state3" && touch "$T/state3/x"
check "restore into a non-empty folder is refused" sh -c "! '$BIN/trexd' restore --state-dir '$T/state3' '$BK' 2>'$T/err'"
check "... saying what it holds" grep -q "is not empty (it holds x)" "$T/err"

# --- restore and run on it
check "trexd restore into a new state folder" sh -c "'$BIN/trexd' restore --state-dir '$T/state2' '$BK' >'$T/restore.out' 2>&1"
check "... verifies the audit log against the restored head" grep -q "head $HEAD held by trexd.db" "$T/restore.out"
expect_eq "the restored state folder is 0700 as trexd made it" 700 "$(stat -c %a "$T/state2")"
expect_eq "the signing key keeps its mode" 600 "$(stat -c %a "$T/state2/trexd.key")"
check "trex audit verify: intact, signed, holds the restored head" \
	"$BIN/trex" audit verify --trexd-key "$T/state2/trexd.pub" --head "$(db_head "$T/state2")" "$T/state2/audit.log"
sed "s|$T/state\"|$T/state2\"|; s|$SOCK|$T/s2.sock|" "$TREXD_CONF" >"$T/trexd2.json"
SOCK=$T/s2.sock
check "trexd starts on the restored state" trexd_start --config "$T/trexd2.json"
expect_eq "the released job is there" partially_released "$(api_get "/v1/jobs/$A" >/dev/null; api_field state)"
expect_eq "... its table fetches with the same SHA-256" "$SHA_A" \
	"$(api_get "/v1/jobs/$A/outputs/age_sex.csv" >/dev/null; sha256sum <"$TREXD_BODY" | cut -d' ' -f1)"
expect_eq "the failed job is there" failed "$(api_get "/v1/jobs/$B" >/dev/null; api_field state)"
expect_eq "... with its log" "out" "$(cat "$T/state2/jobs/$B/logs/stdout")"
expect_eq "the job running at the backup is recovered as after a crash" \
	"failed trexd stopped while the job was running" \
	"$(api_get "/v1/jobs/$C" >/dev/null; api_field state) $(api_field reason)"
expect_eq "the job submitted after the backup is not there" 404 "$(api_get "/v1/jobs/$D")"
expect_eq "trexd signs with the same key" "$KEY_ID" "$(api_get /v1/trexd-key >/dev/null; api_field key_id)"
check "a release manifest signed before the backup verifies (trex fetch)" \
	"$BIN/trex" --socket "$SOCK" fetch "$A" -o "$T/fetched" --trexd-key "$T/state/trexd.pub"
E=$(api_submit P synth shell '["true"]' '[]')
check "a new job runs on the restored state" api_wait_job "$E"
expect_eq "... released" released "$(api_field state)"
check "trexd stops" trexd_stop
check "the restored log, continued, verifies complete" \
	"$BIN/trex" audit verify --trexd-key "$T/state/trexd.pub" --complete "$T/state2/audit.log"

# --- a stopped trexd's state backs up and restores the same way
rm -rf "$BK" "$T/state3"
check "trexd backup of a stopped trexd" sh -c "'$BIN/trexd' backup --state-dir '$T/state2' '$BK' >/dev/null"
check "... restores" sh -c "'$BIN/trexd' restore --state-dir '$T/state3' '$BK' >/dev/null"
sed "s|$T/state2\"|$T/state3\"|; s|$SOCK|$T/s3.sock|" "$T/trexd2.json" >"$T/trexd3.json"
SOCK=$T/s3.sock
check "... and trexd starts on it" trexd_start --config "$T/trexd3.json"
expect_eq "... with every job" 4 "$(api_get '/v1/jobs?limit=100' >/dev/null; python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["jobs"]))' "$TREXD_BODY")"
check "trexd stops" trexd_stop

# --- backups under a storm of submissions: each one is a state a trexd
# starts on (its log ends at its store's head, its checkpoints attest no
# more jobs than its store holds)
check "trexd starts again" trexd_start --config "$T/trexd3.json"
(
	for i in $(seq 40); do
		curl -s -o /dev/null --unix-socket "$SOCK" -X POST \
			--data '{"manifest":{"project":"L","dataset":"synth","runtime":"shell","command":["true"],"outputs":[]},"files":{}}' \
			http://trexd/v1/jobs
	done
) &
STORM=$!
for i in 1 2 3; do
	"$BIN/trexd" backup --config "$T/trexd3.json" "$T/load$i" >/dev/null 2>&1 || echo "backup $i failed" >>"$T/load.err"
done
wait "$STORM"
check "trexd stops" trexd_stop
check "three backups taken during the storm" test ! -e "$T/load.err"
for i in 1 2 3; do
	jobs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["jobs"])' "$T/load$i/backup.json")
	check "storm backup $i ($jobs jobs) restores" sh -c "'$BIN/trexd' restore --state-dir '$T/lstate$i' '$T/load$i' >/dev/null"
	sed "s|$T/state3\"|$T/lstate$i\"|; s|$T/s3.sock|$T/l$i.sock|" "$T/trexd3.json" >"$T/l$i.json"
	SOCK=$T/l$i.sock
	check "storm backup $i: trexd starts on it" trexd_start --config "$T/l$i.json"
	expect_eq "storm backup $i: with its jobs" "$jobs" "$(sqlite3 -readonly "$T/lstate$i/trexd.db" 'SELECT count(*) FROM jobs')"
	check "storm backup $i: trexd stops" trexd_stop
done
SOCK=$T/s3.sock

# --- a released file that no longer has the SHA-256 trexd recorded
printf 'x' >>"$T/state3/release/P/$A/age_sex.csv"
check "backup refuses a released file trexd.db recorded with another SHA-256" \
	sh -c "! '$BIN/trexd' backup --state-dir '$T/state3' '$T/bk3' 2>'$T/err'"
check "... naming it" grep -q "release/P/$A/age_sex.csv: SHA-256 .*, trexd.db recorded $SHA_A at its release" "$T/err"
check "... leaving no folder that looks like a backup" test ! -e "$T/bk3"
mkdir "$T/bk4"
check "... nor anything in an empty folder given" sh -c "! '$BIN/trexd' backup --state-dir '$T/state3' '$T/bk4' 2>/dev/null && [ -z \"\$(ls -A '$T/bk4')\" ]"
done_testing
