#!/bin/sh
# Sandbox start benchmark (make bench-sandbox): hyperfine side by side,
#   trex-sandbox -- /bin/true          (fully hardened defaults: cgroups,
#                                       seccomp, userns, pid/net/ipc/uts/
#                                       cgroup/mount namespaces, /proc, /dev)
#   bwrap --unshare-all ... /bin/true  (the comparable bubblewrap set-up)
#   /bin/true                          (process start floor)
# and writes machine, commands, medians and the ratio into the
# "Sandbox start" section of bench/BENCHMARKS.md (other sections untouched).
# Then bench/bench-sandbox-resident.sh: per-job cost on trexd's path.
# BASE=DIR (optional) adds DIR/trex-sandbox (e.g. a build of an older
# commit) to the same hyperfine run and the resident bench: before/after
# measured side by side. Must run as root.
# Targets: trex-sandbox median <= 0.9 x bwrap median; resident <= 4 ms.
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) SBX="$BUILD/trex-sandbox" ;; *) SBX="$ROOT/$BUILD/trex-sandbox" ;; esac
RUNS=${RUNS:-200}
BASE=${BASE:-}
OUT="$ROOT/bench/BENCHMARKS.md"
JSON=$(mktemp /tmp/trex-bench-sbx.XXXXXX.json)
trap 'rm -f "$JSON" "$JSON".*' EXIT

BWRAP="bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp --new-session --cap-drop ALL /bin/true"
TREX="$SBX -- /bin/true"

# ROUNDS hyperfine runs of RUNS/ROUNDS each, the command order rotated
# every round: hyperfine runs one command's batch after the other, so on a
# shared host a load change would otherwise land on one command only.
# Medians and minima are over the pooled times of all rounds.
ROUNDS=${ROUNDS:-4}
PER=$(( (RUNS + ROUNDS - 1) / ROUNDS ))
i=0
while [ $i -lt "$ROUNDS" ]; do
	case $(( i % 4 )) in
	0) set -- -n trex-sandbox "$TREX" -n bwrap "$BWRAP" -n true /bin/true ;;
	1) set -- -n bwrap "$BWRAP" -n true /bin/true -n trex-sandbox "$TREX" ;;
	2) set -- -n true /bin/true -n trex-sandbox "$TREX" -n bwrap "$BWRAP" ;;
	3) set -- -n bwrap "$BWRAP" -n trex-sandbox "$TREX" -n true /bin/true ;;
	esac
	[ -z "$BASE" ] || set -- "$@" -n before "$BASE/trex-sandbox -- /bin/true"
	hyperfine -N --warmup 20 --runs "$PER" --export-json "$JSON.$i" "$@" >/dev/null
	i=$((i + 1))
done
python3 - "$JSON" "$ROUNDS" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
pool = {}
for i in range(rounds):
    for x in json.load(open(f"{out}.{i}"))["results"]:
        p = pool.setdefault(x["command"], {"command": x["command"], "times": []})
        p["times"] += x["times"]
