#!/bin/sh
# Disclosure check benchmark (make bench-check), three parts, hyperfine -N:
#  1. ACRO comparison. bench/bench-check-gen.py aggregates NMICRO (10 M)
#     microdata rows into one magnitude table (a x b, cost, contributors, two
#     largest contributions), untimed. Then, timed, like for like: both
#       trex-check --kind magnitude_table ... --json --out DIR --no-sync big.csv
#       /usr/bin/python3 bench/acro_like.py big.csv OUT.csv OUT.json (pandas)
#     read that table, apply threshold, (2, 0.9)-dominance and p% 10, write
#     the released copy and a per-cell report of failing cells. The script
#     refuses to time them unless the released copies are byte-identical.
#     trex-check runs as trexd runs it (runner/job.c): --no-sync, since
#     trexd fsyncs the copy it publishes; pandas does not fsync either.
#  2. Throughput: threshold check of a large frequency table (FREQ_ROWS
#     cells), MB/s per core = file size / (user + system CPU time).
#  3. Secondary suppression with its LP audit on a 100 x 100 table with
#     row, column and grand totals; then its cost as tables grow (N x N,
#     N = 20, 50, 100, 140, 2% of cells under the threshold, so that
#     complements are needed). With BASE_CHECK=PATH (another build's
#     trex-check, e.g. main's), each of these runs times both binaries in
#     one hyperfine run and the report gives both medians and CPU times.
#  4. Information loss: on small generated magnitude and frequency tables
#     with margins (EXACT_SIZES x EXACT_SEEDS), the value the heuristic
#     complement search hides against the least the audit accepts, found
#     by the exact search (policies/check/mip.c), and what that search
#     costs; build/exactcmp (bench/check/exactcmp.c) runs both.
# Machine, commands and medians go into the "Disclosure check" section of
# bench/BENCHMARKS.md (other sections untouched).
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) CHK="$BUILD/trex-check" ;; *) CHK="$ROOT/$BUILD/trex-check" ;; esac
XCMP="$(dirname "$CHK")/exactcmp"
EXACT_SIZES=${EXACT_SIZES:-"4 6 8 10 12 15 20"}
EXACT_SEEDS=${EXACT_SEEDS:-"1 2 3 4 5 6 7 8"}
EXACT_RUNS=${EXACT_RUNS:-3}
NMICRO=${NMICRO:-10000000}
FREQ_ROWS=${FREQ_ROWS:-4000000}
RUNS=${RUNS:-10}
BASE_CHECK=${BASE_CHECK:-}
PY=/usr/bin/python3
OUT="$ROOT/bench/BENCHMARKS.md"
W=$(mktemp -d /tmp/trex-bench-chk.XXXXXX)
trap 'rm -rf "$W"' EXIT

$PY "$ROOT/bench/bench-check-gen.py" micro "$W/big.csv" "$NMICRO"
$PY "$ROOT/bench/bench-check-gen.py" freq "$W/freq.csv" "$FREQ_ROWS"
$PY "$ROOT/bench/bench-check-gen.py" supp "$W/supp.csv" "$W/supp.json"
GROW="20 50 100 140"
for n in $GROW; do
	$PY "$ROOT/bench/bench-check-gen.py" supp "$W/g$n.csv" "$W/g$n.json" "$n" 0.02
done
mkdir -p "$W/x"
XARGS=""
for n in $EXACT_SIZES; do
	for s in $EXACT_SEEDS; do
		$PY "$ROOT/bench/bench-check-gen.py" mag "$W/x/mag_${n}_$s.csv" "$W/x/mag_${n}_$s.json" "$n" "$s"
		$PY "$ROOT/bench/bench-check-gen.py" supp "$W/x/frq_${n}_$s.csv" "$W/x/frq_${n}_$s.json" "$n" 0.08 "$s"
		XARGS="$XARGS mag_${n}_$s.json mag_${n}_$s.csv frq_${n}_$s.json frq_${n}_$s.csv"
	done
done
mkdir -p "$W/trex" "$W/acro"
TREX="$CHK --json --out $W/trex --no-sync --kind magnitude_table --dimensions a,b --value cost --contributors n --largest top1,top2 $W/big.csv"
ACRO="$PY $ROOT/bench/acro_like.py $W/big.csv $W/acro/big.csv $W/acro/results.json"
$TREX >"$W/trex.json"
$ACRO
if ! cmp -s "$W/trex/big.csv" "$W/acro/big.csv"; then
	echo "bench-check: trex-check and acro_like.py released different tables" >&2
	exit 1
fi

