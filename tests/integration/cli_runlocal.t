#!/bin/sh
# `trex run --local` as an unprivileged user (host root only starts the
# test): a python3 job on a trex-synth extract runs in the rootless
# trex-sandbox with trexd's command lines, trex-check suppresses its small
# cells, and the copies, the report and the exit code say so; a job trying
# the network or writing outside /output meets the same walls as under
# trexd; usage and manifest errors are named (file:line:key, the choices).
. "$(dirname "$0")/../lib.sh"
TREX="$BIN/trex"
U=65534
T=$(mktemp -d /tmp/trex-runlocal.XXXXXX)
trap 'rm -rf "$T"' EXIT
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "1..0 # SKIP needs root to start an unprivileged uid (setpriv)"
	exit 0
fi
chmod 0755 "$T"
"$BIN/trex-synth" --out "$T/data" --patients 300 --seed 7 --quiet
mkdir "$T/job" "$T/net" "$T/ro" "$T/work"
chown $U:$U "$T/work"
as_user() { (cd "$T/work" && setpriv --reuid=$U --regid=$U --clear-groups "$@"); }
# An ASan trex-check cannot start under the rootless memory limit
# (RLIMIT_DATA counts its shadow reservation): the sanitizer build's trex
# and trex-sandbox run with the release build's trex-check, named the way
# a site would, in a trexd.json (--trexd-config)
RUN_EXTRA=
case "$BUILD" in *build-san*)
	if [ ! -x "$TREX_ROOT/build/trex-check" ]; then
		echo "1..0 # SKIP an ASan trex-check cannot run under RLIMIT_DATA; build/trex-check missing"
		exit 0
	fi
	printf '{"check": "%s"}\n' "$TREX_ROOT/build/trex-check" >"$T/trexd.json"
	chmod 0644 "$T/trexd.json"
	RUN_EXTRA="--trexd-config $T/trexd.json" ;;
esac
trex_run() { as_user "$TREX" run --local $RUN_EXTRA "$@"; }

manifest() { # DIR COMMAND-FILE OUTPUT-PATH
	cat >"$1/manifest.json" <<EOF2
{
  "project": "P-LOCAL",
  "dataset": "snds-synth",
  "runtime": "python3",
  "command": ["python3", "$2"],
  "limits": {"memory_mb": 1024, "cpu_seconds": 60, "wall_seconds": 120,
             "pids": 32, "output_mb": 10},
  "outputs": [
    {"path": "$3", "kind": "frequency_table",
     "dimensions": ["group", "sex"], "count": "n",
     "labels": {"group": ["a", "b"], "sex": ["M", "F"]}}
  ]
}
EOF2
}
manifest "$T/job" analysis.py counts.csv
cat >"$T/job/analysis.py" <<'PY'
import csv
n = sum(1 for _ in open("/data/patients.csv")) - 1
rows = [("a", "M", n - 60), ("a", "F", 55), ("b", "M", 3), ("b", "F", 2)]
with open("/output/counts.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["group", "sex", "n"])
    w.writerows(rows)
print("table written from", n, "patients")
PY
chmod -R a+rX "$T/job" "$T/data"

# the job runs, its small cells are suppressed, the table released
trex_run "$T/job/manifest.json" --data "$T/data" -o out >"$T/o1" 2>"$T/e1"
rc=$?
expect_eq "a table with its small cells suppressed: exit 0 (released)" "0" "$rc"
grep -q '^table written from 300 patients$' "$T/o1" && ok "the job's stdout is shown" ||
	not_ok "the job's stdout is shown" "$(cat "$T/o1" "$T/e1")"
grep -q '^suppressed   counts.csv -- 2 of 4 cells suppressed' "$T/o1" && ok "the output's decision is shown" ||
	not_ok "the output's decision is shown" "$(cat "$T/o1")"
grep -q '^    row 3 (group=b, sex=M) threshold primary -- count 3 < threshold 10$' "$T/o1" &&
	ok "each flagged cell with its rule and reason" || not_ok "each flagged cell with its rule and reason" "$(cat "$T/o1")"
expect_eq "the released copy has the small cells blank" \
	"$(printf 'group,sex,n\na,M,240\na,F,55\nb,M,\nb,F,')" "$(cat "$T/work/out/released/counts.csv" 2>/dev/null)"
expect_eq "the job's own output beside it" "b,F,2" "$(tail -n 1 "$T/work/out/outputs/counts.csv" 2>/dev/null | tr -d '\r')"
v=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["files"][0]["verdict"], len(r["files"][0]["cells"]))' "$T/work/out/report.json" 2>&1)
expect_eq "report.json: verdict suppressed, 2 flagged cells" "suppressed 2" "$v"
v=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["run"]["mode"], r["state"], r["outputs"][0]["decision"])' "$T/work/out/run.json" 2>&1)
expect_eq "run.json: the rootless run, state and decision" "rootless released suppressed" "$v"
expect_eq "copies owned by the user" "$U" "$(stat -c %u "$T/work/out/released/counts.csv" 2>/dev/null)"
# --json: one document, the same facts
v=$(trex_run "$T/job/manifest.json" --data "$T/data" -o out --json 2>/dev/null |
	python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["state"], r["outputs"][0]["verdict"], r["report"]["files"][0]["released"])' 2>&1)
expect_eq "--json: state, verdict, report" "released suppressed counts.csv" "$v"
# a second output trexd would hold for a checker: partially released
mkdir "$T/held" && cp "$T/job/analysis.py" "$T/held/" &&
	printf '%s\n' 'open("/output/notes.txt", "w").write("free text")' >>"$T/held/analysis.py"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); m["outputs"].append({"path": "notes.txt", "kind": "text"}); json.dump(m, open(sys.argv[2], "w"), indent=1)' \
	"$T/job/manifest.json" "$T/held/manifest.json"
