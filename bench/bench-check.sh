#!/bin/sh
# Disclosure check benchmark (make bench-check): one hyperfine run comparing
#   trex-check  --kind magnitude_table ... --json --out DIR big.csv
#   /usr/bin/python3 bench/acro_like.py big.csv OUT.csv OUT.json  (pandas)
# on the same generated magnitude table (ROWS cells, long format, two
# largest contributions per cell): threshold, (2, 0.9)-dominance, p% 10.
# Both write the released copy and a per-cell report; the script first
# checks that the two released copies are byte-identical (same decisions),
# then writes machine, commands and medians into the "Disclosure check"
# section of bench/BENCHMARKS.md (other sections untouched).
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) CHK="$BUILD/trex-check" ;; *) CHK="$ROOT/$BUILD/trex-check" ;; esac
ROWS=${ROWS:-200000}
RUNS=${RUNS:-10}
PY=/usr/bin/python3
OUT="$ROOT/bench/BENCHMARKS.md"
W=$(mktemp -d /tmp/trex-bench-chk.XXXXXX)
trap 'rm -rf "$W"' EXIT

# deterministic table: ROWS cells over dimensions a x b
$PY - "$W/big.csv" "$ROWS" <<'PY'
import random, sys
random.seed(20261129)
path, rows = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("a,b,cost,n,top1,top2\n")
    for k in range(rows):
        n = random.choice([1, 2, 3, 5, 8, 12, 20, 50, 100, 400])
        vals = sorted((random.randint(1, 5000) for _ in range(min(n, 50))), reverse=True)
        total = sum(vals) + (n - len(vals)) * 10
        f.write(f"A{k // 200},B{k % 200},{total},{n},{vals[0]},{vals[1] if n > 1 else 0}\n")
PY
mkdir -p "$W/trex" "$W/acro"
TREX="$CHK --json --out $W/trex --kind magnitude_table --dimensions a,b --value cost --contributors n --largest top1,top2 $W/big.csv"
ACRO="$PY $ROOT/bench/acro_like.py $W/big.csv $W/acro/big.csv $W/acro/results.json"
$TREX >"$W/trex.json"
$ACRO
if ! cmp -s "$W/trex/big.csv" "$W/acro/big.csv"; then
	echo "bench-check: trex-check and acro_like.py released different tables" >&2
	exit 1
fi

hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$W/h.json" \
	-n trex-check "$TREX" -n acro_like.py "$ACRO"

$PY - "$W/h.json" "$OUT" "$ROWS" "$RUNS" "$W/big.csv" <<'PY'
import json, os, re, subprocess, sys
res, out, rows, runs, big = sys.argv[1:]
r = {x["command"]: x for x in json.load(open(res))["results"]}
def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"
import pandas
hf = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip()
size = os.path.getsize(big) / 1e6
def fmt(x):
    return f"{x['median']*1000:.0f} ms", f"{x['mean']*1000:.0f} ± {x['stddev']*1000:.0f} ms", f"{x['min']*1000:.0f} ms", f"{x['max_rss'] if 'max_rss' in x else '?'}"
lines = ["## Disclosure check", "",
         "`make bench-check` (bench/bench-check.sh): hyperfine -N, 2 warm-ups, "
         f"{runs} runs each, one run of both commands, on one generated magnitude "
         f"table of {int(rows)} cells ({size:.1f} MB CSV: dimensions a x b, value, "
         "contributors, two largest contributions). Both apply threshold 10, "
         "(2, 0.9)-dominance and p% 10, write the released copy (largest columns "
         "dropped, failing cells emptied) and a per-cell report; the script "
         "refuses to time them unless the two released copies are byte-identical.", "",
         f"- machine: {cpu()}, {os.cpu_count()} CPUs",
         f"- tools: {hf}, pandas {pandas.__version__}, /usr/bin/python3",
         "- trex-check: `trex-check --json --out DIR --kind magnitude_table --dimensions a,b --value cost --contributors n --largest top1,top2 big.csv`",
         "- acro_like.py: `python3 bench/acro_like.py big.csv OUT.csv results.json` (pandas, ACRO's rules)", "",
         "| command | median | mean ± σ | min |", "|---|---|---|---|"]
for name in ("trex-check", "acro_like.py"):
    m, mean, mn, _ = fmt(r[name])
    lines.append(f"| {name} | {m} | {mean} | {mn} |")
ratio = r["trex-check"]["median"] / r["acro_like.py"]["median"]
lines += ["", f"Ratio trex-check / acro_like.py (medians): **{ratio:.2f}**.",
          "trex-check also checks what the pandas script trusts: strict CSV (RFC 4180, UTF-8), "
          "unique dimension keys, integer non-negative counts, and its report carries a "
          "reason and parameters per cell (most of its time is building that JSON).", ""]
section = "\n".join(lines)
text = open(out).read() if os.path.exists(out) else "# Benchmarks\n"
pat = re.compile(r"^## Disclosure check\n.*?(?=^## |\Z)", re.S | re.M)
if pat.search(text):
    text = pat.sub(lambda _: section + "\n", text)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(out, "w").write(text)
print(section)
PY
