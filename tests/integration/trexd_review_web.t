#!/bin/sh
# The checkers' review page (issue 17 item 6, runner/web.c) end to end in a
# real browser: headless Chromium driven by Selenium (Debian's chromium,
# chromium-driver, python3-selenium: `make deps` installs them, so their
# absence is a failure, not a skip). A checker signs in with the link of
# `trex review web`, opens the queue, opens a held table, finds its
# flagged cells highlighted as the report decided, releases it with a
# reason and sees the job's new state; screenshots are kept. Then the
# refusals: no session, a researcher, a checker who does research in the
# job's project, a used link, a POST without the CSRF token or from
# another origin, an empty reason, another Host. Real jobs: needs root.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox check setpriv
PY=/usr/bin/python3
for need in /usr/bin/chromium /usr/bin/chromedriver; do
	check "$need is installed (make deps)" test -x "$need"
done
check "python3-selenium is installed (make deps)" $PY -c 'import selenium'
# screenshots outlive the suite's folder: the last run's are kept in
# $TREX_TEST_OUTPUT (default /tmp/trex-test-output)/trexd_review_web
SHOTS=${TREX_TEST_OUTPUT:-/tmp/trex-test-output}/trexd_review_web
rm -rf "$SHOTS" && mkdir -p "$SHOTS" || exit 1
echo "# screenshots in $SHOTS"

trexd_init trexd-review-web
mkdir -p "$T/data"
chmod 755 "$T/data"
ALICE=1001 CAROL=1003 DAVE=1004 MALLORY=1008
trexd_config_write '"require_permit": false' '"two_checkers": true' \
	'"review_listen": "127.0.0.1:0"' \
	"\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
	"\"users\": {
    \"alice\": {\"uid\": $ALICE, \"roles\": [\"researcher\"], \"projects\": [\"P1\"]},
    \"carol\": {\"uid\": $CAROL, \"roles\": [\"checker\"]},
    \"dave\": {\"uid\": $DAVE, \"roles\": [\"checker\"]},
    \"mallory\": {\"uid\": $MALLORY, \"roles\": [\"researcher\", \"checker\"], \"projects\": [\"P1\"]}
  }"
check "trexd starts" trexd_start
chmod 777 "$T"
ADDR=$(sed -n 's/.*event=trexd_started .*review=\([0-9.]*:[0-9]*\) .*/\1/p' "$TREXD_LOG" | tail -1)
check "the start line names the review listener's address" test -n "$ADDR"
trex_as() { u=$1; shift; setpriv --reuid "$u" --regid "$u" --clear-groups "$BIN/trex" --socket "$SOCK" "$@"; }

# a table held for review (its labels are not declared: record_level)
# with a small count (primary) whose totals would give it away
# (secondary suppressions)
J=$T/job
mkdir -p "$J"
cat >"$J/manifest.json" <<'JSON'
{"project": "P1", "dataset": "d", "runtime": "shell",
 "command": ["sh", "analysis.sh"],
 "outputs": [{"path": "t.csv", "kind": "frequency_table", "dimensions": ["sex", "region"], "count": "n",
              "total_codes": {"sex": ["Total"], "region": ["Total"]}}]}
JSON
printf '#!/bin/sh\n# <b>not markup</b>\necho "wrote <the> table"\nprintf "sex,region,n\\nF,A,3\\nF,B,40\\nF,Total,43\\nM,A,30\\nM,B,50\\nM,Total,80\\nTotal,A,33\\nTotal,B,90\\nTotal,Total,123\\n" >/output/t.csv\n' >"$J/analysis.sh"
chmod -R a+rX "$J"
A=$(trex_as $ALICE submit "$J/manifest.json" "$J" 2>/dev/null)
check "alice submits a job" test -n "$A"
trex_as $ALICE wait "$A" --timeout 300 >/dev/null 2>&1
expect_eq "it is held for review (trex wait: 11)" 11 $?
out=$(trex_as $CAROL review "$A" t.csv --release --reason "first vote, from the CLI")
expect_eq "carol's release vote (two-checker rule)" "t.csv: release recorded; a second checker must also release it" "$out"

# the report the page must agree with, as dave sees it through the API
api_as $DAVE GET "/v1/jobs/$A" >/dev/null
cp "$TREXD_BODY" "$T/job.json"
check "the report flags cells of t.csv" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["report"]["files"] if x["file"] == "t.csv"][0]
acts = {c["action"] for c in f["cells"]}
assert {"primary", "secondary"} <= acts, acts
assert d["outputs"][0]["verdict"] == "review"
' "$T/job.json"

