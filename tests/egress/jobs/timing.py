# Run figures carrying data: sleep sleep_tenths x 100 ms, allocate and
# touch alloc_mb MiB, spin the CPU for 300 ms (dataset.py's sleep_tenths
# and alloc_mb of the data row rN).
import sys
import time

i = int(sys.argv[1][1:])
rows = [l.rstrip("\n").split(",") for l in open("/data/patients.csv")][1:]
whole = int(rows[i][3].split(".")[0])
buf = bytearray((150 + whole % 10) << 20)
for p in range(0, len(buf), 4096):
    buf[p] = 1
time.sleep((10 + whole % 5) / 10)
t = time.process_time()
while time.process_time() - t < 0.3:
    pass
