#!/bin/sh
# A parse error on a bad quote inside a field that holds a whole row.
row=$(sed -n 2p /data/patients.csv | tr ',' ' ')
printf 'label,n\nx,12\n%s"%s,14\n' "$row" "$row" >/output/t.csv
