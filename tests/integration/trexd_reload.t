#!/bin/sh
# SIGHUP: trexd reads its configuration again and switches to it only when
# it is valid; a broken file, or one changing what needs a restart, is
# logged and the old configuration stays in force. trexd -n checks a file.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-reload
mkdir -p "$T/a" "$T/b"
chmod 755 "$T/a" "$T/b"
# datasets CONCURRENCY
config() {
	trexd_config_write '"require_permit": false' "\"concurrency\": $2" "\"datasets\": {$1}"
}
# submit DATASET: prints the HTTP status (the job itself never matters)
submit() {
	printf '{"manifest":{"project":"R","dataset":"%s","runtime":"shell","command":["true"],"outputs":[]},"files":{}}' "$1" >"$T/req.json"
	api_post /v1/jobs "$T/req.json"
}
# hup: SIGHUP, then wait (bounded) for the Nth reload line of the log
hup() {
	before=$(grep -c 'event=config_reload' "$TREXD_LOG")
	kill -HUP "$PID"
	i=0
	while [ $i -lt 100 ] && [ "$(grep -c 'event=config_reload' "$TREXD_LOG")" = "$before" ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

config "\"a\": {\"path\": \"$T/a\", \"id_columns\": []}" 1
check "trexd -n accepts the file" sh -c "'$BIN/trexd' -n --config '$T/trexd.json' | grep -q 'config ok'"
check "trexd starts" trexd_start
expect_eq "dataset b is unknown at first" 400 "$(submit b)"

config "\"a\": {\"path\": \"$T/a\", \"id_columns\": []}, \"b\": {\"path\": \"$T/b\", \"id_columns\": []}" 1
hup
check "SIGHUP: the reload is logged" grep -q 'event=config_reloaded' "$TREXD_LOG"
expect_eq "SIGHUP: dataset b is now accepted" 201 "$(submit b)"

printf '{"state_dir": ' >"$T/trexd.json"
check "trexd -n refuses a broken file" sh -c "! '$BIN/trexd' -n --config '$T/trexd.json' 2>/dev/null"
hup
check "SIGHUP with a broken file: the error is logged" grep -q 'event=config_reload_failed kept=old' "$TREXD_LOG"
expect_eq "... and the old configuration stays: b still accepted" 201 "$(submit b)"

# an id column in none of the dataset's files: the whole reload is refused
printf 'age_band,sex\nSECRET-ROW,F\n' >"$T/b/rows.csv"
chmod 644 "$T/b/rows.csv"
config "\"a\": {\"path\": \"$T/a\", \"id_columns\": []}, \"b\": {\"path\": \"$T/b\", \"id_columns\": []}, \"c\": {\"path\": \"$T/b\", \"id_columns\": [\"patient_id\"]}" 1
check "trexd -n refuses an id column in no file" sh -c "! '$BIN/trexd' -n --config '$T/trexd.json' 2>/dev/null"
hup
check "SIGHUP: refused, naming the dataset, the column and the files" \
	grep -qF "kept=old error=\"dataset c: id column \"patient_id\" is in the header line of none of the 1 *.csv files below $T/b (rows.csv)\"" "$TREXD_LOG"
expect_eq "... and the old configuration stays: c unknown" 400 "$(submit c)"
if grep -q SECRET "$TREXD_LOG"; then not_ok "the log quotes no data"; else ok "the log quotes no data"; fi
config "\"a\": {\"path\": \"$T/a\", \"id_columns\": []}, \"c\": {\"path\": \"$T/b\"}" 1
hup
check "SIGHUP: a dataset without id_columns is refused" \
	grep -q 'kept=old error=".*datasets.c: missing "id_columns"' "$TREXD_LOG"
expect_eq "... and the old configuration stays: b still accepted" 201 "$(submit b)"

config "\"a\": {\"path\": \"$T/a\", \"id_columns\": []}" 2
hup
check "a change that needs a restart is refused" grep -q 'concurrency.* changed: it needs a restart' "$TREXD_LOG"
expect_eq "... and the old configuration stays" 201 "$(submit b)"
expect_eq "trexd still healthy" 200 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://trexd/healthz)"
trexd_stop
expect_eq "trexd stops cleanly after reloads" 0 $?

done_testing
