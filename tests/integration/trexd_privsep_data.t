#!/bin/sh
# The service names datasets, it never reads them (docs/DESIGN.md
# "Privilege separation", issue 16): a dataset the job uids can read and
# the service user cannot (root's, group the service user's with no group
# bits: the service user falls in the group class and gets nothing, a job
# uid, whose only group is its own, gets the "other" bits). A job on it
# with id_columns still runs and is checked against the dataset's
# identifier index, which the monitor builds in trex-sandbox and installs
# under the same rule; a SIGHUP reload still checks the dataset's id
# columns (the monitor's word). Needs root, setpriv.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox check setpriv
trexd_init trexd-privdata
if getent passwd trexd >/dev/null; then
	SU=$(id -u trexd)
	SG=$(id -g trexd)
else
	SU=65533
	SG=65533
fi
JU=200000 # the first job uid of the default uid_range
as() { # as UID GID CMD...: CMD with those credentials and no other group
	local u=$1 g=$2
	shift 2
	setpriv --reuid "$u" --regid "$g" --clear-groups "$@"
}

ID1=3f1c9a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a
mkdir -p "$T/data"
printf 'patient_id,age_band,sex\n%s,20-29,F\n%s,30-39,M\n' "$ID1" \
	9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b >"$T/data/patients.csv"
chown -R "0:$SG" "$T/data"
chmod 0705 "$T/data"
chmod 0604 "$T/data/patients.csv"
DS="\"synth\": {\"path\": \"$T/data\", \"id_columns\": [\"patient_id\"]}"
config() {
	trexd_config_write '"concurrency": 1' '"require_permit": false' "\"datasets\": {$1}"
}
config "$DS"

# the same attempt, two identities: the service user is refused, a job
# uid reads
out=$(as "$SU" "$SG" cat "$T/data/patients.csv" 2>&1)
case $out in
*"Permission denied"*) ok "the service user cannot read the dataset (EACCES)" ;;
*) not_ok "the service user cannot read the dataset (EACCES)" "got: $(echo "$out" | head -c 200)" ;;
esac
out=$(as "$SU" "$SG" ls "$T/data" 2>&1)
case $out in
*"Permission denied"*) ok "... nor list its folder" ;;
*) not_ok "... nor list its folder" "got: $(echo "$out" | head -c 200)" ;;
esac
check "a job uid reads it" sh -c "setpriv --reuid $JU --regid $JU --clear-groups cat '$T/data/patients.csv' | grep -q patient_id"

expect_eq "trexd -n: the configuration holds" "config ok" "$("$BIN/trexd" -n --config "$TREXD_CONF" 2>&1)"
check "--check-host: the dataset is readable by the job uid" sh -c \
	"'$BIN/trexd' --check-host --config '$TREXD_CONF' 2>&1 | grep -Eq '^ok +dataset synth .*readable by job uid $JU'"

check "trexd starts" trexd_start
SVC=$(pgrep -P "$PID" -x trexd | head -1)
expect_eq "the service runs as the service user" "$SU" "$(awk '/^Uid:/ { print $3 }' "/proc/$SVC/status")"

DECL='[{"path":"t.csv","kind":"frequency_table","dimensions":["age_band","sex","note"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}}]'
submit() { api_submit ID synth shell "$1" "$DECL"; }
# a job copies a patient_id from /data into its table: the index, built
# from the dataset the service cannot read, finds it
ID=$(submit '["sh","-c","id=$(sed -n 2p /data/patients.csv | cut -d, -f1); printf \"age_band,sex,n,note\\n20-29,F,40,$id\\n30-39,M,35,\\n\" > /output/t.csv"]')
check "the leaking job ends" api_wait_job "$ID"
expect_eq "... blocked: checked against the identifier index" blocked "$(api_field state)"
case "$(api_field report.files.0.reasons.0)" in
identifier:*) ok "... by the identifier rule" ;;
*) not_ok "... by the identifier rule" "$(head -c 600 "$TREXD_BODY")" ;;
esac
ID=$(submit '["sh","-c","printf \"age_band,sex,n,note\\n20-29,F,40,\\n30-39,M,35,\\n\" > /output/t.csv"]')
check "a clean job on the same dataset ends" api_wait_job "$ID"
expect_eq "... released" released "$(api_field state)"
check "the build was the monitor's, in trex-sandbox" grep -q "event=monitor_id_index_build dataset=synth" "$TREXD_LOG"
if grep -q "id_index.*failed\|Permission denied" "$TREXD_LOG"; then
	not_ok "no build failed" "$(grep "id_index.*failed\|Permission denied" "$TREXD_LOG" | head -3)"
else
	ok "no build failed"
