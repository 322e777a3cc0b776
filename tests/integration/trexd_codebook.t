#!/bin/sh
# Datasets described (docs/datasets.md): GET /v1/datasets[/NAME], `trex
# datasets`, `trex dummy`. The derived codebook is egress to researchers,
# so this suite is a hostile researcher's: a category seen fewer times than
# the policy's threshold, every identifier, an extreme outlier and a
# precise date must not be in what trexd serves; a codebook file in the
# index folder that is not the format is never served; an operator's
# codebook is checked at load (file and key) and served as written; a job
# written against `trex dummy`'s files runs unchanged on the real data.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root check sandbox
trexd_init trexd-codebook
TREX="$BIN/trex --socket $SOCK"

# the dataset: 300 patients; region "Rareville" in 9 rows (one below the
# default pack's threshold of 10), "Tenton" in exactly 10 (shown); one
# income of 987654321 among 20000-60000; birth dates with their days;
# visits keyed by the same 64-hex patient ids, with a digits identifier
mkdir -p "$T/data/sub"
python3 - "$T/data" <<'EOF'
import random, sys
random.seed(7)
d = sys.argv[1]
with open(d + "/patients.csv", "w") as f, open(d + "/ids.txt", "w") as ids:
    f.write("patient_id,sex,region,income,birth,note\n")
    for i in range(300):
        pid = "%064x" % (0xC0FFEE000 + i * 7919)
        ids.write(pid + "\n")
        region = "Rareville" if i < 9 else "Tenton" if i < 19 else random.choice(["north", "south", "east"])
        income = 987654321 if i == 150 else random.randint(20000, 60000)
        f.write("%s,%d,%s,%d,19%02d-%02d-%02d,free text %d\n" % (pid, random.choice([1, 2]), region,
                income, random.randint(40, 99), random.randint(1, 12), random.randint(1, 28), i))
with open(d + "/sub/visits.csv", "w") as f:
    f.write("visit_id,patient_id,cost\n")
    for i in range(900):
        f.write("%d,%s,%.2f\n" % (500000 + i, "%064x" % (0xC0FFEE000 + random.randrange(300) * 7919),
                                  random.uniform(10, 500)))
EOF
mv "$T/data/ids.txt" "$T/ids.txt"
chmod -R a+rX "$T/data"
DS="\"synth\": {\"path\": \"$T/data\", \"id_columns\": [\"patient_id\", \"visit_id\"]}"
trexd_config_write '"concurrency": 1' '"require_permit": false' "\"datasets\": {$DS}"
check "trexd starts" trexd_start

expect_eq "GET /v1/datasets: the datasets, whose codebook is derived" \
	'200 {"datasets":[{"name":"synth","codebook":"derived"}]}' "$(api_get /v1/datasets) $(cat "$TREXD_BODY")"
