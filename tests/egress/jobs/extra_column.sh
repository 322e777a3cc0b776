#!/bin/sh
# An undeclared column in a declared table: the declared age_band,sex,n
# are a proper aggregate; the extra column carries a whole row per line
# (the identifier inside a field, which today's whole-field check misses).
awk -F, 'NR > 1 { n[$2 "," $3]++; if (!($2 "," $3 in row)) row[$2 "," $3] = $0 }
	END {
		print "age_band,sex,n,detail"
		for (k in n) { r = row[k]; gsub(",", " ", r); print k "," n[k] "," r }
	}' /data/patients.csv | { IFS= read -r h; echo "$h"; sort; } >/output/age_sex.csv