fi

# the index: the monitor's, readable by the job uids, not by the service
K=$(ls "$T/state/idindex" | grep -v '^\.' | head -1)
expect_eq "one index, no build folder left" "1 0" \
	"$(ls "$T/state/idindex" | grep -vc '^\.') $(ls -A "$T/state/idindex" | grep -c '^\.build-')"
expect_eq "STATE/idindex is root's" "755 0" "$(stat -c '%a %u' "$T/state/idindex")"
expect_eq "the index folder: root's, the service's group" "755 0 $SG" \
	"$(stat -c '%a %u %g' "$T/state/idindex/$K")"
expect_eq "... its index and domains without group bits" "604 0 $SG
604 0 $SG" "$(stat -c '%a %u %g' "$T/state/idindex/$K/ids.bin" "$T/state/idindex/$K/domains.json")"
expect_eq "... its codebook (served to researchers) readable" "644 0 $SG" \
	"$(stat -c '%a %u %g' "$T/state/idindex/$K/codebook.json")"
check "the service user reads the codebook" sh -c \
	"setpriv --reuid $SU --regid $SG --clear-groups cat '$T/state/idindex/$K/codebook.json' >/dev/null"
check "the service user cannot read the dataset's domains" sh -c \
	"! setpriv --reuid $SU --regid $SG --clear-groups cat '$T/state/idindex/$K/domains.json' >/dev/null 2>&1"
check "... nor its identifier index" sh -c \
	"! setpriv --reuid $SU --regid $SG --clear-groups cat '$T/state/idindex/$K/ids.bin' >/dev/null 2>&1"
check "... which a job uid can" sh -c \
	"setpriv --reuid $JU --regid $JU --clear-groups cat '$T/state/idindex/$K/domains.json' >/dev/null"

# a trexd killed mid-build leaves idindex/.build-KEY (made here by hand,
# with junk and a link out of it): the next build removes it without
# following the link and installs a fresh index
LEAK='["sh","-c","id=$(sed -n 2p /data/patients.csv | cut -d, -f1); printf \"age_band,sex,n,note\\n20-29,F,40,$id\\n30-39,M,35,\\n\" > /output/t.csv"]'
rm -rf "$T/state/idindex/$K"
mkdir -p "$T/outside" "$T/state/idindex/.build-$K/sub"
echo keep >"$T/outside/f"
echo junk >"$T/state/idindex/.build-$K/ids.bin"
ln -s "$T/outside" "$T/state/idindex/.build-$K/sub/link"
ln -s "$T/outside/f" "$T/state/idindex/.build-$K/domains.json"
ID=$(submit "$LEAK")
check "after a left-over build folder, the leaking job ends" api_wait_job "$ID"
expect_eq "... blocked by a fresh index" blocked "$(api_field state)"
expect_eq "... installed under the same key, no build folder left" "$K 0" \
	"$(ls "$T/state/idindex" | grep -v '^\.') $(ls -A "$T/state/idindex" | grep -c '^\.build-')"
expect_eq "... and what the link pointed to untouched" keep "$(cat "$T/outside/f" 2>&1)"

# SIGHUP: the service cannot read the dataset, the monitor checks it
hup() {
	local before
	before=$(grep -c "event=config_reload" "$TREXD_LOG")
	kill -HUP "$PID"
	local n=0
	while [ "$(grep -c "event=config_reload" "$TREXD_LOG")" = "$before" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}
mkdir -p "$T/data2"
printf 'x\n1\n' >"$T/data2/e.csv"
chown -R "0:$SG" "$T/data2"
chmod 0705 "$T/data2"
chmod 0604 "$T/data2/e.csv"
config "$DS, \"other\": {\"path\": \"$T/data2\", \"id_columns\": []}"
hup
check "a reload naming datasets the service cannot read is in force" \
	grep -q "event=config_reloaded datasets=2" "$TREXD_LOG"
ID=$(api_submit P other shell '["sh","-c","cat /data/e.csv"]' '[]')
check "a job on the added dataset ends" api_wait_job "$ID"
expect_eq "... released" released "$(api_field state)"
# an id column in none of the files: the monitor refuses, the service
# keeps the old configuration too, saying why
config "$DS, \"third\": {\"path\": \"$T/data2\", \"id_columns\": [\"patient_id\"]}"
hup
check "a reload with an id column in no file is refused by both" \
	grep -q "event=config_reload_failed kept=old error=\"dataset third: id column" "$TREXD_LOG"
expect_eq "... and the old configuration stays: third unknown" none \
	"$(api_submit P third shell '["true"]' '[]')"

trexd_stop
expect_eq "trexd stops cleanly" 0 $?
done_testing
