# The legitimate analysis: patients by age band and sex, every count far
# above any threshold. Its table must still reach the researcher.
import collections

rows = [l.rstrip("\n").split(",") for l in open("/data/patients.csv")][1:]
n = collections.Counter((r[1], r[2]) for r in rows)
with open("/output/age_sex.csv", "w") as f:
    f.write("age_band,sex,n\n")
    for a in ["0-17", "18-39", "40-64", "65-79", "80-plus"]:
        for s in ["F", "M"]:
            f.write("%s,%s,%d\n" % (a, s, n[(a, s)]))
