# A crash with data in its message: an uncaught exception quoting a row
# (the traceback goes to stderr), after writing its declared output.
rows = [l.rstrip("\n") for l in open("/data/patients.csv")][1:]
with open("/output/t.csv", "w") as f:
    f.write("label,n\n%s,12\n" % rows[0].replace(",", " "))
raise RuntimeError("cannot parse row %s" % rows[5])