for p in pool.values():
    t = sorted(p["times"])
    n = len(t)
    p["median"] = t[n // 2] if n % 2 else (t[n // 2 - 1] + t[n // 2]) / 2
    p["mean"] = sum(t) / n
    p["stddev"] = (sum((v - p["mean"]) ** 2 for v in t) / (n - 1)) ** 0.5
    p["min"] = t[0]
json.dump({"results": list(pool.values())}, open(out, "w"))
PY
LOAD1=$(cut -d' ' -f1 /proc/loadavg)
# trexd's resident path: precompiled filter on --seccomp-fd, cgroups, dirs
# (with BASE: both binaries in one loop, alternating job by job)
RES_ALL=$(BUILD="$BUILD" BASE="$BASE" RUNS="$RUNS" sh "$ROOT/bench/bench-sandbox-resident.sh")
echo "$RES_ALL"
RESIDENT=$(echo "$RES_ALL" | grep '^resident ')
RES_BASE=$(echo "$RES_ALL" | grep '^before ' || echo none)
LOAD2=$(cut -d' ' -f1 /proc/loadavg)
# CPU per start (task-clock of the whole process tree) and context
# switches, less load-sensitive than wall time; perf is optional
CPU="none"
if command -v perf >/dev/null 2>&1; then
	cpu_of() {
		perf stat -x, -e task-clock,context-switches -r 100 "$@" 2>&1 >/dev/null |
			awk -F, '/task-clock/ {t=$1} /context-switches/ {c=$1} END {printf "%.2f/%d", t, c}'
	}
	CPU="trex-sandbox=$(cpu_of $TREX) bwrap=$(cpu_of $BWRAP)"
	[ -z "$BASE" ] || CPU="$CPU before=$(cpu_of "$BASE/trex-sandbox" -- /bin/true)"
	echo "cpu ms/context switches per start: $CPU"
fi

python3 - "$JSON" "$OUT" "$TREX" "$BWRAP" "$((PER * ROUNDS))" "$RESIDENT" "$RES_BASE" "$LOAD1" "$LOAD2" "$ROUNDS" "$BASE" "$CPU" <<'PY'
import json, os, platform, re, subprocess, sys
res, out, trex, bwrap, runs, resident, res_base, load1, load2, rounds, base, cpu_s = sys.argv[1:]
cpu_line = ""
if cpu_s != "none":
    c = dict(kv.split("=") for kv in cpu_s.split())
    cpu_line = ("CPU per start in this run (perf stat -r 100, task-clock of the whole\nprocess tree / context switches): " +
                ", ".join(f"{k} {v.split('/')[0]} ms / {v.split('/')[1]}" for k, v in c.items()) + ".\n")
rs = dict(kv.split("=") for kv in resident.split()[1:])
rb = dict(kv.split("=") for kv in res_base.split()[1:]) if res_base != "none" else None
r = {x["command"]: x for x in json.load(open(res))["results"]}
med = {k: v["median"] * 1000 for k, v in r.items()}
def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()
ncpu = os.cpu_count()
cg = "cgroup v1 (memory/pids/cpu) + empty cgroup2" if os.path.exists("/sys/fs/cgroup/memory") else "cgroup v2"
bw = subprocess.run(["bwrap", "--version"], capture_output=True, text=True).stdout.strip()
hf = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip()
ratio = med["trex-sandbox"] / med["bwrap"]
rel = lambda p: p.replace(os.path.dirname(os.path.dirname(trex.split()[0])) + "/", "")
names = ["trex-sandbox", "bwrap", "true"] + (["before"] if "before" in r else [])
before = ""
if "before" in r:
    before = (f"- before (`BASE=`, the same run): `{rel(base)}/trex-sandbox -- /bin/true`, median "
              f"{med['before']:.2f} ms, ratio to bwrap **{med['before'] / med['bwrap']:.2f}**\n")
res_before = ""
if rb:
    res_before = (f" Before (same binary as above, its own secpolc, alternating job by job with the new one): median {rb['median_ms']} ms,"
                  f" p90 {rb['p90_ms']} ms, min {rb['min_ms']} ms.")
sec = f"""## Sandbox start

`make bench-sandbox` (bench/bench-sandbox.sh): {runs} runs of each command,
`hyperfine -N`, all commands side by side in {rounds} rounds (20 warm-ups
each, command order rotated every round so that a load change does not
land on one command only; medians over the pooled times), then
bench/bench-sandbox-resident.sh.

- machine: {cpu()}, {ncpu} CPUs, kernel {platform.release()}, {cg}
- tools: {bw}, {hf}
- trex-sandbox: `{rel(trex)}`
- bwrap: `{bwrap}`
{before}- load average (1 min) after hyperfine: {load1}, after the resident bench: {load2}
  (the host is shared with other builds and test suites: medians move by
  +-30% and more with load; compare only numbers from one run)

| command | median | mean ± σ | min |
|---|---|---|---|
""" + "".join(
    f"| {k} | {med[k]:.2f} ms | {r[k]['mean']*1000:.2f} ± {r[k]['stddev']*1000:.2f} ms | {r[k]['min']*1000:.2f} ms |\n"
    for k in names) + f"""
Ratio trex-sandbox / bwrap (medians): **{ratio:.2f}** (target <= 0.90);
of the minima (least disturbed runs): {r['trex-sandbox']['min'] / r['bwrap']['min']:.2f}.
History of this ratio (medians, side by side, this host): first version
1.35; after the cgroup/mount work 0.97 (0.97-1.01 over several runs, min
0.87). After the changes below, single hyperfine runs (one command's batch
after the other) gave anything from 0.67 to 1.12 at load 5-6, which is
why the bench now rotates the order over rounds. Rotated runs of this
bench during the work (load 4-6): 0.86, 0.98, 0.94, 0.91, then this one;
the "before" binary in the same runs: 1.02, 1.14, (not noted), 1.09.
{cpu_line}(perf stat runs one command after the other, so these move with the
load too: over several runs trex-sandbox used 5.2-6.0 ms, bwrap 6.3-7.1
ms, before 5.3-6.9 ms.)

trexd's resident path (bench/bench-sandbox-resident.sh: `--seccomp-fd`
with a filter precompiled by `secpolc -o`, `--status-fd`, `--data`,
`--code`, `--output` (collected), memory/pids/cpu job cgroups, `--
/bin/true`, spawned one after another from Python like trexd spawns it):
median **{rs['median_ms']} ms** per job, p90 {rs['p90_ms']} ms, min {rs['min_ms']} ms
({rs['runs']} jobs); the spawn-and-wait of a bare /bin/true in the same
harness costs {rs['floor_ms']} ms of that.{res_before} Target <= 4 ms:
{"met" if float(rs['median_ms']) <= 4 else "NOT met"} (median {rs['median_ms']} ms, minimum {rs['min_ms']} ms). On this
loaded 2-CPU host a job start is CPU-bound: ~5 ms of CPU across kernel
and user space (mostly the network namespace, the memory cgroup
mkdir/rmdir, mounts, the seccomp JIT, and the job's own exec), shared
with the other load.

trex-sandbox does more than this bwrap line: job cgroups created, joined
and removed (v1 memory, pids, cpu + a cgroup2 leaf), a host uid leased by
flock, one seccomp filter (an ioctl and fcntl allowlist, sysinfo answered
by the job's init), masked /proc entries and job-sized /proc views,
/etc files, size-capped /output and /tmp, and it waits for and reaps the
job.

What issue #12 (jobs isolated from each other) costs, measured with BASE
= the build before it (72a8dbb, 2026-12-07, load about 1, RUNS=400
ROUNDS=8): a cold start is unchanged (9.00 vs 9.29 ms, ratio to bwrap
0.72); trexd's resident path is 0.39 ms slower at the median (9.25 vs 8.86
ms, +4%; the minimum is 0.13 ms faster, 6.95 vs 7.08). Per start phase
(tracepoint timestamps): +85 us before the job runs and +130 us after it
exits, from the 19 more /proc masks (one bind each, unmounted with the
namespace), which close channels between jobs; the single filter, the
per-boot shared /proc views and /dev nodes made by mknod won back the
rest. A job that leaves files in /output also pays the unprivileged
walker process of the collector (about 3 ms on this host; not in this
bench, whose job writes nothing). The resident bench gives the job
/dev/null as stdout/stderr, as trexd gives pipes: a terminal or a file
there makes trex-sandbox relay the output through a pipe of its own
(one more fork).

Where the time went and what was done (perf record -g, perf trace,
sched_switch off-CPU stacks, strace -T; per-phase medians from tracepoint
timestamps over 40 starts):
- joining v1 cgroups by writing another task's pid takes
  cgroup_threadgroup_rwsem for writing, i.e. an RCU grace period: 10-15 ms
  here, more than a whole bwrap start. The child moves itself (writes
  "0" to each `tasks`), which skips that lock: ~0.1 ms.
- the v1 memory cgroup mkdir (~0.5 ms) is done after the clone, in parallel
  with the child's mounts; the v2 leaf is cloned into (CLONE_INTO_CGROUP).
- every lazy unmount costs an RCU grace period: nothing is detached but
  the old root (the /proc mask inodes stay in root-only /dev/.mask).
- seccomp: installing the default allowlist took ~0.6 ms, because the
  kernel emulates a new filter once per syscall number to fill its action
  cache and libseccomp emitted a linear chain (~150 compares deep).
  Compiled as a binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2, same rules): 0.23
  ms (secbench, 200 installs). trexd's precompiled filters get the same.
- the network namespace (pernet init of loopback, sysctls, ipv4/ipv6,
  netfilter: ~0.75 ms, the largest single kernel cost of a start) is no
  longer a clone flag: the supervisor makes it (unshare + setns back,
  sandbox/netns.c) while the child builds its root and pivots, and hands
  the child an fd it setns()es into after pivot_root (before anything uses
  the network). clone3 went from ~1.2 to ~0.6 ms.
- the user namespace: the child used to unshare it after pivot_root and
  wait for the supervisor to write its maps (two wake-ups on a loaded
  host, ~0.8 ms). The supervisor now makes it in parallel (a vfork helper
  unshares and exits; maps written, /proc/PID/ns/user kept as an fd) and
  the child setns()es into it: same owner, same maps, no round trip.
- trex-sandbox is linked static-pie (sandbox/sandbox.mk): no dynamic
  loader, no libseccomp/libc mapping and relocation (LD_DEBUG=statistics
  counted ~145k cycles in ld.so, plus the mmaps and their page faults;
  page faults per start of the whole tree, all changes: 189 -> 139).
- fewer wake-ups: the supervisor no longer watches the socket during the
  run (the /output fd, a setup failure and the job's status are each
  followed by init's exit and read then), and reads the job cgroup's
  cpu/oom counters on its 100 ms poll period only, the first time at the
  first tick (each read is a kernfs open). On a busy host every wake-up is
  also a wait for a CPU.
- less CPU in the child: init vforks the job (no page-table copy and no
  copy-on-write faults before the job's execve; fork was ~2% of the
  samples), the /proc masks are bound without an lstat each (the
  entry's type is in the table; ENOENT means "not on this kernel"), and
  the mask inodes live on the /dev tmpfs (read-only superblock) instead of
  a scratch tmpfs of their own: a mount and a remount fewer.
- earlier: fewer hand-offs, no realpath, masks inherit read-only from their
  source mount, no CAPBSET_READ loop.
Found on the way (a protection fix, not a speed-up): init's parent-death
signal was cleared by its own setresuid (the kernel clears it on any euid
change), so a SIGKILLed trex-sandbox left init and the job running. It is
re-armed after the uid change (tests/integration/sandbox_results.t).
Unchanged on purpose: every job process is dead before collection and
before trex-sandbox exits (the supervisor still reaps init, whose exit
kills the pid namespace, then checks the cgroups are empty); no namespace,
mount, filter or limit was dropped or shared between jobs.
Remaining cost centres (CPU samples of trex-sandbox, perf record -g over
60 starts): the network namespace (~14%: required, not shareable between
jobs), mounts (~8%, ~35 mount syscalls), mkdir (~7%, mostly the memory
cgroup), clone3 (~4.5%: mount/pid/ipc/uts namespaces), the seccomp JIT
(~4%), cgroup rmdirs (~3.5%); in wall time also the wake-ups between
supervisor, init and job on a busy host. Ideas not done: pass the v1
`tasks` fds so the child joins its cgroups after pivot_root (the memory
cgroup mkdir would then overlap the pivot too), a cached read-only /etc
tree (one recursive bind instead of ~30 syscalls), kernfs opens relative
to a cgroup dir fd instead of long paths.
"""
text = open(out).read() if os.path.exists(out) else "# Benchmarks\n"
pat = re.compile(r"^## Sandbox start\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda m: sec + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + sec
open(out, "w").write(text)
print(f"trex-sandbox median {med['trex-sandbox']:.2f} ms, bwrap {med['bwrap']:.2f} ms, ratio {ratio:.2f}; resident {rs['median_ms']} ms")
PY
