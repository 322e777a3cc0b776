#!/bin/sh
# Sandbox start benchmark (make bench-sandbox): one hyperfine run comparing
#   trex-sandbox -- /bin/true          (fully hardened defaults: cgroups,
#                                       seccomp, userns, pid/net/ipc/uts/
#                                       cgroup/mount namespaces, /proc, /dev)
#   bwrap --unshare-all ... /bin/true  (the comparable bubblewrap set-up)
#   /bin/true                          (process start floor)
# and writes machine, commands, medians and the ratio into the
# "Sandbox start" section of bench/BENCHMARKS.md (other sections untouched).
# Must run as root. Target: trex-sandbox median <= 0.9 x bwrap median.
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) SBX="$BUILD/trex-sandbox" ;; *) SBX="$ROOT/$BUILD/trex-sandbox" ;; esac
RUNS=${RUNS:-200}
OUT="$ROOT/bench/BENCHMARKS.md"
JSON=$(mktemp /tmp/trex-bench-sbx.XXXXXX.json)
trap 'rm -f "$JSON" "$JSON.md"' EXIT

BWRAP="bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp --new-session --cap-drop ALL /bin/true"
TREX="$SBX -- /bin/true"

hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$JSON" \
	-n trex-sandbox "$TREX" -n bwrap "$BWRAP" -n true /bin/true

python3 - "$JSON" "$OUT" "$TREX" "$BWRAP" "$RUNS" <<'PY'
import json, os, platform, re, subprocess, sys
res, out, trex, bwrap, runs = sys.argv[1:]
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
sec = f"""## Sandbox start

`make bench-sandbox` (bench/bench-sandbox.sh): {runs} runs each after 20
warm-ups, `hyperfine -N`, one run of all three commands.

- machine: {cpu()}, {ncpu} CPUs, kernel {platform.release()}, {cg}
- tools: {bw}, {hf}
- trex-sandbox: `{trex.replace(os.path.dirname(os.path.dirname(trex.split()[0])) + "/", "")}`
- bwrap: `{bwrap}`

| command | median | mean ± σ | min |
|---|---|---|---|
""" + "".join(
    f"| {k} | {med[k]:.2f} ms | {r[k]['mean']*1000:.2f} ± {r[k]['stddev']*1000:.2f} ms | {r[k]['min']*1000:.2f} ms |\n"
    for k in ("trex-sandbox", "bwrap", "true")) + f"""
Ratio trex-sandbox / bwrap (medians): **{ratio:.2f}** (target <= 0.90);
of the minima (least disturbed runs): {r['trex-sandbox']['min'] / r['bwrap']['min']:.2f}.
The first version measured 1.35 (medians) on this host.
trex-sandbox does more than this bwrap line: job cgroups created, joined
and removed (v1 memory, pids, cpu + a cgroup2 leaf), a host uid leased by
flock, two seccomp filters, masked /proc entries, /etc files, size-capped
/output and /tmp, and it waits for and reaps the job. Load average while
measuring: {os.getloadavg()[0]:.2f} (the host is shared; medians move by
+-30% with load, so compare runs made together, as this one is).

Where the time went and what was done (perf trace, strace -T, timestamps):
- joining v1 cgroups by writing another task's pid takes
  cgroup_threadgroup_rwsem for writing, i.e. an RCU grace period: 10-15 ms
  here, more than a whole bwrap start. The child now moves itself (writes
  "0" to each `tasks`), which skips that lock: ~0.1 ms.
- the v1 memory cgroup mkdir (~0.5 ms) is done after the clone, in parallel
  with the child's mounts; the v2 leaf is cloned into (CLONE_INTO_CGROUP).
- every lazy unmount costs an RCU grace period: the /proc mask scratch
  tmpfs stays mounted (root-only /dev/.mask) instead of being detached.
- fewer hand-offs between supervisor and child (one message carries the
  uid-map request and the /output fd), fewer syscalls (no realpath, masks
  inherit read-only from their source mount, no CAPBSET_READ loop).
Remaining cost centres, in order: namespace creation in clone3 (~1 ms,
mostly the network namespace), mounts (~1 ms), exec of the job under two
seccomp filters, mount-namespace teardown at exit.
"""
text = open(out).read() if os.path.exists(out) else "# Benchmarks\n"
pat = re.compile(r"^## Sandbox start\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda m: sec + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + sec
open(out, "w").write(text)
print(f"trex-sandbox median {med['trex-sandbox']:.2f} ms, bwrap {med['bwrap']:.2f} ms, ratio {ratio:.2f}")
PY
