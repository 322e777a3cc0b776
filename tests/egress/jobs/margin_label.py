# A label the checker quotes: a one-way table with a small (suppressed)
# cell whose largest cell is the sum of the others, an undeclared margin
# the reason names. Its label is a row without its identifier (row 13:
# its note is a canary), so only the quoting can leak it.
rows = [l.rstrip("\n").split(",") for l in open("/data/patients.csv")][1:]
with open("/output/m.csv", "w") as f:
    f.write("grp,n\nA,3\nB,30\nC,40\nD,20\n%s,93\n" % "|".join(rows[13][1:]))
