#!/bin/sh
# Temporary files a SIGKILL leaves in the release area (a manifest's
# <id>.release.json.tmp.<pid>, an output copy's .tmp.<name>) are gone after
# the restart, whatever their job's state, and nothing released is lost:
# released files keep their bytes, an intact manifest stays, and a manifest whose write was cut short is
# written again with the same files. Needs root (the sandbox does) and
# trex-check.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check
trexd_init trexd-reltmp
mkdir -p "$T/data"
printf 'x\n1\n' >"$T/data/d.csv"
chmod 755 "$T/data"
chmod 644 "$T/data/d.csv"
trexd_config_write '"concurrency": 1' '"require_permit": false' \
	"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}"
check "trexd starts" trexd_start

CMD='["sh","-c","echo a,n >/output/t.csv; echo x,120 >>/output/t.csv; echo y,130 >>/output/t.csv; cp /output/t.csv /output/x.csv"]'
OUTS='[{"path":"t.csv","kind":"frequency_table","dimensions":["a"],"count":"n"},{"path":"x.csv","kind":"frequency_table","dimensions":["a"],"count":"n"}]'
A=$(api_submit R synth shell "$CMD" "$OUTS")
check "job A ends" api_wait_job "$A"
expect_eq "job A: both tables released" released "$(api_field state)"
B=$(api_submit R synth shell "$CMD" "$OUTS")
check "job B ends" api_wait_job "$B"
expect_eq "job B: both tables released" released "$(api_field state)"
R=$T/state/release/R
check "the manifests are in the release area" test -s "$R/$A.release.json" -a -s "$R/$B.release.json"
cp -a "$R" "$T/before"

# what a SIGKILL in the middle of writes leaves behind
trexd_kill
cp "$R/$A.release.json" "$R/$A.release.json.tmp.4242"   # beside an intact manifest
mv "$R/$B.release.json" "$R/$B.release.json.tmp.4343"   # cut before its rename
echo 'a,n' >"$R/$A/.tmp.t.csv"                           # an output copy cut short
echo 'a,n' >"$R/$B/.tmp.x.csv"                           # and another
check "trexd restarts" trexd_start

# both sides sorted: job ids made in the same second order by their
# random part, not by submission
expect_eq "exactly the released files and manifests are left" \
	"$(printf '%s\n' "./$A.release.json" "./$A/t.csv" "./$A/x.csv" \
		"./$B.release.json" "./$B/t.csv" "./$B/x.csv" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" \
	"$(cd "$R" && find . -type f | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
same=yes
for f in "$A/t.csv" "$A/x.csv" "$B/t.csv" "$B/x.csv" "$A.release.json"; do
	cmp -s "$T/before/$f" "$R/$f" || same="no: $f"
done
expect_eq "released files and the intact manifest are unchanged" yes "$same"
files() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["files"], sort_keys=True))' "$1"; }
expect_eq "the cut-short manifest is written again, same files" "$(files "$T/before/$B.release.json")" "$(files "$R/$B.release.json")"
check "... and signed" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d["signature"]) > 40 else 1)' "$R/$B.release.json"
check "the clean-up is logged" grep -q 'release_tmp_removed count=4 manifests_rewritten=1' "$TREXD_LOG"
expect_eq "the release manifest route still answers" 200 "$(api_get "/v1/jobs/$B/release")"
done_testing