expect_eq "GET /v1/datasets/synth: 200" 200 "$(api_get /v1/datasets/synth)"
cp "$TREXD_BODY" "$T/cb.json"
# leaks FILE NAME: FILE holds no identifier, no rare category, no
# outlier (exact or rounded) and no full date of the dataset
leaks() {
	if grep -q -i -e Rareville -e 987654 -e 990000000 -e 98765 "$1" ||
		grep -q -F -f "$T/ids.txt" "$1" || grep -q -E '"[0-9]{4}-[0-9]{2}-[0-9]{2}' "$1" ||
		grep -q -E '5000[0-9]{2}' "$1"; then
		not_ok "$2" "$(cat "$1")"
	else
		ok "$2"
	fi
}
leaks "$T/cb.json" "the codebook holds no identifier, rare category, outlier or date"
col() { python3 -c 'import json,sys
cb = json.load(open(sys.argv[1]))["codebook"]
f = [f for f in cb["files"] if f["name"] == sys.argv[2]][0]
c = [c for c in f["columns"] if c["name"] == sys.argv[3]][0]
print(json.dumps(c, sort_keys=True))' "$T/cb.json" "$@"; }
expect_eq "an identifier column: its form only" \
	'{"format": "hex", "length": 64, "missing": false, "name": "patient_id", "type": "identifier"}' \
	"$(col patients.csv patient_id)"
expect_eq "an identifier column of digits: its form only" \
	'{"format": "digits", "length": 6, "missing": false, "name": "visit_id", "type": "identifier"}' \
	"$(col sub/visits.csv visit_id)"
expect_eq "a category below the threshold withheld, one at it shown, said by the rule" \
	'{"missing": false, "name": "region", "suppressed": "threshold", "type": "string", "values": ["Tenton", "east", "north", "south"]}' \
	"$(col patients.csv region)"
expect_eq "small categories all shown: no rule said" \
	'{"missing": false, "name": "sex", "type": "integer", "values": ["1", "2"]}' "$(col patients.csv sex)"
R=$(col patients.csv income)
python3 -c 'import json,sys; c=json.loads(sys.argv[1]); lo,hi=c["range"]
sys.exit(0 if c["type"]=="integer" and 20000<=lo<=25000 and 55000<=hi<=60000 and lo%1000==0 and hi%1000==0 else 1)' "$R" &&
	ok "an outlier is not the range's bound: the 10th largest, rounded to 2 digits" ||
	not_ok "an outlier is not the range's bound" "$R"
R=$(col patients.csv birth)
python3 -c 'import json,sys; c=json.loads(sys.argv[1]); lo,hi=c["range"]
sys.exit(0 if c["type"]=="date" and len(lo)==7 and len(hi)==7 and "1940-01"<=lo<hi<="1999-12" else 1)' "$R" &&
	ok "a date column: a range of months" || not_ok "a date column: a range of months" "$R"
expect_eq "free text: its type only" '{"missing": false, "name": "note", "type": "string"}' \
	"$(col patients.csv note)"
expect_eq "rows rounded to 2 digits, files below the folder named by their path" "300 900" \
	"$(python3 -c 'import json,sys; print(" ".join(str(f["rows"]) for f in json.load(open(sys.argv[1]))["codebook"]["files"]))' "$T/cb.json")"

# trex datasets
$TREX datasets >"$T/out" 2>&1
expect_eq "trex datasets: the names" "0 synth  codebook: derived" "$? $(cat "$T/out")"
$TREX datasets synth >"$T/out" 2>&1
expect_eq "trex datasets synth: exit 0" 0 $?
grep -q '^  region  string  values: Tenton, east, north, south (+ categories seen fewer than 10 times, not shown)$' "$T/out" &&
	ok "trex datasets synth: the withheld categories said" || not_ok "trex datasets NAME text" "$(cat "$T/out")"
grep -q '^  patient_id  identifier (hex, 64 characters; values never shown)$' "$T/out" &&
	ok "trex datasets synth: identifiers described, never shown" || not_ok "identifier line" "$(cat "$T/out")"
grep -q '^sub/visits.csv  about 900 rows$' "$T/out" && ok "trex datasets synth: files and rows" ||
	not_ok "files and rows" "$(cat "$T/out")"
leaks "$T/out" "trex datasets synth shows nothing withheld"
$TREX datasets synth --json >"$T/out.json"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a != b)' \
	"$T/out.json" "$T/cb.json" && ok "trex datasets NAME --json: trexd's answer" || not_ok "--json" "$(cat "$T/out.json")"
$TREX datasets synht >"$T/out" 2>&1
expect_eq "a wrong name: 1, the valid ones listed" \
	'1 trex: trexd refused (HTTP 404 unknown_dataset): unknown dataset "synht" (did you mean "synth"?); valid datasets: synth' \
	"$? $(cat "$T/out")"

# trex dummy: the same files, columns, types
$TREX dummy synth -o "$T/dummy" --rows 200 >"$T/out" 2>&1
expect_eq "trex dummy: exit 0, the files and their rows" \
	"0 $T/dummy/patients.csv  67 rows
$T/dummy/sub/visits.csv  200 rows" "$? $(cat "$T/out")"
for f in patients.csv sub/visits.csv; do
	expect_eq "dummy $f: the real header" "$(head -1 "$T/data/$f")" "$(head -1 "$T/dummy/$f")"
