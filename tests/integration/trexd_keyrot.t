#!/bin/sh
# trexd rotate-key (runner/rotate.c, docs/operations.md "Key rotation"):
# a release, a rotation, a release: each manifest verifies with the key it
# names (trex verify), the retired public key is kept root's in
# STATE/keys/, the next start puts the rotation on the audit record with
# the statement the old key signed, and trex audit verify holding only the
# old key follows it to the new one. A manifest naming a key nobody holds,
# or changed after signing, fails with an error that says which. Needs
# root (the sandbox does) and trex-check.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check
trexd_init trexd-keyrot
mkdir -p "$T/data"
printf 'x\n1\n' >"$T/data/d.csv"
chmod 755 "$T/data"
chmod 644 "$T/data/d.csv"
trexd_config_write '"concurrency": 1' '"require_permit": false' \
	"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}"
check "trexd starts" trexd_start

CMD='["sh","-c","echo a,n >/output/t.csv; echo x,120 >>/output/t.csv; echo y,130 >>/output/t.csv"]'
OUTS='[{"path":"t.csv","kind":"frequency_table","dimensions":["a"],"count":"n"}]'
R=$T/state/release/R
A=$(api_submit R synth shell "$CMD" "$OUTS")
check "job A ends" api_wait_job "$A"
expect_eq "job A released" released "$(api_field state)"
api_get /v1/trexd-key >/dev/null
OLD=$(api_field key_id)
# what a researcher or a journal keeps: A's manifest as signed now
cp "$R/$A.release.json" "$T/A.json"
cp "$T/state/trexd.pub" "$T/old.pub"
expect_eq "A's manifest names the key" "$OLD" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key_id"])' "$T/A.json")"

out=$("$BIN/trexd" rotate-key --config "$TREXD_CONF" 2>&1)
expect_eq "no rotation while trexd runs (exit 1)" 1 $?
case "$out" in *"trexd is running"*) ok "... and it says so" ;; *) not_ok "... and it says so" "$out" ;; esac
cmp -s "$T/state/trexd.pub" "$T/old.pub" && ok "... the key unchanged" || not_ok "... the key unchanged"

