#!/bin/sh
# The checker's side of the trex CLI against a real trexd (issue 17):
# `trex review list` (GET /v1/review: held outputs and held logs awaiting
# this checker, oldest first, two-checker votes), `trex review show` (the
# held table with the flagged cells marked, each cell's rule and reason),
# and the researcher's `trex wait` exit codes and progress and `trex
# cancel`. Real jobs: needs root, the sandbox and the checker.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox check setpriv
trexd_init trexd-review
mkdir -p "$T/data"
chmod 755 "$T/data"
ALICE=1001 BOB=1002 CAROL=1003 DAVE=1004 MALLORY=1008
trexd_config_write '"require_permit": false' '"concurrency": 2' '"two_checkers": true' \
	"\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
	"\"users\": {
    \"alice\": {\"uid\": $ALICE, \"roles\": [\"researcher\"], \"projects\": [\"P1\"]},
    \"bob\": {\"uid\": $BOB, \"roles\": [\"researcher\"], \"projects\": [\"P2\"]},
    \"carol\": {\"uid\": $CAROL, \"roles\": [\"checker\"]},
    \"dave\": {\"uid\": $DAVE, \"roles\": [\"checker\"]},
    \"mallory\": {\"uid\": $MALLORY, \"roles\": [\"researcher\", \"checker\"], \"projects\": [\"P1\"]}
  }"
check "trexd starts" trexd_start
chmod 777 "$T"
as() { u=$1; shift; setpriv --reuid "$u" --regid "$u" --clear-groups "$@"; }
trex_as() { u=$1; shift; as "$u" "$BIN/trex" --socket "$SOCK" "$@"; }

# a job folder: a table whose declared total does not add up (held for
# review, its total cell flagged) with a small cell (suppressed, flagged)
J=$T/job
mkdir -p "$J"
cat >"$J/manifest.json" <<'JSON'
{"project": "P1", "dataset": "d", "runtime": "shell",
 "command": ["sh", "-c", "printf 'sex,n\\nF,3\\nM,30\\nTotal,60\\n' >/output/t.csv; echo wrote the table"],
 "outputs": [{"path": "t.csv", "kind": "frequency_table", "dimensions": ["sex"], "count": "n",
              "total_codes": {"sex": ["Total"]}}]}
JSON
chmod -R a+rX "$J"
A=$(trex_as $ALICE submit "$J/manifest.json" 2>/dev/null)
check "alice submits a job (trex submit)" test -n "$A"
M=$(trex_as $MALLORY submit "$J/manifest.json" 2>/dev/null)
check "mallory (researcher and checker) submits one too" test -n "$M"

trex_as $ALICE wait "$A" --timeout 300 >"$T/wait.out" 2>"$T/wait.err"
expect_eq "trex wait on a held job: exit 11" 11 $?
check "... prints the held state" grep -q "state: *held" "$T/wait.out"
check "... showed the states as plain lines with their time (stderr not a terminal)" \
	grep -qE '^\[ *[0-9]+:[0-9][0-9]\] (queued|running|checking|held)$' "$T/wait.err"
check "... nothing but those lines on stderr" sh -c "! grep -vqE '^\[ *[0-9]+:[0-9][0-9]\] [a-z_]+$' '$T/wait.err'"
trex_as $MALLORY wait "$M" --timeout 300 >/dev/null 2>&1
expect_eq "mallory's job is held too" 11 $?