done
python3 - "$T/dummy" "$T/cb.json" <<'EOF' && ok "dummy values: of each column's type, inside its domain and range; visits join patients" || not_ok "dummy values" "see above"
import csv, json, re, sys
cb = json.load(open(sys.argv[2]))["codebook"]
ids = {}
for f in cb["files"]:
    rows = list(csv.DictReader(open(sys.argv[1] + "/" + f["name"])))
    for c in f["columns"]:
        for r in rows:
            v = r[c["name"]]
            if v == "":
                assert c["missing"], c
                continue
            if c["type"] == "identifier":
                assert (re.fullmatch("[0-9a-f]{%d}" % c["length"], v) if c["format"] == "hex"
                        else re.fullmatch("[0-9]{%d}" % c["length"], v)), (c, v)
                ids.setdefault((f["name"], c["name"]), set()).add(v)
            elif "values" in c:
                assert v in c["values"], (c, v)
            elif c["type"] == "integer":
                assert c["range"][0] <= int(v) <= c["range"][1], (c, v)
            elif c["type"] == "number":
                assert c["range"][0] <= float(v) <= c["range"][1], (c, v)
            elif c["type"] == "date":
                assert re.fullmatch(r"\d{4}-\d\d-\d\d", v) and c["range"][0] <= v[:7] <= c["range"][1], (c, v)
assert ids[("sub/visits.csv", "patient_id")] <= ids[("patients.csv", "patient_id")]
assert len(ids[("patients.csv", "patient_id")]) == 67
EOF
# bash completion (agent/trex.bash): the verbs, dataset names from trex datasets
complete_words() {
	bash -c '. "$1"; trex() { "$TREX_BIN" "$@"; }; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _trex; echo "${COMPREPLY[*]}"' \
		_ "$TREX_ROOT/agent/trex.bash" "$@"
}
export TREX_BIN="$BIN/trex"
expect_eq "completion: the verbs" "datasets dummy doctor" "$(complete_words trex d)"
expect_eq "completion: dataset names, through --socket" "synth" "$(complete_words trex --socket "$SOCK" dummy sy)"
expect_eq "completion: dummy's options" "--rows" "$(complete_words trex dummy synth --r)"
$TREX dummy synth -o "$T/dummy" >"$T/out" 2>&1
expect_eq "trex dummy into a folder that holds files: refused" \
	"1 trex: $T/dummy is not empty (it holds patients.csv): give a new or empty folder" "$? $(cat "$T/out")"
$TREX dummy synth >"$T/out" 2>&1
expect_eq "trex dummy without -o: usage" "2 trex dummy: missing -o DIR (a new or empty folder)" "$? $(head -1 "$T/out")"

# a job developed on the dummy runs unchanged on the real data
JOB='awk -F, "NR>1{n[\$2]++} END{print \"sex,n\"; for (s in n) print s \",\" n[s]}" /data/patients.csv | sort -r >/output/by_sex.csv'
mkdir -p "$T/local/output" && ln -s "$T/dummy" "$T/local/data"
sh -c "$(echo "$JOB" | sed "s|/data/|$T/local/data/|; s|/output/|$T/local/output/|")" &&
	expect_eq "the job on the dummy: a table by sex" "sex,n" "$(head -1 "$T/local/output/by_sex.csv")"
CMD=$(python3 -c 'import json,sys; print(json.dumps(["sh","-c",sys.argv[1]]))' "$JOB")
ID=$(api_submit P synth shell "$CMD" '[{"path":"by_sex.csv","kind":"frequency_table","dimensions":["sex"],"count":"n"}]')
check "the same job on the real data ends" api_wait_job "$ID"
expect_eq "... released" released "$(api_field state)"

