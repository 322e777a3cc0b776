#!/bin/sh
# Disclosure suite: every folder in cases/ is a small table with verdicts and
# cells derived by hand. The real trex-check runs in a copy of the folder
# (cwd = the folder, as trexd runs it) with the arguments in `args` plus
# --json --out out; each line of `expect` is one test:
#   exit N                 exit status
#   verdict V              overall verdict
#   file F V               verdict of file F
#   rows F ACTION R,R|-    exactly these rows of F carry ACTION (- = none)
#   rule F ROW RULE        row ROW of F has a decision by RULE
#   released F             out/F is byte-identical to F.released
#   withheld F             out/F was not written
#   stderr TEXT            stderr contains TEXT
#   reason F TEXT          a reason of F contains TEXT
#   summary F TEXT         F's summary contains TEXT
#   margins F              margins_check.py: out/F keeps the true totals and
#                          no margin equation hides a single cell
#   recover DIMS TOTALS T  joint_recover.py: out/ and previous/ solved as one
#                          system recover no hidden value in (0, T) exactly
#                          (TOTALS: total codes, comma separated, - for none)
#   jq FILE EXPR VALUE     `jq -c EXPR FILE` (FILE in the run folder, e.g.
#                          stdout) prints VALUE; EXPR has no spaces
#   absent TEXT            neither stdout nor stderr contains TEXT (an
#                          identifier must never be echoed)
# Every case also runs a second time with every file's cells built as text
# (TREX_CHECK_CELLS_AS_TEXT) and its stdout must be byte-identical to the
# first run's, where --json alone lets trex-check keep a table and stream
# its cells at the end (main.c check_keep_cells). That run also writes the
# SACRO Viewer export (--acro-json), which must hold exactly the released
# copies, checksummed, with the viewer's highlights on exactly the cells
# they hide (acro/sacro_check.py invariant), and no export when the run
# fails.
# Every case is also run with --whole (no streaming check, policies/check/
# stream.c): exit status, stdout, stderr and the released files must be the
# same bytes, whichever path checked each table.
# A case with a dataset/ folder first gets ids.bin, the identifier index of
# dataset/ over the columns listed in its id_columns file (none when it has
# no such file), and domains.json, the dataset's category domains.
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lib.sh"
CHECK="$BIN/trex-check"
TREX_POLICY_DIR="$TREX_ROOT/policies/disclosure"
export TREX_POLICY_DIR
WORK=$(mktemp -d /tmp/trex-disclosure.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

[ -x "$CHECK" ] || { not_ok "trex-check built" "$CHECK missing"; done_testing; exit 1; }

# the vocabulary trexd shows (common/sdcvocab.c): every decision of every
# case must use it, and agree with the file's cells and verdict
vocab() {
	sed -n "/^const char \*const sdc_vocab_$1\[\] = {/,/^};/p" "$TREX_ROOT/common/sdcvocab.c" |
		grep -o '^[^/]*' | grep -o '"[^"]*"' | jq -sc .
}
RULES=$(vocab rules)
ACTIONS=$(vocab actions)
[ "$(echo "$RULES" | jq length)" -gt 20 ] || not_ok "vocabulary read" "rules: $RULES"
[ "$(echo "$ACTIONS" | jq length)" -eq 6 ] || not_ok "vocabulary read" "actions: $ACTIONS"

for dir in "$TREX_ROOT"/tests/disclosure/cases/*/; do
	name=$(basename "$dir")
	w="$WORK/$name"
	cp -r "$dir" "$w"
	mkdir -p "$w/out"
	if [ -d "$w/dataset" ]; then
		(cd "$w" && "$CHECK" --build-id-index dataset --id-columns "$(cat id_columns 2>/dev/null)" \
			--out ids.bin --domains-out domains.json >/dev/null 2>build.err) ||
			not_ok "$name: identifier index" "$(cat "$w/build.err")"
	fi
	# shellcheck disable=SC2046
	(cd "$w" && eval "set -- $(cat args)" && "$CHECK" --json --out out "$@" >stdout 2>stderr)
	rc=$?
	mkdir -p "$w/out.text"
	(cd "$w" && eval "set -- $(cat args)" && TREX_CHECK_CELLS_AS_TEXT=1 \
		"$CHECK" --json --out out.text "$@" --acro-json acro.text >stdout.text 2>/dev/null)
	rct=$?
	if cmp -s "$w/stdout" "$w/stdout.text"; then ok "$name: report streamed = report built"; else
		not_ok "$name: report streamed = report built" "$(cmp "$w/stdout" "$w/stdout.text" 2>&1)"; fi
	if [ "$rct" = 0 ]; then
		/usr/bin/python3 "$TREX_ROOT/tests/disclosure/acro/sacro_check.py" invariant \
			"$w/acro.text" "$w/stdout.text" "$w" "$w/out.text" >"$w/acro.tap" 2>&1 ||
			echo "not ok|$name: sacro_check.py ran|$(tail -1 "$w/acro.tap")" >>"$w/acro.tap"
		while IFS='|' read -r res test why; do
			if [ "$res" = ok ]; then ok "$test"; else not_ok "$test" "$why"; fi
		done <"$w/acro.tap"
	elif [ -e "$w/acro.text" ]; then
		not_ok "$name: a failed run leaves no export" "acro.text exists"
	else
		ok "$name: a failed run leaves no export"
	fi
	mkdir -p "$w/out.whole"
	# shellcheck disable=SC2046
	(cd "$w" && eval "set -- $(cat args)" && "$CHECK" --whole --json --out out.whole "$@" \
		>stdout.whole 2>stderr.whole)
	rcw=$?
	if [ "$rc" = "$rcw" ] && cmp -s "$w/stdout" "$w/stdout.whole" &&
		cmp -s "$w/stderr" "$w/stderr.whole" && diff -r "$w/out" "$w/out.whole" >/dev/null; then
		ok "$name: streamed and whole-table checks agree"
	else
		not_ok "$name: streamed and whole-table checks agree" \
			"exit $rc/$rcw; $(diff "$w/stdout.whole" "$w/stdout" | head -5 | tr '\n' '|') $(diff -r "$w/out.whole" "$w/out" 2>&1 | head -3 | tr '\n' '|')"
	fi
	if [ "$rc" = 0 ]; then
		why=$(jq -r --argjson rules "$RULES" --argjson actions "$ACTIONS" \
			-f "$TREX_ROOT/tests/disclosure/decisions.jq" "$w/stdout" 2>&1)
		if [ -z "$why" ]; then ok "$name: decisions agree with cells and verdicts"; else
			not_ok "$name: decisions agree with cells and verdicts" "$(echo "$why" | head -3 | tr '\n' '|')"; fi
	fi
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in ''|'#'*) continue ;; esac
		set -- $line
		what=$1
		shift
		case "$what" in
		exit) expect_eq "$name: exit $1" "$1" "$rc" ;;
		verdict)
			expect_eq "$name: verdict $1" "$1" "$(jq -r .verdict "$w/stdout" 2>/dev/null)" ;;
		file)
			expect_eq "$name: $1 verdict $2" "$2" \
				"$(jq -r --arg f "$1" '.files[] | select(.file == $f) | .verdict' "$w/stdout" 2>/dev/null)" ;;
		rows)
			got=$(jq -r --arg f "$1" --arg a "$2" \
				'[.files[] | select(.file == $f) | .cells[] | select(.action == $a) | .row] | unique | if length == 0 then "-" else map(tostring) | join(",") end' \
				"$w/stdout" 2>/dev/null)
			expect_eq "$name: $1 $2 rows" "$3" "$got" ;;
		rule)
			got=$(jq -r --arg f "$1" --argjson r "$2" --arg u "$3" \
				'[.files[] | select(.file == $f) | .cells[] | select(.row == $r and .rule == $u)] | length' \
				"$w/stdout" 2>/dev/null)
			if [ "${got:-0}" -ge 1 ]; then ok "$name: $1 row $2 rule $3"; else not_ok "$name: $1 row $2 rule $3" "no such decision"; fi ;;
		released)
			if cmp -s "$w/out/$1" "$w/$1.released"; then ok "$name: released $1"; else
				not_ok "$name: released $1" "$(diff "$w/$1.released" "$w/out/$1" 2>&1 | head -20 | tr '\n' '|')"; fi ;;
		withheld)
			if [ ! -e "$w/out/$1" ]; then ok "$name: $1 withheld"; else not_ok "$name: $1 withheld" "out/$1 exists"; fi ;;
		stderr)
			if grep -qF -- "$*" "$w/stderr"; then ok "$name: stderr has '$*'"; else
				not_ok "$name: stderr has '$*'" "stderr: $(head -c 300 "$w/stderr")"; fi ;;
		reason|summary)
			f=$1
			shift
			key=reasons
			[ "$what" = summary ] && key=summary
			got=$(jq -r --arg f "$f" ".files[] | select(.file == \$f) | .$key | if type == \"array\" then join(\"|\") else . end" "$w/stdout" 2>/dev/null)
			case "$got" in *"$*"*) ok "$name: $what of $f has '$*'" ;; *) not_ok "$name: $what of $f has '$*'" "got: $got" ;; esac ;;
		margins)
			if why=$(/usr/bin/python3 "$TREX_ROOT/tests/disclosure/margins_check.py" "$w/m.json" "$w/$1" "$w/out/$1" 2>&1); then
				ok "$name: margins of released $1"
			else
				not_ok "$name: margins of released $1" "$(echo "$why" | head -5 | tr '\n' '|')"
			fi ;;
		recover)
			# joint_recover.py: the released copies and previous/ solved
			# together recover no small hidden value exactly
			prev=""
			[ -d "$w/previous" ] && prev="$w/previous"
			# shellcheck disable=SC2086
			if why=$(/usr/bin/python3 "$TREX_ROOT/tests/disclosure/joint_recover.py" "$1" "${2#-}" "$3" "$w" "$w/out" $prev 2>&1); then
				ok "$name: nothing recovered from the released copies together"
			else
				not_ok "$name: nothing recovered from the released copies together" "$(echo "$why" | head -5 | tr '\n' '|')"
			fi ;;
		jq)
			got=$(jq -c "$2" "$w/$1" 2>&1)
			expect_eq "$name: jq $2 on $1" "$3" "$got" ;;
		absent)
			if grep -qF -- "$*" "$w/stdout" "$w/stderr"; then not_ok "$name: '$*' not echoed" "found"; else
				ok "$name: '$*' not echoed"; fi ;;
		*) not_ok "$name: bad expect line: $line" ;;
		esac
	done <"$dir/expect"
done
done_testing