FREQ="$CHK --json --out $W/trex --no-sync --kind frequency_table --dimensions region,age,code --count n $W/freq.csv"
FREQ_WHOLE="$CHK --whole --json --out $W/trex --no-sync --kind frequency_table --dimensions region,age,code --count n $W/freq.csv"
# peak memory of each path, one run each (hyperfine does not report it)
/usr/bin/time -f %M -o "$W/rss.stream" $FREQ >/dev/null
/usr/bin/time -f %M -o "$W/rss.whole" $FREQ_WHOLE >/dev/null
SUPP="$CHK --json --manifest $W/supp.json $W/supp.csv"
(cd "$W" && $SUPP >"$W/supp.out")
grep -q '"verdict":"suppressed"' "$W/supp.out" || { echo "bench-check: 100x100 table not suppressed" >&2; exit 1; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$W/h.json" \
	-n trex-check "$TREX" -n acro_like.py "$ACRO"
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$W/f.json" -n threshold "$FREQ" \
	-n threshold-whole "$FREQ_WHOLE"
# time_supp EXPORT NAME ARGS: trex-check ARGS in $W, and BASE_CHECK ARGS
# beside it in the same hyperfine run when set
time_supp() {
	if [ -n "$BASE_CHECK" ]; then
		(cd "$W" && hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$1" -n "$2" "$CHK $3" \
			-n base "$BASE_CHECK $3")
	else
		(cd "$W" && hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$1" -n "$2" "$CHK $3")
	fi
}
time_supp "$W/s.json" suppression "--json --manifest $W/supp.json $W/supp.csv"
for n in $GROW; do
	(cd "$W" && $CHK --json --manifest "g$n.json" "g$n.csv" >"g$n.out")
	time_supp "$W/g$n.h.json" "$n" "--json --manifest g$n.json g$n.csv"
done
# shellcheck disable=SC2086
(cd "$W/x" && "$XCMP" "$EXACT_RUNS" $XARGS) >"$W/exact.jsonl"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

$PY - "$W/h.json" "$OUT" "$NMICRO" "$RUNS" "$W/big.csv" "$W/f.json" "$W/freq.csv" "$W/s.json" "$W/supp.out" "$FREQ_ROWS" "$LOAD_BEFORE" "$LOAD_AFTER" "$(cat "$W/rss.stream")" "$(cat "$W/rss.whole")" "$W" "$GROW" "$W/exact.jsonl" "$EXACT_RUNS" "$BASE_CHECK" <<'PY'
import json, os, re, statistics, subprocess, sys
EXACT_LIMIT = int(re.search(r"#define SUPPRESS_EXACT_SIZE (\d+)", open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[2])), "..", "policies", "check", "mip.h")).read()).group(1))
res, out, nmicro, runs, big, fres, freq, sres, sout, frows, load0, load1, rss_s, rss_w, wdir, grow, xres, xruns, base = sys.argv[1:]
r = {x["command"]: x for x in json.load(open(res))["results"]}
frs = {x["command"]: x for x in json.load(open(fres))["results"]}
fr = frs["threshold"]
fw = frs["threshold-whole"]
srs = {x["command"]: x for x in json.load(open(sres))["results"]}
sr = srs["suppression"]
def cpu_ms(x):
    return (x["user"] + x["system"]) * 1000
cells = sum(1 for _ in open(big)) - 1
supp = json.load(open(sout))["files"][0]["summary"]
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
fsize = os.path.getsize(freq) / 1e6
fcpu = fr["user"] + fr["system"]  # hyperfine means
lines = ["## Disclosure check", "",
         "`make bench-check` (bench/bench-check.sh, inputs from bench/bench-check-gen.py, "
         f"numpy, fixed seeds): hyperfine -N, {runs} runs each.", "",
         f"- machine: {cpu()}, {os.cpu_count()} CPUs (shared: medians of wall time)",
         f"- load average (1, 5, 15 min, /proc/loadavg): {load0} before the timed runs, {load1} after",
         f"- tools: {hf}, pandas {pandas.__version__}, /usr/bin/python3", "",
         "### 1. Against a pandas implementation of ACRO's rules", "",
         f"{int(nmicro):,} microdata rows are aggregated (untimed, by the generator) into one "
         f"magnitude table of {cells:,} cells ({size:.1f} MB CSV: a x b, cost, contributors, two "
         "largest contributions). Like for like, both programs then read that same table, apply "
         "threshold 10, (2, 0.9)-dominance and p% 10, write the released copy (largest columns "
         "dropped, failing cells emptied) and a report listing every failing cell; the script "
         "refuses to time them unless the two released copies are byte-identical. (Neither "
         "times the aggregation: trex-check checks tables, it does not build them.) trex-check "
         "runs as trexd runs it, with `--no-sync`: its released copy is renamed into place but "
         "not fsync'd, since trexd fsyncs the copy it publishes (runner/release.c); pandas "
         "does not fsync either, so both are like for like.", "",
         "- trex-check: `trex-check --json --out DIR --no-sync --kind magnitude_table --dimensions a,b --value cost --contributors n --largest top1,top2 big.csv`",
         "- acro_like.py: `python3 bench/acro_like.py big.csv OUT.csv results.json`", "",
         "| command | median | mean ± σ | min | user + sys (mean) |", "|---|---|---|---|---|"]