# the served codebook is only ever the format: a file changed in the
# index folder (by anyone who could) is not served
CBF=$(ls "$T"/state/idindex/*/codebook.json)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["files"][0]["columns"][0]["values"]=["LEAKED"]; json.dump(d, open(sys.argv[1], "w"))' "$CBF"
expect_eq "a codebook that is not the format is refused, its content not shown" \
	'500 {"error":{"code":"internal","message":"the codebook of dataset synth is not in the codebook format"}}' \
	"$(api_get /v1/datasets/synth) $(cat "$TREXD_BODY")"
trexd_stop

# who may read codebooks: every role (an auditor here); a caller the
# configuration does not know, nothing
chmod 777 "$T"
rm -rf "$T"/state/idindex/* # the changed file: built again
trexd_config_write '"concurrency": 1' '"require_permit": false' "\"datasets\": {$DS}" \
	'"users": {"root": {"uid": 0, "roles": ["operator"]}, "aud": {"uid": 1200, "roles": ["auditor"]}}'
check "trexd starts with users" trexd_start
expect_eq "an auditor reads the codebook" 200 "$(api_as 1200 GET /v1/datasets/synth)"
expect_eq "a caller the configuration does not know: 403" "403 unknown_user" \
	"$(api_as 1300 GET /v1/datasets/synth) $(api_field error.code)"
expect_eq "... nor the list" 403 "$(api_as 1300 GET /v1/datasets)"
trexd_stop

# the threshold is the configured pack's, read from policy_dir as the
# checker's pack is (a profile only policy_dir has): 20 withholds Tenton
mkdir -p "$T/packs"
cp "$TREX_ROOT"/policies/disclosure/*.json "$T/packs/"
echo '{"profile": "default", "name": "base20", "version": "1", "safe_threshold": 20}' >"$T/packs/base20.json"
echo '{"profile": "base20"}' >"$T/packs/k20.json"
TREXD_POLICY_DIR=$T/packs trexd_config_write '"concurrency": 1' '"require_permit": false' \
	'"policy": "k20"' "\"datasets\": {$DS}"
check "trexd starts with a pack of threshold 20" trexd_start
api_get /v1/datasets/synth >/dev/null
cp "$TREXD_BODY" "$T/cb.json"
expect_eq "the pack's threshold: a category of 10 rows withheld too" \
	'20 {"missing": false, "name": "region", "suppressed": "threshold", "type": "string", "values": ["east", "north", "south"]}' \
	"$(api_field codebook.threshold) $(col patients.csv region)"
trexd_stop

# the operator's codebook: checked at load, served as written
mkdir -p "$T/cb"
cat >"$T/cb/synth.json" <<'EOF'
{"format": "TREXCB1", "description": "SNDS-like extract",
 "files": [{"name": "patients.csv", "rows": 1000, "columns": [
   {"name": "patient_id", "type": "identifier", "format": "hex", "length": 64},
   {"name": "sex", "type": "integer", "values": ["1", "2"], "description": "1 male, 2 female"},
   {"name": "age", "type": "integer", "range": [0, 110]}]}]}
EOF
trexd_config_write '"require_permit": false' \
	"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": [\"patient_id\"], \"codebook\": \"$T/cb/synth.json\"}}"
check "trexd starts with an operator's codebook" trexd_start
api_get /v1/datasets/synth >/dev/null
expect_eq "the operator's codebook, as written (source said)" \
	'{"description": "SNDS-like extract", "files": [{"columns": [{"format": "hex", "length": 64, "name": "patient_id", "type": "identifier"}, {"description": "1 male, 2 female", "name": "sex", "type": "integer", "values": ["1", "2"]}, {"name": "age", "range": [0, 110], "type": "integer"}], "name": "patients.csv", "rows": 1000}], "format": "TREXCB1", "source": "operator"}' \
	"$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["codebook"], sort_keys=True))' "$TREXD_BODY")"
api_get /v1/datasets >/dev/null
expect_eq "listed as the operator's" '{"datasets":[{"name":"synth","codebook":"operator"}]}' "$(cat "$TREXD_BODY")"
$TREX dummy synth -o "$T/dummy2" --rows 5 >/dev/null 2>&1
expect_eq "trex dummy from the operator's codebook" "patient_id,sex,age 6" \
	"$(head -1 "$T/dummy2/patients.csv") $(wc -l <"$T/dummy2/patients.csv")"
trexd_stop
# bad ones: the config file and line, the codebook file and key
LINE=$(grep -n '"datasets"' "$TREXD_CONF" | cut -d: -f1)
n_err() { "$BIN/trexd" -n --config "$TREXD_CONF" 2>&1; }
sed -i 's/"type": "integer", "range"/"type": "date", "range"/' "$T/cb/synth.json"
expect_eq "a date range of numbers: refused naming the column's key" \
	"trexd: $TREXD_CONF:$LINE: datasets.synth.codebook: $T/cb/synth.json: files[0].columns[2].range: a date column's bounds are months \"YYYY-MM\"" \
	"$(n_err)"
sed -i 's/"type": "date", "range"/"typ": "integer", "range"/' "$T/cb/synth.json"
expect_eq "an unknown key: refused, the nearest named" \
	"trexd: $TREXD_CONF:$LINE: datasets.synth.codebook: $T/cb/synth.json: files[0].columns[2]: unknown key \"typ\" (did you mean \"type\"?)" \
	"$(n_err)"
echo '{"format": "TREXCB1", "files": [' >"$T/cb/synth.json"
expect_eq "not JSON: the line" \
	"trexd: $TREXD_CONF:$LINE: datasets.synth.codebook: $T/cb/synth.json:2: ']' expected near end of file" \
	"$(n_err)"

done_testing
