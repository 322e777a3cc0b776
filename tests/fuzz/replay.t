#!/bin/sh
# Replays every fuzz target's corpus (seeds and past crashes) under gcc.
. "$TREX_ROOT/tests/lib.sh"
rc=0
for r in "$BIN"/tests/fuzz/replay_*; do
	[ -x "$r" ] || continue
	case "$r" in *.o|*.d) continue ;; esac
	name=${r##*/replay_}
	dir="$TREX_ROOT/tests/fuzz/corpus/$name"
	if [ ! -d "$dir" ] || [ -z "$(ls "$dir")" ]; then
		not_ok "fuzz corpus for $name exists" "no seeds in $dir"
		continue
	fi
	out=$("$r" "$dir" 2>&1)
	st=$?
	n=$(echo "$out" | grep -c '^ok ')
	if [ $st -eq 0 ] && ! echo "$out" | grep -q '^not ok'; then
		ok "fuzz replay $name ($n inputs)"
	else
		not_ok "fuzz replay $name" "$(echo "$out" | tail -5)"
		rc=1
	fi
done
done_testing
