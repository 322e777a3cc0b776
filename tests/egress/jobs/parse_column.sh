#!/bin/sh
# A declaration the file does not match: the declared dimension is absent
# and the header is a row of data.
sed -n 2p /data/patients.csv >/output/t.csv
echo "a,b,c,d,e,f,g" >>/output/t.csv
