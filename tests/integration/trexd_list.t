#!/bin/sh
# GET /v1/jobs: every job exactly once across pages (also when jobs arrive
# between pages), filters, what each role sees, and a 400 with a stable
# code for each bad parameter. Jobs are written into the store directly
# (finished states: nothing runs), callers are distinct uids (setpriv).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root setpriv sqlite3
trexd_init trexd-list
mkdir -p "$T/data"
ALICE=1001 BOB=1002 CAROL=1003 ERIN=1005 NOBODY=1099
trexd_config_write '"require_permit": false' "\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
	"\"users\": {
    \"alice\": {\"uid\": $ALICE, \"roles\": [\"researcher\"], \"projects\": [\"P1\"]},
    \"bob\": {\"uid\": $BOB, \"roles\": [\"researcher\"]},
    \"carol\": {\"uid\": $CAROL, \"roles\": [\"checker\"]},
    \"erin\": {\"uid\": $ERIN, \"roles\": [\"auditor\"]}
  }"
as() { u=$1; shift; setpriv --reuid "$u" --regid "$u" --clear-groups "$@"; }

# jobs N FROM: N finished jobs numbered FROM.., project P1/P2/P3 in turn,
# submitted by alice (even) or bob (odd), states released/failed/held in
# turn, created one minute apart from 2026-11-29T10:00:00Z
jobs() {
	python3 - "$1" "$2" <<'PY' | sqlite3 "$T/state/trexd.db"
import sys
n, first = int(sys.argv[1]), int(sys.argv[2])
print("BEGIN;")
for k in range(first, first + n):
    proj = "P%d" % (k % 3 + 1)
    uid, name = (1001, "alice") if k % 2 == 0 else (1002, "bob")
    state = ["released", "failed", "held"][k % 3 if k % 2 else (k // 2) % 3]
    at = "2026-11-29T%02d:%02d:00Z" % (10 + k // 60, k % 60)
    print("INSERT INTO jobs (id, project, dataset, runtime, manifest, state, reason,"
          " submitted_uid, submitted_name, created_at, updated_at) VALUES"
          " ('20261129T100000-%012d', '%s', 'd', 'shell', '{}', '%s', '', %d, '%s', '%s', '%s');"
          % (k, proj, state, uid, name, at, at))
print("COMMIT;")
PY
}
check "trexd starts (creates its store)" trexd_start
trexd_stop
jobs 60 0
check "trexd starts on 60 stored jobs" trexd_start

chmod 777 "$T"
cat >"$T/list.py" <<'PY'
# list.py SOCK QUERY [LIMIT_PAGES]: follow "next" to the end; print one
# line per page ("page N next|end") then the ids, or the error
import http.client, json, socket, sys, urllib.parse
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sys.argv[1])
def get(q):
    c = C("trexd")
    c.request("GET", "/v1/jobs" + ("?" + q if q else ""))
    r = c.getresponse()
    return r.status, json.loads(r.read())
q, pages, cursor, ids, out = sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1000, None, [], []
while pages > 0:
    status, d = get(q + ("&cursor=" + urllib.parse.quote(cursor) if cursor else ""))
    if status != 200:
        print(status, d["error"]["code"])
        sys.exit(0)
    ids += [j["id"][-4:] for j in d["jobs"]]
    out.append("page %d %s" % (len(d["jobs"]), "next" if d["next"] else "end"))
    cursor, pages = d["next"], pages - 1
    if not cursor:
        break
print(" ".join(out))
print(" ".join(ids))
if cursor:
    print("cursor", cursor)
PY
# expected ids, newest first, of the jobs matching a python condition on k
expect_ids() {
	python3 -c "
import sys
ks = [k for k in range(${2:-60} - 1, -1, -1) if $1]
print(' '.join('%04d' % k for k in ks))"
}
list() { as "$1" /usr/bin/python3 "$T/list.py" "$SOCK" "$2" ${3:-}; }

out=$(list $CAROL "limit=7")
expect_eq "checker: 60 jobs in pages of 7" "page 7 next page 7 next page 7 next page 7 next page 7 next page 7 next page 7 next page 7 next page 4 end" "$(echo "$out" | sed -n 1p)"
expect_eq "... every job exactly once, newest first" "$(expect_ids True)" "$(echo "$out" | sed -n 2p)"
out=$(list $CAROL "" 1)
expect_eq "default page: 50 jobs and a next" "page 50 next" "$(echo "$out" | sed -n 1p)"
out=$(list $CAROL "limit=60")
expect_eq "a page of exactly all: no next" "page 60 end" "$(echo "$out" | sed -n 1p)"
out=$(list $ERIN "limit=500")
expect_eq "auditor sees all" "page 60 end" "$(echo "$out" | sed -n 1p)"

# jobs arriving between pages: not in the pages still to come, nothing
# served twice, nothing skipped
out=$(list $CAROL "limit=25" 1)
expect_eq "first page of 25" "page 25 next" "$(echo "$out" | sed -n 1p)"
first=$(echo "$out" | sed -n 2p)
cursor=$(echo "$out" | sed -n 's/^cursor //p')
jobs 5 60
out=$(as $CAROL /usr/bin/python3 - "$SOCK" "$cursor" <<'PY'
import http.client, json, socket, sys
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sys.argv[1])
cursor, ids = sys.argv[2], []
while cursor:
    c = C("trexd")
    c.request("GET", "/v1/jobs?limit=25&cursor=" + cursor)
    d = json.loads(c.getresponse().read())
    ids += [j["id"][-4:] for j in d["jobs"]]
    cursor = d["next"]
print(" ".join(ids))
PY
)
expect_eq "... the rest after 5 new jobs: the old 35, once each" "$(expect_ids True)" "$first $out"
out=$(list $CAROL "limit=500")
expect_eq "... a new listing starts with the new jobs" "$(expect_ids True 65)" "$(echo "$out" | sed -n 2p)"

# filters (on the 65 jobs)
out=$(list $CAROL "state=held&limit=4")
expect_eq "state=held, every page" "$(expect_ids '["released","failed","held"][k % 3 if k % 2 else (k // 2) % 3] == "held"' 65)" "$(echo "$out" | sed -n 2p)"
out=$(list $CAROL "project=P2&limit=6")
expect_eq "project=P2" "$(expect_ids 'k % 3 == 1' 65)" "$(echo "$out" | sed -n 2p)"
out=$(list $CAROL "user=bob&project=P3&limit=3")
expect_eq "user=bob&project=P3" "$(expect_ids 'k % 2 == 1 and k % 3 == 2' 65)" "$(echo "$out" | sed -n 2p)"
out=$(list $CAROL "since=2026-11-29T10:50:00Z&limit=4")
expect_eq "since a time (inclusive)" "$(expect_ids 'k >= 50' 65)" "$(echo "$out" | sed -n 2p)"
out=$(list $CAROL "user=j.doe%40example.org")
expect_eq "user=a name with '@' and '.': valid, no such jobs" "page 0 end" "$(echo "$out" | sed -n 1p)"
out=$(list $CAROL "since=2026-11-30")
expect_eq "since a later day: none" "page 0 end" "$(echo "$out" | sed -n 1p)"
out=$(list $CAROL "state=running")
expect_eq "a state no job is in: an empty page" "page 0 end" "$(echo "$out" | sed -n 1p)"
out=$(list $CAROL "project=P%32&state=failed&limit=2")
expect_eq "percent-encoded value" "$(expect_ids 'k % 3 == 1 and ["released","failed","held"][k % 3 if k % 2 else (k // 2) % 3] == "failed"' 65)" "$(echo "$out" | sed -n 2p)"

# what each researcher sees: alice her own and project P1's; bob his own
out=$(list $ALICE "limit=9")
expect_eq "alice: her jobs and P1's, paged" "$(expect_ids 'k % 2 == 0 or k % 3 == 0' 65)" "$(echo "$out" | sed -n 2p)"
out=$(list $BOB "limit=500")
expect_eq "bob: his own jobs only" "$(expect_ids 'k % 2 == 1' 65)" "$(echo "$out" | sed -n 2p)"
out=$(list $BOB "user=alice")
expect_eq "bob asking for alice's jobs: none of P2/P3 leak" "page 0 end" "$(echo "$out" | sed -n 1p)"
out=$(list $ALICE "user=bob&limit=500")
expect_eq "alice asking for bob's: only those of P1" "$(expect_ids 'k % 2 == 1 and k % 3 == 0' 65)" "$(echo "$out" | sed -n 2p)"
expect_eq "an unknown uid: 403 unknown_user" "403 unknown_user" "$(list $NOBODY "")"

# trex list follows the pages (50 jobs a request) and prints one line a job
out=$(as $CAROL "$BIN/trex" --socket "$SOCK" list)
expect_eq "trex list: every job, over two pages, newest first" "$(expect_ids True 65)" "$(echo "$out" | awk '{ printf "%s%s", (NR > 1 ? " " : ""), substr($1, length($1) - 3) }')"
expect_eq "... one line per job: id state project submitter created" \
	"20261129T100000-000000000064 held P2 alice 2026-11-29T11:04:00Z" "$(echo "$out" | sed -n 1p)"
out=$(as $CAROL "$BIN/trex" --socket "$SOCK" list --limit 55)
expect_eq "trex list --limit 55: the newest 55" "$(expect_ids 'k >= 10' 65)" "$(echo "$out" | awk '{ printf "%s%s", (NR > 1 ? " " : ""), substr($1, length($1) - 3) }')"
out=$(as $ALICE "$BIN/trex" --socket "$SOCK" list --state failed --project P1)
expect_eq "trex list --state --project, as alice" "$(expect_ids '(k % 2 == 0 or k % 3 == 0) and k % 3 == 0 and ["released","failed","held"][k % 3 if k % 2 else (k // 2) % 3] == "failed"' 65)" "$(echo "$out" | awk '{ printf "%s%s", (NR > 1 ? " " : ""), substr($1, length($1) - 3) }')"
out=$(as $CAROL "$BIN/trex" --socket "$SOCK" list --state bogus 2>&1)
expect_eq "trex list: trexd's refusal, exit 1" "1 trex: trexd refused (HTTP 400 bad_parameter): state \"bogus\" is not a job state (awaiting_approval, queued, running, checking, released, partially_released, held, blocked, rejected, failed, timed_out, cancelled, refused)" "$? $out"
as $CAROL "$BIN/trex" --socket "$SOCK" list --limit 0 2>/dev/null
expect_eq "trex list --limit 0: usage error" 2 $?

# bad parameters: 400 and a stable code
req() { as $CAROL curl -s -o "$T/out" -w '%{http_code}' --unix-socket "$SOCK" "http://trexd/v1/jobs$1"; }
err() { python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["code"], "|", e["message"])' "$T/out"; }
for q in "limit=0" "limit=501" "limit=abc" "limit=" "limit=5x" "limit=-1" \
	"state=bogus" "project=.x" "project=a%2Fb" "user=" "since=yesterday" \
	"since=2026-11-29T10:00:00" "foo=1" "state=held&state=failed" "state=%zz" \
	"project=a%00" "cursor=xyz" "user=a%20b" "user=a%2Fb"; do
	expect_eq "?$q: 400" 400 "$(req "?$q")"
done
req "?limit=501" >/dev/null
expect_eq "... limit's message" "bad_parameter | limit must be an integer from 1 to 500" "$(err)"
req "?stat=held" >/dev/null
expect_eq "... an unknown parameter is named" "bad_parameter | unknown query parameter 'stat' (known: state, project, user, since, limit, cursor)" "$(err)"
req "?state=%zz" >/dev/null
expect_eq "... bad percent-encoding" "bad_parameter | query parameter state: bad percent-encoding at byte 0" "$(err)"
req "?cursor=xyz" >/dev/null
expect_eq "... a made-up cursor" "bad_cursor | cursor is not a cursor trexd issued: pass the \"next\" of the previous page unchanged" "$(err)"
out=$(list $CAROL "state=held&limit=2" 1)
cursor=$(echo "$out" | sed -n 's/^cursor //p')
expect_eq "a cursor with other filters: 400" 400 "$(req "?state=failed&limit=2&cursor=$cursor")"
expect_eq "... bad_cursor" "bad_cursor | cursor was issued for other filters: repeat the same state, project, user and since with it" "$(err)"
expect_eq "... with the same filters and another limit: 200" 200 "$(req "?state=held&limit=3&cursor=$cursor")"
expect_eq "DELETE /v1/jobs: 405" 405 "$(as $CAROL curl -s -o /dev/null -w '%{http_code}' -X DELETE --unix-socket "$SOCK" http://trexd/v1/jobs)"
done_testing
