# A parse error quoting data: the declared table's header repeats a
# column named after an identifier.
rows = [l.rstrip("\n").split(",") for l in open("/data/patients.csv")][1:]
pid = rows[0][0]
with open("/output/t.csv", "w") as f:
    f.write("%s,n,%s\nx,12,1\n" % (pid, pid))
