#!/bin/sh
# One reader of the disclosure policy format: what `trexd -n` accepts,
# trex-check accepts, with the same errors for what it refuses. A pack that
# names a profile and overrides values ("profile plus overrides") is
# resolved by trexd with trex-check's reader and handed to the checker as
# one self-contained object (checkin/policy.json), so the job's check runs
# with exactly the values trexd validated. Needs root (the sandbox does)
# and trex-check.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check
trexd_init trexd-policy
mkdir -p "$T/data" "$T/packs"
printf 'age_band,sex\n20-29,F\n' >"$T/data/patients.csv"
chmod 755 "$T/data"
chmod 644 "$T/data/patients.csv"
cp "$TREX_ROOT/policies/disclosure/default.json" "$T/packs/"
# the shipped default with a threshold of 5 instead of 10
printf '{"profile": "default", "name": "lenient", "version": "1", "safe_threshold": 5}\n' \
	>"$T/packs/lenient.json"
# trexd_conf POLICY: the suite's configuration with that pack
trexd_conf() {
	TREXD_POLICY_DIR=$T/packs trexd_config_write '"concurrency": 1' '"require_permit": false' \
		"\"policy\": \"$1\"" "\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}"
}
# trexd_n: `trexd -n` on the suite's configuration, its stderr in $T/n.err
trexd_n() { "$BIN/trexd" -n --config "$TREXD_CONF" >/dev/null 2>"$T/n.err"; }
# check_pack NAME: trex-check with that pack of $T/packs on a passing table,
# its stderr in $T/c.err
check_pack() {
	printf 'age_band,n\n20-29,40\n30-39,35\n' >"$T/ok.csv"
	TREX_POLICY_DIR="$T/packs" "$BIN/trex-check" --policy "$1" --kind frequency_table \
		--dimensions age_band --count n "$T/ok.csv" >/dev/null 2>"$T/c.err"
}

trexd_conf lenient
check "trexd -n accepts profile plus overrides" trexd_n
check "trex-check accepts the same pack" check_pack lenient

check "trexd starts" trexd_start
# a cell of 7: under the default's threshold (10), over the pack's (5)
ID=$(api_submit P synth shell '["sh","-c","printf \"age_band,n\\n20-29,7\\n30-39,35\\n\" > /output/t.csv"]' \
	'[{"path":"t.csv","kind":"frequency_table","dimensions":["age_band"],"count":"n","bins":{"age_band":[20,30,40]}}]')
check "job ends" api_wait_job "$ID"
expect_eq "the check ran with the pack's overrides: released" "released pass" \
	"$(api_field state) $(api_field outputs.0.verdict)"
expect_eq "the report names the pack and its threshold" "lenient 1 5" \
	"$(api_field report.policy.name) $(api_field report.policy.version) $(api_field report.policy.safe_threshold)"
P=$T/state/jobs/$ID/checkin
expect_eq "checkin/policy.json is self-contained (no profile, resolved values)" "lenient 5 None" \
	"$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["name"], p["safe_threshold"], p.get("profile"))' "$P/policy.json")"
expect_eq "no pack file is shipped beside it" "manifest.json policy.json t.csv" "$(ls "$P" | tr '\n' ' ' | sed 's/ $//')"
trexd_stop

# what trex-check refuses, trexd -n refuses, with the same message
# refused NAME TEXT: a pack NAME holding TEXT, in the folder, not configured
refused() {
	printf '%s\n' "$2" >"$T/packs/$1.json"
	trexd_conf default
	if trexd_n; then
		not_ok "trexd -n refuses pack $1" "accepted"
	else
		ok "trexd -n refuses pack $1"
	fi
	if check_pack "$1"; then
		not_ok "trex-check refuses pack $1" "accepted"
	else
		ok "trex-check refuses pack $1"
	fi
	expect_eq "pack $1: the same error" "$(sed 's/^trex-check: //' "$T/c.err")" "$(sed 's/^trexd: //' "$T/n.err")"
	rm -f "$T/packs/$1.json"
}
refused typo '{"profile": "default", "name": "typo", "version": "1", "safe_treshold": 5}'
refused unnamed '{"profile": "default", "safe_threshold": 5}'
refused nobase '{"profile": "nosuch", "name": "nobase", "version": "1"}'
refused badvalue '{"name": "badvalue", "version": "1", "safe_nk_k": 2}'
refused loop '{"profile": "loop"}'

# the configured pack itself
printf '{"profile": "default", "name": "lenient", "version": "1", "safe_threshold": 0}\n' \
	>"$T/packs/lenient.json"
trexd_conf lenient
if trexd_n; then not_ok "trexd -n refuses a bad configured pack" "accepted"; else ok "trexd -n refuses a bad configured pack"; fi
expect_eq "it names the pack's file and key" \
	"trexd: $T/packs/lenient.json: 'safe_threshold' must be between 1 and 1000000" "$(cat "$T/n.err")"

done_testing
