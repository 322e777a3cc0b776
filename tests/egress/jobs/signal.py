# A signal chosen by data: the job kills itself with signal
# [10, 12, 14][cost % 3] of the data row rN (dataset.py's signal).
import os
import sys

i = int(sys.argv[1][1:])
rows = [l.rstrip("\n").split(",") for l in open("/data/patients.csv")][1:]
whole = int(rows[i][3].split(".")[0])
sys.stdout.flush()
os.kill(os.getpid(), [10, 12, 14][whole % 3])
