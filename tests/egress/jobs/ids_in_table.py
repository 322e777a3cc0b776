# Identifiers in tables: whole identifiers as a dimension (ids.csv; the
# identifier check must fail it without echoing them) and identifiers
# inside labels (inlabel.csv, "pt:ID/age").
rows = [l.rstrip("\n").split(",") for l in open("/data/patients.csv")][1:]
with open("/output/ids.csv", "w") as f:
    f.write("patient,n\n")
    for r in rows[:40]:
        f.write("%s,15\n" % r[0])
with open("/output/inlabel.csv", "w") as f:
    f.write("who,n\n")
    for r in rows[40:80]:
        f.write("pt:%s/%s,15\n" % (r[0], r[1]))
