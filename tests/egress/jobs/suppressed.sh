#!/bin/sh
# Suppressed cells carrying data: a one-way table whose cells g1..g3 hold
# cost % 7 + 3 of the data rows N..N+2 (3 to 9: each suppressed by the
# threshold rule) and g4..g6 large counts. The released copy blanks
# g1..g3; nothing else may give their values back.
i=${1#r}
awk -F, -v i="$i" 'NR >= i + 2 && NR <= i + 4 { split($4, c, "."); printf "g%d,%d\n", NR - i - 1, c[1] % 7 + 3 }' \
	/data/patients.csv >/tmp/small
{
	echo "grp,n"
	cat /tmp/small
	printf 'g4,50\ng5,60\ng6,70\n'
} >/output/groups.csv