chmod -R a+rX "$T/held"
trex_run "$T/held/manifest.json" --data "$T/data" -o outheld >"$T/o10" 2>&1
rc=$?
expect_eq "a table released and a text held: exit 10 (partially released)" "10" "$rc"
grep -q '^held         notes.txt -- held for an output checker$' "$T/o10" && ok "the held output and why" ||
	not_ok "the held output and why" "$(cat "$T/o10")"
[ -f "$T/work/outheld/released/counts.csv" ] && [ ! -e "$T/work/outheld/released/notes.txt" ] &&
	ok "released/ holds the table, not the held text" || not_ok "released/ holds the table, not the held text"

# OUT that is not an earlier local run's is left alone
mkdir "$T/work/mine" && echo keep >"$T/work/mine/notes" && chown -R $U "$T/work/mine"
trex_run "$T/job/manifest.json" --data "$T/data" -o mine >/dev/null 2>"$T/e2"
rc=$?
expect_eq "-o a folder of other files: refused (exit 2)" "2" "$rc"
expect_eq "... and left as it was" "keep" "$(cat "$T/work/mine/notes")"
grep -q "^trex run: -o mine holds notes: give a new or empty folder" "$T/e2" && ok "... saying why" ||
	not_ok "... saying why" "$(cat "$T/e2")"

# the network: the job's connect fails as in trexd's sandbox, the job fails
manifest "$T/net" net.py counts.csv
cat >"$T/net/net.py" <<'PY'
import errno, socket, sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", 47393))
except OSError as e:
    print("connect:", errno.errorcode[e.errno]); sys.exit(1)
print("connected")
PY
chmod -R a+rX "$T/net"
trex_run "$T/net/manifest.json" --data "$T/data" -o outnet >"$T/o3" 2>&1
rc=$?
expect_eq "a job trying the network: exit 13 (failed)" "13" "$rc"
grep -q '^connect: ENETUNREACH$' "$T/o3" && ok "its connect to 127.0.0.1 met ENETUNREACH" ||
	not_ok "its connect to 127.0.0.1 met ENETUNREACH" "$(cat "$T/o3")"
grep -q '^== state: failed -- ' "$T/o3" && ok "state failed, with trexd's reason" ||
	not_ok "state failed, with trexd's reason" "$(cat "$T/o3")"

# writing outside /output: the job's code and / are read-only
manifest "$T/ro" ro.py counts.csv
cat >"$T/ro/ro.py" <<'PY'
import errno, sys
for p in ("/job/x.csv", "/x.csv", "/data/x.csv"):
    try:
        open(p, "w").write("x")
        print(p, "written")
    except OSError as e:
        print(p, errno.errorcode[e.errno])
sys.exit(1)
PY
chmod -R a+rX "$T/ro"
trex_run "$T/ro/manifest.json" --data "$T/data" -o outro >"$T/o4" 2>&1
rc=$?
expect_eq "a job writing outside /output: exit 13" "13" "$rc"
w=$(grep -c '^/[a-z/]*x.csv EROFS$' "$T/o4")
expect_eq "/job, / and /data are read-only (EROFS each)" "3" "$w"
[ ! -e "$T/ro/x.csv" ] && [ ! -e "$T/data/x.csv" ] && ok "nothing written to the host folders" ||
	not_ok "nothing written to the host folders"

# errors a researcher can act on
trex_run "$T/job/manifest.json" >/dev/null 2>"$T/e5"
rc=$?
expect_eq "missing --data: usage error (2)" "2" "$rc"
grep -q 'missing --data DIR' "$T/e5" && ok "missing --data: said so" || not_ok "missing --data: said so" "$(cat "$T/e5")"
sed 's/"python3",$/"pyhton3",/' "$T/job/manifest.json" >"$T/job/rt.json"
trex_run "$T/job/rt.json" --data "$T/data" -o outrt >/dev/null 2>"$T/e6"
rc=$?
expect_eq "unknown runtime: exit 2" "2" "$rc"
expect_eq "unknown runtime: file:line, did you mean, the choices" \
	"trex run: $T/job/rt.json:4: unknown runtime \"pyhton3\" (did you mean \"python3\"?); valid runtimes: python3, r, shell" "$(cat "$T/e6")"
sed 's/"kind": "frequency_table"/"kind": "frequency_tabel"/' "$T/job/manifest.json" >"$T/job/kind.json"
trex_run "$T/job/kind.json" --data "$T/data" -o outk >/dev/null 2>"$T/e7"
rc=$?
expect_eq "a manifest error: exit 2" "2" "$rc"
case "$(cat "$T/e7")" in "trex run: $T/job/kind.json:9: manifest.outputs[0].kind: must be one of frequency_table,"*) ok "a manifest error: file:line:key" ;;
*) not_ok "a manifest error: file:line:key" "$(cat "$T/e7")" ;; esac
trex_run "$T/job/manifest.json" --data "$T/data" -o outp --policy strcit >/dev/null 2>"$T/e9"
rc=$?
expect_eq "an unknown --policy: exit 2" "2" "$rc"
case "$(cat "$T/e9")" in *'(did you mean "strict"?); the policies: '*default*) ok "an unknown --policy: did you mean, the packs" ;;
*) not_ok "an unknown --policy: did you mean, the packs" "$(cat "$T/e9")" ;; esac
as_user "$TREX" run "$T/job/manifest.json" --data "$T/data" >/dev/null 2>"$T/e8"
expect_eq "run without --local: usage error" "2" "$?"
done_testing
