#!/bin/sh
# Per-job sandbox cost on trexd's resident path (make bench-sandbox runs it
# after bench-sandbox.sh). trexd compiles the seccomp profile once
# (secpolc, a sealed memfd) and spawns one trex-sandbox per job with the
# program on --seccomp-fd, a status pipe on --status-fd, --data/--code/
# --output directories and its memory/pids/cpu limits, i.e. with job
# cgroups. This spawns `trex-sandbox ... -- /bin/true` the same way N times
# (after W warm-ups) and reports the median wall time per job: from just
# before the spawn to the status record's end and the reaped exit, the
# interval trexd waits. Must run as root. Target: median <= 4 ms.
# Prints one line: "resident median_ms=.. p90_ms=.. min_ms=.. runs=N
# floor_ms=.." (floor: the same spawn and wait of plain /bin/true).
# BASE=DIR (optional): DIR/trex-sandbox with a filter from DIR/secpolc (of
# DIR/../policies/seccomp/default.policy when there is one) is measured in
# the same loop, alternating job by job with BUILD's, and
# reported on a second line starting "before".
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) B="$BUILD" ;; *) B="$ROOT/$BUILD" ;; esac
BASE=${BASE:-}
RUNS=${RUNS:-200}
WARMUP=${WARMUP:-20}
WORK=$(mktemp -d /tmp/trex-bench-resident.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/data" "$WORK/code"
chmod 0755 "$WORK" "$WORK/data" "$WORK/code"
echo 'x,y' > "$WORK/data/d.csv"
"$B/secpolc" -o "$WORK/filter.bpf" "$ROOT/policies/seccomp/default.policy"
# the base's own default profile when its tree has one (DIR/../policies):
# an older secpolc may not read a newer profile
BASE_POLICY="$ROOT/policies/seccomp/default.policy"
[ -n "$BASE" ] && [ -f "$BASE/../policies/seccomp/default.policy" ] &&
	BASE_POLICY="$BASE/../policies/seccomp/default.policy"
[ -z "$BASE" ] || "$BASE/secpolc" -o "$WORK/filter-before.bpf" "$BASE_POLICY"

python3 - "$B/trex-sandbox" "$WORK" "$RUNS" "$WARMUP" "${BASE:+$BASE/trex-sandbox}" <<'PY'
import fcntl, os, statistics, subprocess, sys, time
sbx, work, runs, warm, base = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
variants = [(sbx, "filter.bpf", [])] + ([(base, "filter-before.bpf", [])] if base else [])
for i in range(warm + runs):
  for vi, (sbx, filt, times) in enumerate(variants):
      out = os.path.join(work, "out%d-%d" % (i, vi))
      os.mkdir(out, 0o700)
      # trexd's numbering: status pipe on fd 3, seccomp program on fd 4
      # (first moved above 9 so that the dup2s cannot clobber each other)
      def high(fd):
          h = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
          os.close(fd)
          return h
      bpf = high(os.open(os.path.join(work, filt), os.O_RDONLY))
      r, w = os.pipe()
      r, w = high(r), high(w)
      os.dup2(w, 3)
      os.dup2(bpf, 4)
      os.close(w)
      os.close(bpf)
      argv = [sbx, "--data", work + "/data", "--code", work + "/code", "--output", out,
              "--memory", "1024", "--pids", "128", "--cpu-seconds", "60", "--timeout", "60",
              "--output-mb", "64", "--seccomp-fd", "4", "--status-fd", "3",
              "--job-id", "bench-%d-%d-%d" % (os.getpid(), i, vi), "--", "/bin/true"]
      t0 = time.perf_counter()
      # stdout/stderr as trexd gives them: not a terminal or a file, which
      # trex-sandbox would relay through a pipe of its own (an extra fork)
      p = subprocess.Popen(argv, pass_fds=(3, 4), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
      os.close(3)
      os.close(4)
      status = b""
      while True:
          chunk = os.read(r, 65536)
          if not chunk:
              break
          status += chunk
      rc = p.wait()
      t1 = time.perf_counter()
      os.close(r)
      if rc != 0 or b"result=exit" not in status:
          sys.exit("trex-sandbox failed (rc %d): %s" % (rc, status.decode(errors="replace")))
      if i >= warm:
          times.append((t1 - t0) * 1000)
# the harness's own floor: the same spawn and wait of /bin/true alone
floor = []
for i in range(warm + runs):
    t0 = time.perf_counter()
    subprocess.Popen(["/bin/true"], stdin=subprocess.DEVNULL).wait()
    if i >= warm:
        floor.append((time.perf_counter() - t0) * 1000)
for (sbx, filt, times), label in zip(variants, ("resident", "before")):
    times.sort()
    print("%s median_ms=%.2f p90_ms=%.2f min_ms=%.2f runs=%d floor_ms=%.2f" %
          (label, statistics.median(times), times[int(len(times) * 0.9)], times[0], len(times),
           statistics.median(floor)))
PY
