#!/bin/sh
# A dataset declares its id columns (an explicit [] when it has none), in a
# file or with the quick start's --id-columns, and each must be a column of
# its files: `trexd -n` and trexd at start refuse one that is in the header
# line of none of its *.csv files, naming the dataset, the column and the
# files looked at, and never a data value (SIGHUP: trexd_reload.t). The
# quick start's id columns reach the identifier check (needs root, the
# sandbox and trex-check for that part).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-datasets
ID1=5e0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3f1c9a0b7d2e4f6a
mkdir -p "$T/data/sub"
printf 'patient_id,age_band,sex\n%s,20-29,F\n' "$ID1" >"$T/data/patients.csv"
printf 'visit,patient_id\nSECRET-VISIT,%s\n' "$ID1" >"$T/data/sub/visits.csv"
chmod -R a+rX "$T/data"
# conf ID_COLUMNS_MEMBER: the suite's config, dataset synth with that member
conf() {
	trexd_config_write '"require_permit": false' '"concurrency": 1' \
		"\"datasets\": {\"synth\": {\"path\": \"$T/data\"$1}}"
}
# n ARG...: `trexd -n ARG...`, stdout and stderr in $T/n.out; its status
n() { "$BIN/trexd" -n "$@" >"$T/n.out" 2>&1; }
# no_data NAME: $T/n.out quotes nothing from the dataset's rows
no_data() {
	if grep -q -e "$ID1" -e SECRET -e 20-29 "$T/n.out"; then not_ok "$1" "$(cat "$T/n.out")"; else ok "$1"; fi
}
MISSING="dataset synth: id column \"pid\" is in the header line of none of the 2 *.csv files below $T/data (patients.csv, sub/visits.csv)"

conf ', "id_columns": ["patient_id"]'
n --config "$TREXD_CONF"
expect_eq "an id column in the files: config ok" "0 config ok" "$? $(cat "$T/n.out")"
conf ', "id_columns": []'
n --config "$TREXD_CONF"
expect_eq "no id column, said: config ok" "0 config ok" "$? $(cat "$T/n.out")"

conf
n --config "$TREXD_CONF"
expect_eq "id_columns left out: refused, naming the dataset" \
	"1 trexd: $TREXD_CONF:7: datasets.synth: missing \"id_columns\" (an explicit [] when the dataset has no identifier column)" \
	"$? $(cat "$T/n.out")"

conf ', "id_columns": ["patient_id", "pid"]'
n --config "$TREXD_CONF"
expect_eq "trexd -n: a column in no file, which dataset, column and files" "1 trexd: $MISSING" "$? $(cat "$T/n.out")"
no_data "trexd -n quotes no data"
rm -f "$SOCK"
"$BIN/trexd" --config "$TREXD_CONF" >"$T/n.out" 2>&1
expect_eq "trexd refuses to start with it" "1 trexd: $MISSING" "$? $(cat "$T/n.out")"
check "... and never listened" test ! -e "$SOCK"

# the header line is all that is read, and it is bounded
mkdir -p "$T/wide"
python3 -c 'import sys; sys.stdout.write("c," * 40000 + "patient_id\n1\n")' >"$T/wide/w.csv"
trexd_config_write "\"datasets\": {\"w\": {\"path\": \"$T/wide\", \"id_columns\": [\"patient_id\"]}}"
n --config "$TREXD_CONF"
expect_eq "a header line over 64 KiB is an error naming its file" \
	"1 trexd: dataset w: $T/wide/w.csv: header line longer than 65536 bytes" "$? $(cat "$T/n.out")"

# the quick start says its id columns too
QS="--state-dir $T/state --socket $SOCK"
n $QS --dataset "synth=$T/data"
expect_eq "quick start: --dataset alone is refused" \
	"1 trexd: --dataset synth: no --id-columns synth=COL[,COL...] (--id-columns synth= when it has no identifier column)" \
	"$? $(cat "$T/n.out")"
n $QS --dataset "synth=$T/data" --id-columns synth=
expect_eq "quick start: --id-columns NAME= says none" "0 config ok" "$? $(cat "$T/n.out")"
n $QS --dataset "synth=$T/data" --id-columns synth=patient_id,visit
expect_eq "quick start: columns of the files" "0 config ok" "$? $(cat "$T/n.out")"
n $QS --dataset "synth=$T/data" --id-columns synth=patient_id,pid
expect_eq "quick start: a column in no file" "1 trexd: $MISSING" "$? $(cat "$T/n.out")"
no_data "quick start: trexd -n quotes no data"
n $QS --dataset "synth=$T/data" --id-columns synth= --id-columns other=x
expect_eq "quick start: --id-columns of no dataset" "1 trexd: --id-columns other: no --dataset other=PATH" \
	"$? $(cat "$T/n.out")"
"$BIN/trexd" --help | grep -q -- '--id-columns NAME=\[COL\[,COL...\]\]' && ok "--help documents --id-columns" ||
	not_ok "--help documents --id-columns"

# the quick start's id columns are the ones the identifier check uses
if [ "$(id -u)" = 0 ] && [ -x "$BIN/trex-sandbox" ] && [ -x "$BIN/trex-check" ]; then
	check "quick start with id columns starts" trexd_start $QS --dataset "synth=$T/data" --id-columns synth=patient_id
	ID=$(api_submit Q synth shell \
		'["sh","-c","id=$(sed -n 2p /data/patients.csv | cut -d, -f1); printf \"age_band,n,note\\n20-29,40,$id\\n30-39,35,\\n\" > /output/t.csv"]' \
		'[{"path":"t.csv","kind":"frequency_table","dimensions":["age_band"],"count":"n"}]')
	check "leaking job ends" api_wait_job "$ID"
	expect_eq "the identifier check caught it" "blocked identifier leak" \
		"$(api_field state) $(api_field outputs.0.summary)"
	trexd_stop
fi

done_testing