for name in ("trex-check", "acro_like.py"):
    m, mean, mn, _ = fmt(r[name])
    cpu_s = r[name]["user"] + r[name]["system"]
    lines.append(f"| {name} | {m} | {mean} | {mn} | {cpu_s*1000:.0f} ms |")
ratio = r["acro_like.py"]["median"] / r["trex-check"]["median"]
cpu_ratio = (r["acro_like.py"]["user"] + r["acro_like.py"]["system"]) / \
    (r["trex-check"]["user"] + r["trex-check"]["system"])
lines += ["", f"acro_like.py / trex-check (medians): **{ratio:.1f}x** (target >= 20x"
          + (", met" if ratio >= 20 else ", MISSED") + f"); CPU time (user + sys) ratio {cpu_ratio:.1f}x.",
          "Wall-clock medians on a shared host include time spent waiting for a CPU, which grows "
          "with a program's run time; the CPU ratio depends much less on the load.",
          "trex-check also checks what the pandas script trusts: strict CSV (RFC 4180, UTF-8), "
          "unique dimension keys, integer non-negative counts, class disclosure and undeclared "
          "margins, and its report carries a rule, parameters and reason per failing cell.", "",
          "### 2. Threshold checking throughput", "",
          f"`trex-check --json --out DIR --no-sync --kind frequency_table --dimensions region,age,code --count n freq.csv` "
          f"on {int(frows):,} cells ({fsize:.1f} MB, about 1% under the threshold; rows sorted, "
          f"as a group-by writes them): median {fr['median']*1000:.0f} ms wall, "
          f"{fcpu*1000:.0f} ms CPU (single-threaded), **{fsize / fcpu:.0f} MB/s per core** "
          f"(target >= 100" + (", met" if fsize / fcpu >= 100 else ", MISSED") + "), "
          f"peak RSS {int(rss_s)/1024:.0f} MB.", "",
          "Every check of a frequency table runs, not only the threshold: strict CSV, unique keys, "
          "integer counts, zeros, record-level data (mostly ones), class disclosure and undeclared "
          "margins, the per-cell report and the released copy. The table is checked as it is "
          "read (policies/check/stream.c: codes and per-slice sums kept, rows dropped after each "
          "1 MiB batch, the released copy written as it goes). The same command with `--whole` "
          "(the table held in memory, which secondary suppression and its audit need) in the "
          f"same hyperfine run: median {fw['median']*1000:.0f} ms wall, "
          f"{(fw['user'] + fw['system'])*1000:.0f} ms CPU, "
          f"{fsize / (fw['user'] + fw['system']):.0f} MB/s per core, peak RSS "
          f"{int(rss_w)/1024:.0f} MB; both give the same report and released copy, byte for "
          "byte.", ""]
lines += [
          "### 3. Secondary suppression with audit", "",
          "`trex-check --json --manifest supp.json supp.csv`: 100 x 100 frequency table with row, "
          f"column and grand totals (10,201 cells; {supp}); complementary suppression, then the "
          f"GLPK audit of every primary cell's interval: median **{sr['median']*1000:.0f} ms** "
          f"(target < 2 s" + (", met" if sr['median'] < 2 else ", MISSED") + "), CPU (user + sys, "
          f"mean) {cpu_ms(sr):.0f} ms" +
          (f"; `{base}` in the same hyperfine run: median {srs['base']['median']*1000:.0f} ms, CPU "
           f"{cpu_ms(srs['base']):.0f} ms" if "base" in srs else "") + ".", "",
          "As tables grow: N x N with every margin, 2% of cells under the threshold (so that "
          "complements are needed), `trex-check --json --manifest gN.json gN.csv`; the greedy "
          "search, then the release of every complement the audit does not need (capped at 20,000 "
          "LP solves; within the cap every complement left is necessary), then the audit of the "
          f"final pattern, and on tables of at most {EXACT_LIMIT} candidate cells the exact "
          "least-loss search (section 4), which replaces that pattern when it finds a cheaper one"
          + (f"; `{base}` (BASE_CHECK) timed in the same hyperfine runs" if base else "") + ":", "",
          "| N | cells | primary | secondary | verdict | exact search (section 4) | median | CPU (user + sys, mean) |"
          + (" base: median | base: CPU |" if base else ""),
          "|---|---|---|---|---|---|---|---|" + ("---|---|" if base else "")]
