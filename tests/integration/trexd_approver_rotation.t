#!/bin/sh
# Rotating an approver's key with an overlap period (issue #18 item 8),
# through a real trexd: approver_keys entries with not_before/not_after,
# both keys trusted during the overlap, the old one refused once its
# not_after has passed (403 permit_key_expired, naming the key id and the
# expiry), a new key not yet trusted before its not_before, each decision
# audited with the key that signed the permit, and the configuration
# errors named by file, line and entry. The edges to the second are
# tests/unit/test_permit.c's (test_key_window): here the bounds are far
# from now, so the suite does not depend on the clock.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root
trexd_init trexd-approver-rotation
mkdir -p "$T/data" "$T/k"

"$BIN/trex" permit keygen "$T/k/old.key" "$T/k/old.pub" >"$T/old.id" &&
	"$BIN/trex" permit keygen "$T/k/new.key" "$T/k/new.pub" >"$T/new.id"
expect_eq "trex permit keygen made two keys" 0 $?
OLD_ID=$(sed -n 's/^key_id //p' "$T/old.id")
NEW_ID=$(sed -n 's/^key_id //p' "$T/new.id")

PAST=2020-01-01T00:00:00Z FUTURE=2090-01-01T00:00:00Z
# conf FILE KEYS_JSON: the configuration with "approver_keys": KEYS_JSON
conf() {
	keep=$TREXD_CONF
	TREXD_CONF=$1
	trexd_config_write "\"sandbox\": \"$T/no-such-sandbox\"" '"require_permit": true' \
		"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
		'"users": {"root": {"uid": 0, "roles": ["researcher", "operator", "auditor"]}}' \
		"\"approver_keys\": $2"
	TREXD_CONF=$keep
}
# the same permit, signed once with each key
cat >"$T/p.unsigned" <<JSON
{"permit_id": "PERMIT-ROT", "project": "P1", "researchers": ["root"], "datasets": ["synth"],
 "runtimes": ["shell"], "policy": "default", "valid_from": "$PAST", "valid_until": "2099-01-01T00:00:00Z",
 "strict": false}
JSON
"$BIN/trex" permit sign --key "$T/k/old.key" "$T/p.unsigned" -o "$T/old.permit" &&
	"$BIN/trex" permit sign --key "$T/k/new.key" "$T/p.unsigned" -o "$T/new.permit"
expect_eq "both permits signed" 0 $?

# submit PERMITFILE: the HTTP status, the answer in $TREXD_BODY
submit() {
	python3 - "$1" >"$T/req.json" <<'PY'
import json, sys
m = {"project": "P1", "dataset": "synth", "runtime": "shell", "command": ["sh", "-c", "true"],
     "outputs": [], "permit": "PERMIT-ROT"}
print(json.dumps({"manifest": m, "files": {"a.sh": ""}, "permit": open(sys.argv[1]).read()}))
PY
	api_post /v1/jobs "$T/req.json"
}
# decisions: the audit log's permit_decision lines, "decision code key_id"
decisions() {
	python3 - "$T/state/audit.log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    f = e.get("fields", e)
    if e.get("event") == "permit_decision" or f.get("event") == "permit_decision":
        print(f.get("decision"), f.get("code") or "-", f.get("key_id"))
PY
}
nck() { "$BIN/trexd" -n --config "$1" 2>&1 | sed 's/^trexd: //' | tail -1; }

# --- configuration errors ------------------------------------------------------
conf "$T/c.json" "[\"$T/k/old.pub\", {\"path\": \"$T/k/old.pub\", \"not_before\": \"$PAST\"}]"
"$BIN/trexd" --config "$T/c.json" >"$T/dup.log" 2>&1
expect_eq "trexd does not start with the same key listed twice (its window would be ambiguous)" 1 $?
expect_eq "... and says which" 1 \
	"$(grep -c "approver key $T/k/old.pub: the same key as $T/k/old.pub (key_id $OLD_ID): list each key once" "$T/dup.log")"
