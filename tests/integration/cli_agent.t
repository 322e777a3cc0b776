#!/bin/sh
# The trex CLI against a scripted stand-in for trexd (python3 on a unix
# socket), so the agent's own behaviour is pinned down independently of the
# daemon: what submit uploads, exit codes, escaping of server text, and that
# fetch refuses a wrong size/hash or an unsafe name and writes nothing then.
# The stand-in signs no release manifest, so fetch runs with --no-verify
# here; trexd_access.t tests the signed manifest against the real trexd.
. "$(dirname "$0")/../lib.sh"
TREX="$BIN/trex"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/trex-cli.XXXXXX)
SRV_PID=
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

cat >"$T/fake.py" <<'PY'
import base64, hashlib, json, os, socketserver, sys
from http.server import BaseHTTPRequestHandler

sock, dump = sys.argv[1], sys.argv[2]
GOOD = b"age_band,sex,n\n0-17,1,113\n"
files = {"good.csv": GOOD, "bad.csv": b"x,y\n1,2\n"}
def listing(name, data, sha=None):
    return {"name": name, "size": len(data), "verdict": "pass",
            "sha256": sha or hashlib.sha256(data).hexdigest()}
polls = {"job-1": 0}
LISTED = ["20261129T100000-aaaa11112222", "20261129T100000-aaaa33334444",
          "20261129T110000-bbbb55556666"]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, obj=None, raw=None, chunked=False):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 7):
                part = body[i:i+7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        self.close_connection = True
    def do_POST(self):
        if self.path.endswith("/cancel"):
            if self.path == "/v1/jobs/st-released/cancel":
                return self.send(409, {"error": {"code": "not_cancellable",
                                                 "message": "the job is released"}})
            return self.send(202, {"id": self.path.split("/")[3], "state": "cancelling"})
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["manifest"].get("project") == "refuse":
            return self.send(400, {"error": {"code": "bad_manifest",
                                             "message": "unknown key \"colour\"\x1b[31m"}})
        with open(dump, "w") as f:
            json.dump(body, f)
        self.send(201, {"id": "job-1", "state": "queued"})
    def do_GET(self):
        p = self.path
        outs = [{"name": "good.csv", "kind": "frequency_table", "verdict": "pass",
                 "summary": "24 cells, none below 10", "released": True, "size": len(GOOD),
                 "sha256": hashlib.sha256(GOOD).hexdigest()},
                {"name": "cells.csv", "kind": "frequency_table", "verdict": "fail",
                 "summary": "identifier column patient_id", "released": False}]
        if p == "/v1/jobs/job-1":
            polls["job-1"] += 1
            st = "running" if polls["job-1"] < 3 else "released"
            return self.send(200, {"id": "job-1", "state": st,
                                   "reason": "all outputs passed\x1b[2J", "outputs": outs,
                                   "run": {"result": "exit", "exit_code": 0, "wall_ms": 812},
                                   "logs": [{"name": "stdout", "size": 12, "state": "held"}],
                                   "report": {"files": [{"file": "out/cells.csv", "verdict": "fail",
                                              "reasons": ["column patient_id is an identifier"]}]}},
                             chunked=True)
        if p == "/v1/jobs/garbage":
            self.wfile.write(b"HELLO THERE\r\n\r\n"); self.close_connection = True; return
        if p == "/v1/jobs/flood":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for i in range(5000):
                self.wfile.write(b"X-Pad-%d: %s\r\n" % (i, b"a" * 64))
            self.wfile.write(b"Content-Length: 2\r\n\r\n{}"); self.close_connection = True; return
        if p == "/v1/jobs/short":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"id\": ")
            self.close_connection = True; return
        if p in ("/v1/jobs/sub", "/v1/jobs/evil"):
            return self.send(200, {"id": p.rsplit("/", 1)[1], "state": "released", "outputs": []})
        if p.startswith("/v1/jobs?"):
            return self.send(200, {"jobs": [{"id": i, "state": "released"} for i in LISTED],
                                   "next": None})
        if p.startswith("/v1/jobs/") and p[len("/v1/jobs/"):] in LISTED:
            return self.send(200, {"id": p[len("/v1/jobs/"):], "state": "held",
                                   "reason": "held for review", "outputs": []})
        if p.startswith("/v1/jobs/st-"):
            st = p[len("/v1/jobs/st-"):]
            run = {"result": "succeeded"}
            if st == "timeout":
                st, run = "failed", {"result": "timed_out"}
            return self.send(200, {"id": "st-" + p[len("/v1/jobs/st-"):], "state": st,
                                   "created_at": "2026-11-29T10:00:00Z", "run": run, "outputs": []})
        if p == "/v1/jobs/forever":
            return self.send(200, {"id": "forever", "state": "running", "outputs": []})
        if p == "/v1/jobs/job-2":
            return self.send(200, {"id": "job-2", "state": "blocked",
                                   "reason": "every output failed the check", "outputs": []})
        if p == "/v1/jobs/job-1/outputs":
            return self.send(200, {"outputs": [listing("good.csv", GOOD),
                                               listing("bad.csv", files["bad.csv"], "0" * 64)]})
        if p == "/v1/jobs/sub/outputs":
            return self.send(200, {"outputs": [listing("tables/good.csv", GOOD)]})
        if p == "/v1/jobs/sub/outputs/tables%2Fgood.csv":
            return self.send(200, raw=GOOD)
        if p == "/v1/jobs/evil/outputs":
            return self.send(200, {"outputs": [listing("../evil.csv", GOOD)]})
        if p.startswith("/v1/jobs/job-1/outputs/"):
            name = p.rsplit("/", 1)[1]
            if name in files:
                return self.send(200, raw=files[name])
        self.send(404, {"error": {"code": "not_found", "message": "no such job"}})

