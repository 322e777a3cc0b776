# Output names built from data: one undeclared file per row named after
# the whole row, long names packing several rows, then more up to the
# collector's 1000 entries; a symlink, a folder, a fifo (when allowed) and
# a file in a folder named after identifiers; the declared output itself a
# symlink to a file named after one; rows in undeclared.csv (a name the
# researcher knows). Exits 0 so everything reaches the collector.
import os

rows = [l.rstrip("\n").split(",") for l in open("/data/patients.csv")][1:]
os.chdir("/output")
for r in rows:
    open(",".join(r), "w").close()
for i in range(0, len(rows), 3):
    name = ";".join(",".join(r) for r in rows[i:i + 3])[:255]
    open(name, "w").close()
n = len(rows) + (len(rows) + 2) // 3
k = 0
while n < 990:
    r = rows[k % len(rows)]
    open("%d %s %s %s" % (k, r[2], r[3], r[4]), "w").close()
    n += 1
    k += 1
os.symlink("/data/patients.csv", rows[0][0])
os.mkdir(rows[1][0])
open(os.path.join(rows[1][0], rows[2][0]), "w").close()
try:
    os.mkfifo(rows[3][0])
except OSError:
    pass  # the seccomp profile refuses mknod: nothing to collect
os.mkdir("/tmp/x")
open("/tmp/x/" + rows[4][0], "w").close()
os.symlink("/tmp/x/" + rows[4][0], "declared.csv")
with open("undeclared.csv", "w") as f:
    f.write("label,n\n" + "".join("%s,12\n" % "|".join(r) for r in rows))