# sign-in links: checkers only, over the authenticated socket
trex_as $ALICE review web >/dev/null 2>"$T/err"
expect_eq "a researcher gets no sign-in link: exit 1" 1 $?
check "... trexd's refusal" grep -q "needs the role checker" "$T/err"
LINK=$(trex_as $DAVE review web 2>"$T/err")
check "trex review web prints a link to the review listener" sh -c "echo '$LINK' | grep -qE '^http://$ADDR/review/login\\?token=[0-9a-f]{64}\$'"
check "... and says it works once" grep -q "works once" "$T/err"
MLINK=$(trex_as $MALLORY review web 2>/dev/null)
check "mallory (researcher and checker of P1) gets one" test -n "$MLINK"
USED=$(trex_as $CAROL review web 2>/dev/null)

# the page's answer headers, seen by curl with a fresh session of carol's
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' "$USED")
expect_eq "a link signs in: 303 to the queue" 303 "$code"
check "... with a session cookie, HttpOnly, SameSite=Strict, Path=/review" \
	grep -qiE '^set-cookie: trex_review=[0-9a-f]{64}; Path=/review; HttpOnly; SameSite=Strict' "$T/h"
check "... a strict Content-Security-Policy" grep -qi "^content-security-policy: default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'" "$T/h"
check "... nosniff" grep -qi '^x-content-type-options: nosniff' "$T/h"
check "... no referrer" grep -qi '^referrer-policy: no-referrer' "$T/h"
check "... no caching" grep -qi '^cache-control: no-store' "$T/h"
expect_eq "the same link again: 403 (once)" 403 "$(curl -s -o /dev/null -w '%{http_code}' "$USED")"
expect_eq "no session: the queue is 403" 403 "$(curl -s -o "$T/b" -w '%{http_code}' "http://$ADDR/review")"
check "... with how to sign in" grep -q "trex review web" "$T/b"
expect_eq "no session: the held table is 403" 403 "$(curl -s -o "$T/b" -w '%{http_code}' "http://$ADDR/review/$A/t.csv")"
check "... and none of its data" sh -c "! grep -q 'Total' '$T/b'"
expect_eq "a forged session cookie: 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' -b "trex_review=$(printf '%064d' 0)" "http://$ADDR/review")"
expect_eq "another Host (DNS rebinding): 421" 421 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example:80' "http://$ADDR/review")"
expect_eq "the API is not on this listener" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/v1/jobs")"

# the browser
$PY "$TREX_ROOT/tests/integration/review_web.py" --link "$LINK" --mallory "$MLINK" \
	--origin "http://$ADDR" --job "$A" --report "$T/job.json" --shots "$SHOTS" \
	--profile "$T/chromium" >"$T/py.out" 2>"$T/py.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	esac
done <"$T/py.out"
[ $rc = 0 ] || { sed 's/^/# /' "$T/py.err" | tail -20; not_ok "the browser test ran to its end (exit $rc)"; }
check "screenshots were saved" sh -c "ls '$SHOTS'/*.png >/dev/null 2>&1"

# what the browser did, as trexd recorded it
api_as $ALICE GET "/v1/jobs/$A" >/dev/null
expect_eq "the job is released (the researcher's view)" released "$(api_field state)"
# audit_has EVENT KEY=VALUE...: a line of the audit log with those fields
audit_has() {
	$PY -c 'import json, sys
want = dict(a.split("=", 1) for a in sys.argv[3:])
lines = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(j.get("event") == sys.argv[2] and all(str(j.get(k)) == v for k, v in want.items())
                  for j in lines) else 1)' "$T/state/audit.log" "$@"
}
check "the decision is in the audit log: dave, release, the reason typed in the browser" \
	audit_has review job="$A" decision=release reviewer=dave "reason=checked in the browser: margin explained"
api_as $ALICE GET "/v1/jobs/$A/logs" >/dev/null
expect_eq "the stdout log is rejected (the researcher's view)" rejected "$(api_field logs.0.state)"
check "the sign-ins are audited" audit_has review_web_login user=dave
check "the refused requests are audited" audit_has review_web_refused code=csrf user=dave
check "... from another origin too" audit_has review_web_refused code=cross_origin user=dave
check "mallory's look at her project's job is audited as refused" \
	audit_has authz_failure job="$A" "action=review page" user=mallory
done_testing