conf "$T/c.json" "[{\"path\": \"$T/k/old.pub\", \"not_after\": \"tomorrow\"}]"
expect_eq "-n: a bound that is not a time names file, line and entry" \
	"$T/c.json:9: approver_keys[0].not_after must be a time YYYY-MM-DDTHH:MM:SSZ (UTC)" \
	"$(nck "$T/c.json")"
conf "$T/c.json" "[{\"path\": \"$T/k/old.pub\", \"until\": \"$FUTURE\"}]"
expect_eq "-n: an unknown key in an entry" \
	"$T/c.json:9: unknown key \"until\" in approver_keys[0] (the keys are path, not_before, not_after)" \
	"$(nck "$T/c.json")"

# --- the overlap: both keys trusted ----------------------------------------------
conf "$TREXD_CONF" "[{\"path\": \"$T/k/old.pub\", \"not_after\": \"$FUTURE\"},
                     {\"path\": \"$T/k/new.pub\", \"not_before\": \"$PAST\"}]"
check "trexd starts with two approver keys and their windows" trexd_start
expect_eq "overlap: the old key's permit is accepted" 201 "$(submit "$T/old.permit")"
expect_eq "overlap: the new key's permit is accepted" 201 "$(submit "$T/new.permit")"
expect_eq "the audit log names the key of each accepted permit" \
	"accepted - $OLD_ID
accepted - $NEW_ID" "$(decisions)"

# --- the old key's not_after passes (set in the past here), SIGHUP --------------
conf "$TREXD_CONF" "[{\"path\": \"$T/k/old.pub\", \"not_after\": \"$PAST\"},
                     {\"path\": \"$T/k/new.pub\", \"not_before\": \"$PAST\"}]"
kill -HUP "$PID"
i=0
while ! grep -q 'event=config_reloaded' "$TREXD_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "after the overlap: the old key's permit is refused, 403 permit_key_expired" \
	"403 permit_key_expired" "$(submit "$T/old.permit") $(api_field error.code)"
expect_eq "... the reason names the key id and its expiry" \
	"permit PERMIT-ROT is signed by approver key $OLD_ID, which expired at $PAST (its not_after in approver_keys): ask the approver for a permit signed with their current key" \
	"$(api_field error.message)"
expect_eq "... the new key's permit is still accepted" 201 "$(submit "$T/new.permit")"
expect_eq "the audit log names the expired key of the refusal" \
	"refused permit_key_expired $OLD_ID
accepted - $NEW_ID" "$(decisions | tail -2)"

"$BIN/trexd" --check-host --config "$TREXD_CONF" >"$T/hc" 2>&1
check "trexd --check-host warns of the expired key, saying what to do" grep -qE \
	"^warn +approver_keys +$T/k/old.pub expired at $PAST \(not_after\): its permits are refused -- remove it from approver_keys" \
	"$T/hc"

# --- a key announced ahead of its not_before -------------------------------------
conf "$TREXD_CONF" "[{\"path\": \"$T/k/old.pub\"},
                     {\"path\": \"$T/k/new.pub\", \"not_before\": \"$FUTURE\"}]"
kill -HUP "$PID"
i=0
while [ "$(grep -c 'event=config_reloaded' "$TREXD_LOG")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "a key before its not_before: 403 permit_key_not_yet_valid" \
	"403 permit_key_not_yet_valid" "$(submit "$T/new.permit") $(api_field error.code)"
expect_eq "... naming the key and when it becomes trusted" \
	"permit PERMIT-ROT is signed by approver key $NEW_ID, which is trusted only from $FUTURE (its not_before in approver_keys)" \
	"$(api_field error.message)"
expect_eq "a key without bounds is trusted as before" 201 "$(submit "$T/old.permit")"

# the permit is the submitter's text: a key_id that is not one is not
# copied into the audit log
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["key_id"]="<not a key id>"; print(json.dumps(p))' \
	"$T/old.permit" >"$T/odd.permit"
expect_eq "a permit naming no real key id: 403 permit_untrusted_key" \
	"403 permit_untrusted_key" "$(submit "$T/odd.permit") $(api_field error.code)"
expect_eq "... audited with an empty key_id" "refused permit_untrusted_key " "$(decisions | tail -1)"

trexd_stop
expect_eq "trexd stops cleanly" 0 $?
PID=
done_testing
