#!/bin/sh
# Joint disclosure check benchmark (make bench-joint; issue 14 item 8),
# hyperfine -N, each pair side by side in one run:
#  1. a job with 10 linked 50x50 frequency tables (every pair of 5
#     attributes, margins declared): the 10 checked in one run, jointly
#     (policies/check/joint.c), against the 10 checked one run each, alone
#     (what trex-check did before the joint check);
#  2. a job with one 20x20 table in a project with 100 earlier releases
#     (--previous): with them, against without.
# Machine, commands, medians and CPU go into the "Joint disclosure check"
# section of bench/BENCHMARKS.md (other sections untouched).
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) CHK="$BUILD/trex-check" ;; *) CHK="$ROOT/$BUILD/trex-check" ;; esac
RUNS=${RUNS:-10}
PY=/usr/bin/python3
OUT="$ROOT/bench/BENCHMARKS.md"
W=$(mktemp -d /tmp/trex-bench-joint.XXXXXX)
trap 'rm -rf "$W"' EXIT
export TREX_POLICY_DIR="$ROOT/policies/disclosure"

$PY "$ROOT/bench/bench-joint-gen.py" linked "$W/L"
$PY "$ROOT/bench/bench-joint-gen.py" project "$W/P"
# one manifest per table, for the runs alone
for f in "$W"/L/t_*.csv; do
	b=$(basename "$f" .csv)
	jq --arg p "$b.csv" '{outputs: [.outputs[] | select(.path == $p)]}' "$W/L/manifest.json" >"$W/L/$b.json"
done
cat >"$W/alone.sh" <<SH
set -e
cd "$W/L"
for f in t_*.csv; do "$CHK" --json --no-sync --manifest "\${f%.csv}.json" --out o1 "\$f" >/dev/null; done
SH
mkdir -p "$W/L/o" "$W/L/o1" "$W/P/o" "$W/P/o1"
(cd "$W/L" && "$CHK" --json --no-sync --manifest manifest.json --out o t_*.csv) >"$W/joint.json"
(cd "$W/P" && "$CHK" --json --no-sync --manifest manifest.json --previous previous --out o t.csv) >"$W/prev.json"
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
hyperfine -N -w 2 -r "$RUNS" --export-json "$W/h1.json" \
	-n joint "sh -c 'cd $W/L && $CHK --json --no-sync --manifest manifest.json --out o t_AB.csv t_AC.csv t_AD.csv t_AE.csv t_BC.csv t_BD.csv t_BE.csv t_CD.csv t_CE.csv t_DE.csv >/dev/null'" \
	-n alone "sh $W/alone.sh" >/dev/null
hyperfine -N -w 2 -r "$RUNS" --export-json "$W/h2.json" \
	-n previous "sh -c 'cd $W/P && $CHK --json --no-sync --manifest manifest.json --previous previous --out o t.csv >/dev/null'" \
	-n none "sh -c 'cd $W/P && $CHK --json --no-sync --manifest manifest.json --out o1 t.csv >/dev/null'" >/dev/null
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)

$PY - "$W" "$OUT" "$RUNS" "$LOAD_BEFORE" "$LOAD_AFTER" <<'PY'
import json, os, platform, re, statistics, subprocess, sys
w, out, runs, lb, la = sys.argv[1:6]
def res(f):
    return {r["command"]: r for r in json.load(open(os.path.join(w, f)))["results"]}
h1, h2 = res("h1.json"), res("h2.json")
def med(r): return statistics.median(r["times"]) * 1000
def cpu(r): return (r["user"] + r["system"]) * 1000
def cpuinfo():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()
joint, prev = json.load(open(os.path.join(w, "joint.json"))), json.load(open(os.path.join(w, "prev.json")))
def cells(rep, rule):
    return sum(d["cells"] for f in rep["files"] for d in f.get("decisions", []) if d["rule"] == rule)
def verdicts(rep):
    v = {}
    for f in rep["files"]:
        v[f["verdict"]] = v.get(f["verdict"], 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(v.items()))
lines = ["## Joint disclosure check", "",
         f"`make bench-joint` (bench/bench-joint.sh, inputs from bench/bench-joint-gen.py, seeded), "
         f"{cpuinfo()}, {os.cpu_count()} cores, load {lb} before and {la} after; hyperfine -N, "
         f"{runs} runs, 2 warm-up; medians of wall time and mean CPU (user + sys) per run.", "",
         "| case | run | median | CPU | ratio (median) |", "|---|---|---|---|---|"]
j, a = h1["joint"], h1["alone"]
lines.append(f"| 10 linked 50x50 tables (26,010 cells, margins declared) | one run, jointly | "
             f"{med(j):.0f} ms | {cpu(j):.0f} ms | {med(j) / med(a):.2f} x |")
lines.append(f"| | 10 runs, each table alone | {med(a):.0f} ms | {cpu(a):.0f} ms | 1 |")
p, n = h2["previous"], h2["none"]
lines.append(f"| one 20x20 table, project with 100 earlier releases | --previous (joint check and differencing) | "
             f"{med(p):.0f} ms | {cpu(p):.0f} ms | {med(p) / med(n):.2f} x |")
lines.append(f"| | without --previous | {med(n):.0f} ms | {cpu(n):.0f} ms | 1 |")
primary = sum(d["cells"] for f in joint["files"] for d in f.get("decisions", []) if d["action"] == "primary")
lines += ["", f"The joint run's report: {verdicts(joint)}; {primary} "
          f"primary cells, {cells(joint, 'secondary')} complements, {cells(joint, 'linked')} cells "
          "hidden only because another table needs them (rule `linked`). With the project's releases: "
          f"{verdicts(prev)} ({'; '.join(sorted({r.split(':')[0] for f in prev['files'] for r in f['reasons']})) or 'no reason'}).", ""]
section = "\n".join(lines)
sys.path.insert(0, os.path.join(os.path.dirname(out)))
from bench_section import write_section
write_section(out, "Joint disclosure check", section)
print(section)
PY
