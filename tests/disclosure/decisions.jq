# Every file entry's "decisions" (docs/CONTRACTS.md section 2) against its
# cells and verdict; prints one line per problem, nothing when all hold.
# $rules and $actions: the vocabulary of common/sdcvocab.c.
.files[] | . as $f |
(($f.cells // []) | group_by([.rule, .action])
	| map({rule: .[0].rule, action: .[0].action, cells: length})) as $cc |
(if ($f.decisions | type) != "array" then "\($f.file): no decisions array" else empty end),
(if $f.decisions != ($f.decisions | sort_by(.rule, .action) | unique_by([.rule, .action]))
	then "\($f.file): decisions not sorted and distinct" else empty end),
(if [$f.decisions[] | select(.cells > 0)] != $cc
	then "\($f.file): decisions do not count the cells: \($f.decisions) vs \($cc)" else empty end),
($f.decisions[] | select((.rule | IN($rules[])) | not) | "\($f.file): rule \(.rule) not in the vocabulary"),
($f.decisions[] | select((.action | IN($actions[])) | not) | "\($f.file): action \(.action) not in the vocabulary"),
(if ($f.verdict == "review" or $f.verdict == "fail") and
	([$f.decisions[] | select(.action == $f.verdict)] | length) == 0
	then "\($f.file): verdict \($f.verdict) without a decision for it" else empty end),
(if $f.verdict == "pass" and
	([$f.decisions[] | select(.action == "review" or .action == "fail")] | length) > 0
	then "\($f.file): passes with a review or fail decision" else empty end)
