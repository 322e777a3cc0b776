#!/bin/sh
# The joint check (policies/check/joint.c) on a table too large to join
# (more than 100,000 rows) beside its own margin in a second output: the
# margin gives back every cell hidden alone in its row, and the system
# cannot be built, so the large table is held (suppression_limit) rather
# than released with its cells hidden alone. Checked without the margin,
# the same table leaves, suppressed.
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lib.sh"
. "$TREX_ROOT/tests/lib_check.sh"
check_init joint-large

# 201 x 100 = 20,100 cells (more than one table's suppression takes,
# 20,000), one small cell in row a7: joined, the row's other hidden cell
# is one the margin needs (linked)
table() {
	awk -v na="$1" -v nb="$2" 'BEGIN { print "a,b,n"; for (i = 0; i < na; i++) for (j = 0; j < nb; j++)
		printf "a%d,b%d,%d\n", i, j, (i == 7 && j == 3) ? 4 : 20 + (i * 7 + j * 13) % 50 }' >x.csv
	awk -F, 'NR > 1 { s[$1] += $3 } END { print "a,n"; for (k in s) print k "," s[k] }' x.csv >y.csv
}
cat >m.json <<'J'
{"outputs":[{"path":"x.csv","kind":"frequency_table","dimensions":["a","b"],"count":"n"},
{"path":"y.csv","kind":"frequency_table","dimensions":["a"],"count":"n"}]}
J
table 201 100
mkdir out0
"$CHECK" --json --manifest m.json --out out0 x.csv y.csv >r0.json
expect_eq "20,100 cells beside their margin: joined" "suppressed linked" \
	"$(jq -r '.files[0] | .verdict + " " + ([.decisions[] | select(.action == "secondary") | .rule] | join(","))' r0.json)"

# 401 x 250 = 100,250 cells: more than the joint system takes (100,000)
table 401 250
mkdir out
"$CHECK" --json --manifest m.json --out out x.csv y.csv >r.json
expect_eq "exit status" 0 $?
expect_eq "the large table beside its margin: review" review "$(jq -r '.files[0].verdict' r.json)"
case "$(jq -r '.files[0].reasons[0]' r.json)" in
*"too large to check jointly"*) ok "reason: too large to check jointly" ;;
*) not_ok "reason: too large to check jointly" "$(jq -c '.files[0].reasons' r.json)" ;;
esac
expect_eq "its rule is suppression_limit" suppression_limit \
	"$(jq -r '[.files[0].decisions[] | select(.action == "review") | .rule] | join(",")' r.json)"
check "the large table did not leave" test ! -e out/x.csv

# five tables of 20,100 cells each (one system of 100,701 cells, more than
# it takes): every table that hides a cell is held, none leaves with a
# cell hidden alone beside the margin
for k in 1 2 3 4 5; do
	awk -v k="$k" 'BEGIN { print "a,b,n"; for (i = 0; i < 201; i++) for (j = 0; j < 100; j++)
		printf "a%d,b%d_%d,%d\n", i, k, j, (i == 7 && j == 3) ? 4 : 20 + (i * 7 + j * 13) % 50 }' >x$k.csv
done
cat x1.csv x2.csv x3.csv x4.csv x5.csv | awk -F, 'NR > 1 && $1 != "a" { s[$1] += $3 } END { print "a,n"; for (k in s) print k "," s[k] }' >y.csv
jq -n '{outputs: ([range(1; 6) | {path: "x\(.).csv", kind: "frequency_table", dimensions: ["a", "b"], count: "n"}]
	+ [{path: "y.csv", kind: "frequency_table", dimensions: ["a"], count: "n"}])}' >m5.json
mkdir out5
"$CHECK" --json --manifest m5.json --out out5 x1.csv x2.csv x3.csv x4.csv x5.csv y.csv >r5.json
expect_eq "a system too large: exit status" 0 $?
expect_eq "a system too large: every table that hides a cell held" "review review review review review pass" \
	"$(jq -r '[.files[].verdict] | join(" ")' r5.json)"

# alone (no margin beside it): released with its primary cell hidden
jq '{outputs: [.outputs[0]]}' m.json >m1.json
mkdir out1
"$CHECK" --json --manifest m1.json --out out1 x.csv >r1.json
expect_eq "alone: suppressed" suppressed "$(jq -r '.files[0].verdict' r1.json)"
check "alone: released" test -e out1/x.csv
done_testing