class S(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
if os.path.exists(sock): os.unlink(sock)
S(sock, H).serve_forever()
PY

SOCK="$T/fake.sock"
$PY "$T/fake.py" "$SOCK" "$T/upload.json" 2>"$T/fake.log" &
SRV_PID=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "fake trexd listening" test -S "$SOCK"

"$TREX" --help >"$T/help" 2>&1
expect_eq "--help exits 0" 0 $?
check "--help lists every verb" sh -c "grep -q submit '$T/help' && grep -q fetch '$T/help' && grep -q 'exit status' '$T/help'"
"$TREX" >/dev/null 2>&1
expect_eq "no verb: usage error 2" 2 $?
"$TREX" frobnicate >/dev/null 2>&1
expect_eq "unknown verb: 2" 2 $?
"$TREX" --socket "$SOCK" status 'job/../x' >/dev/null 2>&1
expect_eq "job id with a slash: 2" 2 $?
"$TREX" --socket "$T/nothing.sock" status job-1 2>"$T/err"
expect_eq "no daemon: exit 4 (unreachable)" 4 $?
check "no daemon: says so" grep -q "cannot reach trexd" "$T/err"

# a job folder with code, a subfolder, a dotfile and a symlink
J="$T/job"
mkdir -p "$J/lib" "$J/.git"
printf '{"project":"P1","dataset":"snds-synth","runtime":"python3","command":["python3","a.py"]}' >"$J/manifest.json"
printf 'print(1)\n' >"$J/a.py"
printf 'x = 2\n' >"$J/lib/util.py"
printf 'secret\n' >"$J/.env"
printf 'ref\n' >"$J/.git/HEAD"
ln -s /etc/passwd "$J/passwd"
id=$(TREX_SOCKET="$SOCK" "$TREX" submit "$J/manifest.json" 2>"$T/err")
expect_eq "submit exits 0" 0 $?
expect_eq "submit prints the job id" job-1 "$id"
got=$($PY -c '
import json,sys,base64
b=json.load(open(sys.argv[1]))
print(" ".join(sorted(b["files"])), base64.b64decode(b["files"]["lib/util.py"]).decode().strip(), b["manifest"]["project"])
' "$T/upload.json")
expect_eq "upload: code files only (no manifest, dotfiles, symlinks)" "a.py lib/util.py x = 2 P1" "$got"

printf '{"permit_id": "p-1"}\n' >"$J/permit.json"
"$TREX" --socket "$SOCK" submit "$J/manifest.json" --permit "$J/permit.json" >/dev/null 2>"$T/err"
expect_eq "submit --permit exits 0" 0 $?
got=$($PY -c '
import json,sys
b=json.load(open(sys.argv[1]))
print(" ".join(sorted(b["files"])), json.loads(b["permit"])["permit_id"])
' "$T/upload.json")
expect_eq "permit sent as text beside the bundle, not as code" "a.py lib/util.py p-1" "$got"
"$TREX" --socket "$SOCK" submit "$J/manifest.json" --permit "$T/none.json" >/dev/null 2>&1
expect_eq "missing permit file: 2" 2 $?
rm -f "$J/permit.json"

printf '{"project":"refuse"}' >"$T/bad.json"
"$TREX" --socket "$SOCK" submit "$T/bad.json" "$J" 2>"$T/err"
expect_eq "refused submit: exit 1" 1 $?
check "refusal names the server's code" grep -q "bad_manifest" "$T/err"
check "refusal text is escaped" sh -c "! grep -q \"$(printf '\033')\" '$T/err' && grep -q 'x1b' '$T/err'"
printf '{"project":' >"$T/broken.json"
"$TREX" --socket "$SOCK" submit "$T/broken.json" "$J" 2>"$T/err"
expect_eq "unparsable manifest: 2" 2 $?

"$TREX" --socket "$SOCK" wait job-1 --timeout 30 >"$T/wait" 2>&1
expect_eq "wait on a job that gets released: 0" 0 $?
check "wait prints the final state" grep -q "state: *released" "$T/wait"
check "status shows each output's verdict" sh -c "grep -q 'good.csv.*verdict=pass RELEASED' '$T/wait' && grep -q 'cells.csv.*verdict=fail not released' '$T/wait'"
check "status shows the checker's reasons" grep -q "why: column patient_id is an identifier" "$T/wait"
check "status shows held logs" grep -q "stdout (12 bytes, held)" "$T/wait"
check "server text escaped in status" sh -c "! grep -q \"$(printf '\033')\" '$T/wait'"
"$TREX" --socket "$SOCK" wait job-2 >/dev/null 2>&1
expect_eq "wait on a blocked job: 12" 12 $?
"$TREX" --socket "$SOCK" status job-1 --json >"$T/json"
check "status --json is JSON" $PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["id"]=="job-1"' "$T/json"
"$TREX" --socket "$SOCK" status nope >/dev/null 2>"$T/err"
expect_eq "unknown job: exit 1" 1 $?

for bad in garbage flood short; do
	"$TREX" --socket "$SOCK" status $bad >/dev/null 2>"$T/err"
	expect_eq "malformed answer ($bad): exit 1" 1 $?
done
check "malformed status line reported" sh -c "\"$TREX\" --socket '$SOCK' status garbage 2>&1 | grep -q 'malformed HTTP answer'"
check "header flood reported" sh -c "\"$TREX\" --socket '$SOCK' status flood 2>&1 | grep -q 'too large'"
check "truncated body reported" sh -c "\"$TREX\" --socket '$SOCK' status short 2>&1 | grep -q 'middle of its answer'"

"$TREX" --socket "$SOCK" fetch --no-verify job-1 good.csv -o "$T/out" >/dev/null 2>"$T/err"
expect_eq "fetch a released file: 0" 0 $?
expect_eq "fetched bytes" "$(printf 'age_band,sex,n\n0-17,1,113\n' | sha256sum)" "$(sha256sum <"$T/out/good.csv")"
expect_eq "fetched file mode 0644" 644 "$(stat -c %a "$T/out/good.csv")"
"$TREX" --socket "$SOCK" fetch --no-verify job-1 bad.csv -o "$T/out" >/dev/null 2>"$T/err"
expect_eq "fetch with a wrong sha256: 1" 1 $?
check "wrong sha256 reported, nothing written" sh -c "grep -q SHA-256 '$T/err' && ! ls '$T/out' | grep -q bad"
"$TREX" --socket "$SOCK" fetch --no-verify evil -o "$T/out2" >/dev/null 2>"$T/err"
expect_eq "unsafe output name from server: 1" 1 $?
check "unsafe name: nothing written" sh -c "[ ! -e '$T/evil.csv' ] && [ ! -e '$T/out2' ]"
mkdir -p "$T/out3" "$T/elsewhere"
ln -s "$T/elsewhere" "$T/out3/tables"
"$TREX" --socket "$SOCK" fetch --no-verify sub -o "$T/out4" >/dev/null 2>"$T/err"
expect_eq "fetch an output in a subfolder: 0" 0 $?
check "subfolder output written under -o" cmp -s "$T/out4/tables/good.csv" "$T/out/good.csv"
"$TREX" --socket "$SOCK" fetch --no-verify sub -o "$T/out3" >/dev/null 2>"$T/err"
expect_eq "subfolder that is a symlink in the target: refused" 1 $?
check "nothing written through the symlink" test ! -e "$T/elsewhere/good.csv"
"$TREX" --socket "$SOCK" fetch --no-verify job-1 missing.csv -o "$T/out" >/dev/null 2>&1
expect_eq "fetch a name that is not released: 1" 1 $?
"$TREX" --socket "$SOCK" outputs job-1 >"$T/outs"
check "outputs lists name, size and sha256" grep -q "^good.csv	26	$(printf 'age_band,sex,n\n0-17,1,113\n' | sha256sum | cut -d' ' -f1)	pass" "$T/outs"

# --- issue 17: exit codes, --json, prefixes, config, -o -, plain errors ---
"$TREX" --version >"$T/o.txt" 2>&1
expect_eq "--version: exit 0" 0 $?
check "--version prints trex's version" grep -q '^trex [0-9]' "$T/o.txt"
check "--help documents the exit codes" sh -c "grep -q '^  12  wait, run --local: blocked' '$T/help' && grep -q '^   4  trexd could not be reached' '$T/help' && grep -q '^   5  wait: --timeout' '$T/help'"
"$TREX" sumbit x 2>"$T/err"
expect_eq "a mistyped verb: 2" 2 $?
check "... with a suggestion" grep -q "did you mean 'submit'" "$T/err"
"$TREX" --socket "$SOCK" status job-1 --bogus 2>"$T/err"
expect_eq "an unknown verb option: 2" 2 $?
check "... named" grep -q "unknown option --bogus" "$T/err"
for st in released:0 partially_released:10 held:11 blocked:12 rejected:12 failed:13 timeout:14 timed_out:14 cancelled:15 refused:13; do
	"$TREX" --socket "$SOCK" wait "st-${st%%:*}" >/dev/null 2>"$T/err"
	expect_eq "wait on a job that ends ${st%%:*}: exit ${st#*:}" "${st#*:}" $?
done
"$TREX" --socket "$SOCK" wait forever --timeout=1 >/dev/null 2>"$T/err"
expect_eq "wait --timeout passed: exit 5" 5 $?
check "... shows the state with the time, a plain line off a terminal" grep -q '^\[ *0:0[0-9]\] running$' "$T/err"
check "... and says the job goes on" grep -q "not finished after 1 s" "$T/err"
"$TREX" --socket "$SOCK" wait forever --timeout nope >/dev/null 2>&1
expect_eq "wait --timeout not a number: 2" 2 $?
"$TREX" --socket "$SOCK" --json wait st-held >"$T/json" 2>/dev/null
expect_eq "wait --json: the exit code still says held" 11 $?
check "... and stdout is the job as JSON" $PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["state"]=="held"' "$T/json"

"$TREX" --socket "$SOCK" status bbbb >"$T/o.txt" 2>"$T/err"
expect_eq "a unique prefix of the random part: 0" 0 $?
check "... resolves to the job" grep -q "^job 20261129T110000-bbbb55556666" "$T/o.txt"
"$TREX" --socket "$SOCK" status 20261129T11 >"$T/o.txt" 2>"$T/err"
expect_eq "a unique prefix of the id: 0" 0 $?
"$TREX" --socket "$SOCK" status aaaa >/dev/null 2>"$T/err"
expect_eq "an ambiguous prefix: 2" 2 $?
check "... says how many match" grep -q "aaaa is ambiguous: 2 jobs match" "$T/err"
"$TREX" --socket "$SOCK" status zzzz >/dev/null 2>"$T/err"
expect_eq "a prefix of no job: 1" 1 $?
check "... says so" grep -q "no job zzzz" "$T/err"

"$TREX" --socket "$SOCK" cancel st-running >"$T/o.txt" 2>"$T/err"
expect_eq "cancel: 0" 0 $?
check "... says it is being cancelled" grep -q "job st-running: cancelling" "$T/o.txt"
"$TREX" --socket "$SOCK" cancel st-released >/dev/null 2>"$T/err"
expect_eq "cancel an ended job: 1" 1 $?
check "... trexd's reason, plain" grep -q "not_cancellable): the job is released" "$T/err"
"$TREX" --socket "$SOCK" cancel --json st-running >"$T/json" 2>/dev/null
check "cancel --json" $PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["state"]=="cancelling"' "$T/json"

"$TREX" --socket "$SOCK" submit "$T/bad.json" "$J" 2>"$T/err"
check "a refusal reads as plain text: quotes are quotes" grep -q 'unknown key "colour"' "$T/err"
check "... control characters still escaped" sh -c "! grep -q \"$(printf '\033')\" '$T/err' && grep -q 'x1b' '$T/err'"

"$TREX" --socket "$SOCK" --json list >"$T/json"
check "list --json: the jobs" $PY -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["jobs"])==3' "$T/json"
"$TREX" --socket "$SOCK" outputs job-1 --json >"$T/json"
check "outputs --json" $PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["outputs"][0]["name"]=="good.csv"' "$T/json"
"$TREX" --socket "$SOCK" fetch --no-verify job-1 good.csv -o - >"$T/stdout.csv" 2>"$T/err"
expect_eq "fetch -o -: 0" 0 $?
check "... the checked bytes on stdout" cmp -s "$T/stdout.csv" "$T/out/good.csv"
"$TREX" --socket "$SOCK" fetch --no-verify job-1 -o - >/dev/null 2>"$T/err"
expect_eq "fetch -o - of a job with two outputs and no name: 2" 2 $?
"$TREX" --socket "$SOCK" fetch --no-verify job-1 good.csv --json -o "$T/out5" >"$T/json" 2>&1
check "fetch --json lists what it wrote" $PY -c 'import json,sys; f=json.load(open(sys.argv[1]))["files"][0]; assert f["name"]=="good.csv" and f["size"]==26' "$T/json"

mkdir -p "$T/cfg/trex"
printf '{"socket": "%s"}\n' "$SOCK" >"$T/cfg/trex/config.json"
XDG_CONFIG_HOME="$T/cfg" TREX_SOCKET= "$TREX" status st-released >/dev/null 2>"$T/err"
expect_eq "the socket from ~/.config/trex/config.json: 0" 0 $?
XDG_CONFIG_HOME="$T/cfg" "$TREX" --socket "$T/nothing.sock" status st-released >/dev/null 2>&1
expect_eq "... --socket wins over it" 4 $?
printf '{"sockett": "%s"}\n' "$SOCK" >"$T/cfg/bad.json"
"$TREX" --config "$T/cfg/bad.json" status st-released >/dev/null 2>"$T/err"
expect_eq "a config file with an unknown key: 2" 2 $?
check "... names the file and key, and suggests" grep -q "bad.json: unknown key \"sockett\" (did you mean \"socket\"?)" "$T/err"
printf '{"socket": \n' >"$T/cfg/broken.json"
"$TREX" --config "$T/cfg/broken.json" status st-released >/dev/null 2>"$T/err"
expect_eq "an unparsable config file: 2" 2 $?
check "... with its line and column" grep -q "broken.json:2:" "$T/err"
"$TREX" --config "$T/cfg/none.json" status st-released >/dev/null 2>"$T/err"
expect_eq "a --config file that does not exist: 2" 2 $?

# --json on the offline verbs too (permit), getopt_long forms
"$TREX" permit keygen --json "$T/ap.key" "$T/ap.pub" >"$T/json"
check "permit keygen --json" $PY -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["key_id"])==64' "$T/json"
cat >"$T/p.unsigned" <<JSON
{"permit_id": "PERMIT-J", "project": "P1", "researchers": ["alice"], "datasets": ["d"],
 "runtimes": ["shell"], "policy": "default", "valid_from": "2020-01-01T00:00:00Z",
 "valid_until": "2099-01-01T00:00:00Z", "strict": false}
JSON
"$TREX" permit sign --key="$T/ap.key" "$T/p.unsigned" --output "$T/p.permit"
expect_eq "permit sign --key=FILE --output FILE (getopt_long forms): 0" 0 $?
"$TREX" --json permit show "$T/p.permit" >"$T/json"
check "permit show --json: the permit" $PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["permit_id"]=="PERMIT-J"' "$T/json"
"$TREX" permit verify "$T/p.permit" --key "$T/ap.pub" --json >"$T/json"
check "permit verify --json" $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["valid"] is True and d["permit_id"]=="PERMIT-J"' "$T/json"
"$TREX" permit verify "$T/p.permit" --bogus >/dev/null 2>&1
expect_eq "permit verify --bogus: 2" 2 $?

# bash completion (agent/trex.bash): verbs, options, job ids from trex list
complete_words() {
	bash -c '. "$1"; trex() { "$TREX_BIN" "$@"; }; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _trex; echo "${COMPREPLY[*]}"' \
		_ "$TREX_ROOT/agent/trex.bash" "$@"
}
export TREX_BIN="$TREX"
expect_eq "completion: a verb" "submit status" "$(complete_words trex s)"
expect_eq "completion: a verb's options" "--state --since" "$(complete_words trex list --s)"
expect_eq "completion: job ids from trex list, through --socket" "20261129T110000-bbbb55556666" \
	"$(complete_words trex --socket "$SOCK" status 20261129T11)"
expect_eq "completion: review's actions" "list" "$(complete_words trex review li)"
done_testing