for n in grow.split():
    g = json.load(open(f"{wdir}/g{n}.out"))["files"][0]
    hs = {x["command"]: x for x in json.load(open(f"{wdir}/g{n}.h.json"))["results"]}
    h = hs[n]
    m = re.match(r"(\d+) of (\d+) cells suppressed \(primary\), (\d+) secondary", g["summary"])
    p, c, s2 = m.groups() if m else ("?", "?", "?")
    cand = int(n) * int(n) - int(p) if m else 0
    ex = f"yes ({cand} candidates)" if cand <= EXACT_LIMIT else f"no ({cand} candidates > {EXACT_LIMIT})"
    lines.append(f"| {n} | {c} | {p} | {s2} | {g['verdict']} | {ex} | {h['median']*1000:.0f} ms | "
                 f"{cpu_ms(h):.0f} ms |" + (f" {hs['base']['median']*1000:.0f} ms | {cpu_ms(hs['base']):.0f} ms |"
                                             if "base" in hs else ""))
lines += [""]
xs = [json.loads(line) for line in open(xres)]
lines += ["### 4. Information loss: the heuristic against the exact search", "",
          "Small N x N tables with row, column and grand totals, generated by "
          "`bench-check-gen.py` (`mag N SEED`: magnitude tables, cost, contributors and the two "
          "largest contributions, about 6% of cells with a single contributor, 6% dominated, 4% "
          "with 2 to 9 contributors; `supp N 0.08 SEED`: frequency tables, 8% of cells under 10), "
          f"seeds {', '.join(sorted({x['file'].rsplit('_', 1)[1][:-4] for x in xs}, key=int))}, "
          "default pack. `build/exactcmp` (bench/check/exactcmp.c) checks each with the heuristic "
          "complement search alone (greedy search, then the release of every complement the audit "
          "does not need) and with the exact search trex-check runs on tables of at most "
          f"{EXACT_LIMIT} candidate cells (policies/check/mip.c: the least value hidden among the "
          "patterns the audit accepts, every attacker model; it replaces the heuristic's pattern "
          "only when strictly cheaper), then the exact search alone from the heuristic's pattern, "
          "which says whether that pattern was already optimal. Value hidden: the sum of the "
          "complements' values (the information lost). The ratio is over the tables whose optimum "
          "the search established and whose heuristic pattern passed without a total among its "
          f"complements; times are medians of {xruns} runs (wall clock, in process).", "",
          "| kind | N | cells | tables | with complements | optimum found | heuristic optimal | "
          "heuristic / optimum, mean | max | heuristic held for review, exact suppressed | "
          "exact search, median | max | check, heuristic alone | with the exact search |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
def med(v):
    return statistics.median(v) if v else float("nan")
for kind, label in (("mag", "magnitude"), ("frq", "frequency")):
    for n in sorted({int(x["file"].split("_")[1]) for x in xs}):
        rows = [x for x in xs if x["file"].startswith(f"{kind}_{n}_")]
        if not rows:
            continue
        need = [x for x in rows if x["heuristic"]["secondary"] or x["exact"]["secondary"]]
        found = [x for x in need if x["search"] in ("optimal", "heuristic optimal")]
        hopt = [x for x in found if x["search"] == "heuristic optimal"]
        ratio = [x["heuristic"]["value"] / x["exact"]["value"] for x in found
                 if x["heuristic"]["verdict"] == "suppressed" and not x["heuristic"]["totals"]
                 and x["exact"]["value"] > 0]
        rescued = [x for x in rows if x["heuristic"]["verdict"] == "review"
                   and x["exact"]["verdict"] == "suppressed"]
        sms = [x["search_ms"] for x in need if x["search"] != "too large"]
        lines.append(f"| {label} | {n} | {rows[0]['cells']} | {len(rows)} | {len(need)} | {len(found)} | "
                     f"{len(hopt)} | {statistics.mean(ratio) if ratio else float('nan'):.2f} | "
                     f"{max(ratio) if ratio else float('nan'):.2f} | {len(rescued)} | "
                     f"{med(sms):.1f} ms | {max(sms) if sms else float('nan'):.1f} ms | "
                     f"{med([x['heuristic']['ms'] for x in rows]):.1f} ms | "
                     f"{med([x['exact']['ms'] for x in rows]):.1f} ms |")
lines += [""]
section = "\n".join(lines)
sys.path.insert(0, os.path.join(os.path.dirname(out)))
from bench_section import write_section
write_section(out, "Disclosure check", section)
print(section)
PY