# the queue
trex_as $CAROL review list >"$T/q.txt" 2>"$T/q.err"
expect_eq "trex review list (checker): exit 0" 0 $?
check "... lists alice's held table, no vote yet of the two needed" grep -qE "^$A +output +t\.csv +P1 +alice .* 0/2$" "$T/q.txt"
check "... and her held stdout with its size" grep -qE "^$A +log +stdout \(16 B\) +P1 +alice .* 0/2$" "$T/q.txt"
check "... not her empty stderr" sh -c "! grep -q '^$A .*stderr' '$T/q.txt'"
check "... and mallory's job" grep -qE "^$M +output" "$T/q.txt"
check "... oldest job first" sh -c "grep -n '^2' '$T/q.txt' | head -1 | grep -q '$A'"
check "... says how to decide" grep -q "trex review JOB NAME --release" "$T/q.err"
trex_as $MALLORY review list >"$T/qm.txt" 2>/dev/null
expect_eq "a checker's own jobs are not in their queue" 0 "$(grep -c "^$M" "$T/qm.txt")"
# mallory does research in P1: its jobs are reviewed by checkers outside
# it (review_independent), so they are not hers to list, read or decide
expect_eq "... nor the other jobs of a project the checker does research in" 0 "$(grep -c "^$A" "$T/qm.txt")"
trex_as $MALLORY review show "$A" t.csv >/dev/null 2>"$T/err"
expect_eq "mallory cannot read a colleague's held table: exit 1" 1 $?
check "... trex says why" grep -q "not of a project you do research in" "$T/err"
expect_eq "... nor through the API's held route" 403 "$(api_as $MALLORY GET "/v1/jobs/$A/held/t.csv")"
check "... refused as a conflict of interest, naming the project" grep -q "conflict_of_interest.*you do research in project P1" "$TREXD_BODY"
expect_eq "... nor release it" 403 "$(api_as $MALLORY POST "/v1/jobs/$A/review" '{"output":"t.csv","decision":"release","reason":"looks fine"}')"
check "... the same refusal" grep -q "conflict_of_interest" "$TREXD_BODY"
check "... both refusals audited" sh -c "[ \$(grep -c 'authz_failure.*$A' '$T/state/audit.log') -ge 2 ]"
trex_as $ALICE review list >/dev/null 2>"$T/err"
expect_eq "a researcher has no queue: exit 1" 1 $?
check "... trexd's refusal, plain text" grep -q "forbidden): reading the review queue needs the role checker" "$T/err"
trex_as $CAROL --json review list >"$T/q.json"
check "review list --json: items with votes and the two-checker rule" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
it = [i for i in d["items"] if i["job"] == sys.argv[2] and i["kind"] == "output"][0]
assert it["name"] == "t.csv" and it["release_votes"] == [] and it["release_votes_needed"] == 2
assert it["you_voted"] is False and it["output_kind"] == "frequency_table"
' "$T/q.json" "$A"

# the held table, flagged cells marked
trex_as $CAROL review show "$A" t.csv >"$T/show.txt" 2>&1
expect_eq "trex review show: exit 0" 0 $?
check "... the verdict" grep -q "t.csv \[frequency_table\]: verdict review, held for your review" "$T/show.txt"
check "... the table with the flagged total marked" grep -qE '^ +3 \| Total +\| \[60\]#[0-9]' "$T/show.txt"
check "... the small cell marked too" grep -qE '^ +1 \| F +\| \[3\]#[0-9]' "$T/show.txt"
check "... an unflagged cell as it is" grep -qE '^ +2 \| M +\| 30 *$' "$T/show.txt"
check "... each flagged cell's row, column, rule, action and reason" \
	grep -qE '^  #[0-9] row 3 n: margins review: total differs from the sum of its parts by' "$T/show.txt"
check "... the threshold cell's" grep -qE '^  #[0-9] row 1 n: threshold primary: ' "$T/show.txt"
trex_as $ALICE review show "$A" t.csv >/dev/null 2>"$T/err"
expect_eq "a researcher cannot: exit 1" 1 $?
trex_as $CAROL review show "$A" nope.csv >/dev/null 2>"$T/err"
expect_eq "an output the job does not declare: 1" 1 $?
trex_as $CAROL --json review show "$A" t.csv >"$T/show.json"
check "review show --json: the table and the report entry" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["table"][3] == ["Total", "60"] and d["held"] is True
assert any(c["rule"] == "margins" and c["row"] == 3 for c in d["report"]["cells"])
' "$T/show.json"

