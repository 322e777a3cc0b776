# A declared text output full of data but without identifiers (which
# would fail it): rows without their patient_id, two of them with a canary
# note. Held for review: the researcher must not see a byte of it; a
# checker must (positive control).
rows = [l.rstrip("\n").split(",") for l in open("/data/patients.csv")][1:]
with open("/output/notes.txt", "w") as f:
    for r in rows[:20]:
        f.write(" ".join(r[1:]) + "\n")