check "trexd stops" trexd_stop
check "trexd rotate-key" sh -c "'$BIN/trexd' rotate-key --config '$TREXD_CONF' >'$T/rot.out'"
NEW=$(ls "$T/state/keys" | sed -n 's/\.rotation\.json$//p')
[ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && ok "a new key id ($NEW)" || not_ok "a new key id" "[$NEW]"
cmp -s "$T/state/keys/$OLD.pub" "$T/old.pub" && ok "the retired public key kept in keys/OLD.pub" ||
	not_ok "the retired public key kept in keys/OLD.pub"
cmp -s "$T/state/keys/$NEW.pub" "$T/state/trexd.pub" && ok "keys/NEW.pub is the new trexd.pub" ||
	not_ok "keys/NEW.pub is the new trexd.pub"
expect_eq "keys/ and the kept key are root's, readable" "0:0 755 0:0 644" \
	"$(stat -c '%u:%g %a' "$T/state/keys") $(stat -c '%u:%g %a' "$T/state/keys/$OLD.pub")"
expect_eq "trexd.key stays root's 0600" "0:0 600" "$(stat -c '%u:%g %a' "$T/state/trexd.key")"

check "trexd starts with the new key" trexd_start
api_get /v1/trexd-key >/dev/null
expect_eq "trexd serves the new key" "$NEW" "$(api_field key_id)"
expect_eq "keys/ stays root's after the start's chown" "0:0" "$(stat -c '%u:%g' "$T/state/keys/$OLD.pub")"
rotated() {
	python3 - "$T/state/audit.log" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["event"] == "key_rotated":
        print(d["old_key_id"], d["new_key_id"], "signed" if d.get("signature") else "unsigned")
PY
}
expect_eq "the start audits the rotation, old and new key ids, signed" "$OLD $NEW signed" "$(rotated)"

B=$(api_submit R synth shell "$CMD" "$OUTS")
check "job B ends" api_wait_job "$B"
expect_eq "job B released" released "$(api_field state)"
cp "$R/$B.release.json" "$T/B.json"

# trex fetch: trexd signs the manifest anew, with the new key
mkdir -p "$T/dl"
check "trex fetch A with the new key" sh -c \
	"'$BIN/trex' --socket '$SOCK' fetch '$A' -o '$T/dl' --trexd-key '$T/state/trexd.pub' >/dev/null 2>&1"
out=$("$BIN/trex" --socket "$SOCK" fetch "$A" -o "$T/dl" --trexd-key "$T/old.pub" 2>&1)
expect_eq "trex fetch with the retired key: refused, naming both key ids" \
	"1 trex fetch: the release manifest of job $A is not signed by this trexd's key: it names trexd key $(echo "$NEW" | cut -c1-16), the key given or pinned is $(echo "$OLD" | cut -c1-16) (a rotated key? ask the operator)" "$? $out"

V="$BIN/trex verify"
check "A (old key) verifies with keys/OLD.pub" sh -c "$V '$T/A.json' --trexd-key '$T/state/keys/$OLD.pub' >/dev/null"
check "B (new key) verifies with trexd.pub" sh -c "$V '$T/B.json' --trexd-key '$T/state/trexd.pub' >/dev/null"
check "both verify with the folder STATE/keys" sh -c \
	"$V '$T/A.json' --trexd-key '$T/state/keys' >/dev/null && $V '$T/B.json' --trexd-key '$T/state/keys' >/dev/null"
check "A's files are the released ones (--files)" sh -c \
	"$V '$T/A.json' --trexd-key '$T/state/keys' --files '$R/$A' >/dev/null"
out=$($V "$T/A.json" --trexd-key "$T/state/trexd.pub" 2>&1)
expect_eq "A with the new key only: refused (exit 1)" 1 $?
short=$(echo "$OLD" | cut -c1-16)
expect_eq "... naming the key it needs" \
	"trex verify: $T/A.json: signed by trexd key $short, none of the keys given (a retired key: STATE/keys/ID.pub)" "$out"
python3 - "$T/A.json" "$T/unknown.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["key_id"] = "f" * 64
json.dump(d, open(sys.argv[2], "w"))
PY
out=$($V "$T/unknown.json" --trexd-key "$T/state/keys" 2>&1)
expect_eq "a manifest claiming an unknown key id: refused, named" \
	"1 trex verify: $T/unknown.json: signed by trexd key ffffffffffffffff, none of the keys given (a retired key: STATE/keys/ID.pub)" "$? $out"
python3 - "$T/A.json" "$T/changed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["files"][0]["sha256"] = "0" * 64
json.dump(d, open(sys.argv[2], "w"))
PY
out=$($V "$T/changed.json" --trexd-key "$T/state/keys" 2>&1)
expect_eq "a manifest changed after signing: refused" \
	"1 trex verify: $T/changed.json: the signature does not verify with trexd key $short: the manifest was changed after trexd signed it" "$? $out"
echo 'a,n' >"$T/t.csv"
mkdir -p "$T/other" && cp "$T/t.csv" "$T/other/t.csv"
out=$($V "$T/A.json" --trexd-key "$T/state/keys" --files "$T/other" 2>&1)
expect_eq "--files with another file: refused" \
	"1 trex verify: $T/A.json: $T/other/t.csv: not the file the manifest lists (size or SHA-256 differ)" "$? $out"

# the audit log across the rotation
check "trexd stops again" trexd_stop
AV="$BIN/trex audit verify $T/state/audit.log --complete"
check "audit verify with the old key alone follows the rotation" sh -c "$AV --trexd-key '$T/old.pub' >/dev/null"
out=$($AV --trexd-key "$T/state/trexd.pub" 2>&1)
case "$out" in
*"checkpoint signed by trexd key $short, none of the keys given"*) ok "audit verify with the new key alone: the old checkpoints name their key" ;;
*) not_ok "audit verify with the new key alone: the old checkpoints name their key" "$out" ;;
esac
check "audit verify with both keys" sh -c "$AV --trexd-key '$T/state/keys' >/dev/null"
# a rotation statement the old key did not sign: not followed
python3 - "$T/state/audit.log" "$T/forged.log" <<'PY'
import hashlib, json, sys
out, prev, on = [], None, False
for l in open(sys.argv[1]).read().splitlines():
    d = json.loads(l)
    on = on or d["event"] == "key_rotated"
    if on:
        if d["event"] == "key_rotated":
            d["rotated_at"] = "2030-01-01T00:00:00Z"
        d["prev"] = prev
        l = json.dumps(d, separators=(",", ":"))
    out.append(l)
    prev = hashlib.sha256(l.encode()).hexdigest()
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
out=$("$BIN/trex" audit verify "$T/forged.log" --trexd-key "$T/old.pub" 2>&1)
case "$out" in
*"the rotation is not signed by the key it retires"*) ok "a forged rotation line is refused" ;;
*) not_ok "a forged rotation line is refused" "$out" ;;
esac

# a second start with the same key: no second rotation line
check "trexd starts again" trexd_start
check "trexd stops" trexd_stop
expect_eq "one key_rotated line" 1 "$(rotated | wc -l)"

# backup keeps the retired keys; restore verifies the log with them
check "backup" sh -c "'$BIN/trexd' backup --config '$TREXD_CONF' '$T/bk' >/dev/null"
check "... holds keys/OLD.pub" test -s "$T/bk/keys/$OLD.pub"
check "restore verifies the log across the rotation" sh -c \
	"'$BIN/trexd' restore --state-dir '$T/restored' '$T/bk' >/dev/null"
done_testing