# two-checker votes
out=$(trex_as $CAROL review "$A" t.csv --release --reason "margin explained")
expect_eq "carol's release is recorded, not final" "t.csv: release recorded; a second checker must also release it" "$out"
trex_as $CAROL review list >"$T/q.txt" 2>/dev/null
expect_eq "it no longer awaits carol" 0 "$(grep -c "^$A +output" "$T/q.txt")"
trex_as $CAROL review list --all >"$T/q.txt" 2>/dev/null
check "... --all shows it with her vote" grep -qE "^$A +output +t\.csv .* 1/2 by carol \(you voted\)$" "$T/q.txt"
trex_as $DAVE review list >"$T/q.txt" 2>/dev/null
check "dave sees carol's vote" grep -qE "^$A +output +t\.csv .* 1/2 by carol$" "$T/q.txt"
trex_as $DAVE review "$A" t.csv --release --reason "agreed" >/dev/null
trex_as $DAVE review list >"$T/q.txt" 2>/dev/null
expect_eq "released by the second checker: out of every queue" 0 "$(grep -c "^$A +output" "$T/q.txt")"
trex_as $ALICE wait "${A#*-}" >/dev/null 2>&1
expect_eq "trex wait on it now, by its random part: released, exit 0" 0 $?

# a declaration that cannot be checked fails that output, not the others
cat >"$J/two.json" <<'JSON'
{"project": "P1", "dataset": "d", "runtime": "shell",
 "command": ["sh", "-c", "printf 'region,n\\nA,500\\nB,800\\n' >/output/good.csv; printf 'region,N\\nA,500\\nB,800\\n' >/output/typo.csv"],
 "outputs": [{"path": "good.csv", "kind": "frequency_table", "dimensions": ["region"], "count": "n",
              "labels": {"region": ["A", "B"]}},
             {"path": "typo.csv", "kind": "frequency_table", "dimensions": ["region"], "count": "n",
              "labels": {"region": ["A", "B"]}}]}
JSON
chmod a+r "$J/two.json"
K=$(trex_as $ALICE submit "$J/two.json" "$T/data" 2>/dev/null)
trex_as $ALICE wait "$K" --timeout 300 >"$T/k.out" 2>/dev/null
rc=$?
[ $rc = 10 ] || sed 's/^/# /' "$T/k.out"
expect_eq "a job with a good table and one whose declared column is missing: partially released (10)" 10 $rc
check "... the good table released" grep -q "good.csv \[frequency_table\] verdict=pass RELEASED" "$T/k.out"
check "... the other failed alone, its rule named" grep -q "typo.csv \[frequency_table\] verdict=fail not released" "$T/k.out"
check "... and where, in the reason" grep -q "reason: *1 of 2 outputs released, 0 held for review, 1 blocked; cannot be checked: typo.csv:1:1: missing_column (a declared column is not in the header)" "$T/k.out"
api_as $ALICE GET "/v1/jobs/$K" >/dev/null
expect_eq "... the researcher's view: rule malformed_output" "fail malformed_output" "$(api_field outputs.1.verdict) $(api_field outputs.1.decisions.0.rule)"

# cancel
S=$(printf '{"project":"P1","dataset":"d","runtime":"shell","command":["sleep","300"],"outputs":[]}' >"$J/sleep.json" &&
	trex_as $ALICE submit "$J/sleep.json" "$T/data" 2>/dev/null)
check "a long job is submitted" test -n "$S"
trex_as $BOB cancel "$S" >/dev/null 2>"$T/err"
expect_eq "another project's researcher cannot cancel it (cannot see it): exit 1" 1 $?
out=$(trex_as $ALICE cancel "$S")
expect_eq "trex cancel: exit 0" 0 $?
check "... cancelled or being cancelled" sh -c "echo '$out' | grep -qE 'job $S: (cancelled|cancelling)'"
trex_as $ALICE wait "$S" --timeout 120 >/dev/null 2>&1
expect_eq "trex wait on the cancelled job: exit 15" 15 $?
trex_as $ALICE cancel "$S" >/dev/null 2>"$T/err"
expect_eq "cancelling it again: exit 1" 1 $?
check "... trexd says why, plain" grep -q "not_cancellable): the job is cancelled" "$T/err"
done_testing
