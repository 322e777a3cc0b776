#!/bin/sh
# trex-sandbox runs real analyses: Python 3 + pandas/numpy reading a CSV
# from /data and writing /output, Rscript, POSIX sh; and the job sees the
# promised identity and filesystem (CONTRACTS.md section 1).
. "$(dirname "$0")/../lib.sh"
SBX="$BIN/trex-sandbox"
T=$(mktemp -d /tmp/trex-sbx-rt.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/data" "$T/code" "$T/out1" "$T/out2" "$T/out3"
printf 'age_band,sex,n\n20-29,F,3\n30-39,M,5\n30-39,F,7\n20-29,M,11\n' > "$T/data/cohort.csv"
cat > "$T/code/analysis.py" <<'PY'
import numpy as np
import pandas as pd
df = pd.read_csv("/data/cohort.csv")
t = df.groupby("age_band", as_index=False)["n"].sum()
t.to_csv("/output/by_age.csv", index=False)
# exercise BLAS through numpy (needs /etc/alternatives)
m = np.array([[2.0, 1.0], [1.0, 3.0]])
print("det=%.1f" % np.linalg.det(m))
PY
cat > "$T/code/analysis.R" <<'R'
d <- read.csv("/data/cohort.csv")
a <- aggregate(n ~ sex, data = d, FUN = sum)
write.csv(a, "/output/by_sex.csv", row.names = FALSE)
cat(sprintf("r2=%.2f\n", summary(lm(n ~ sex, data = d))$r.squared))
R

out=$("$SBX" --data "$T/data" --code "$T/code" --output "$T/out1" \
	--etc python3 --etc python3.11 --env PYTHONDONTWRITEBYTECODE=1 --env MPLBACKEND=Agg \
	--status-fd 3 -- python3 analysis.py 3>"$T/st1")
rc=$?
expect_eq "python3+pandas analysis exits 0" 0 "$rc"
expect_eq "numpy linear algebra works (BLAS alternatives)" "det=5.0" "$out"
expect_eq "pandas output collected" "$(printf 'age_band,n\n20-29,14\n30-39,12')" "$(cat "$T/out1/by_age.csv" 2>/dev/null)"
check "status reports the collected file" grep -qx 'collected=by_age.csv' "$T/st1"
check "status reports result=exit" grep -qx 'result=exit' "$T/st1"
check "status ends with end=1" sh -c "tail -n 1 '$T/st1' | grep -qx 'end=1'"
check "status has accounting" sh -c "grep -q '^wall_ms=[0-9]' '$T/st1' && grep -q '^cpu_ms=[0-9]' '$T/st1' && grep -q '^peak_memory_kb=[1-9]' '$T/st1'"
mode=$(stat -c '%a %u' "$T/out1/by_age.csv" 2>/dev/null)
expect_eq "collected file is 0644 root-owned" "644 0" "$mode"

out=$("$SBX" --data "$T/data" --code "$T/code" --output "$T/out2" --etc R -- Rscript analysis.R)
# the sandbox knows no runtime: R's configuration is there because trexd's
# description of the runtime (runner/config.c) asked for it with --etc
expect_eq "without --etc, no runtime's /etc entry is mirrored" "" \
	"$("$SBX" -- sh -c 'ls /etc' | grep -xE 'R|python3|python3.11')"
expect_eq "--etc R mirrors /etc/R only" "R" "$("$SBX" --etc R -- sh -c 'ls /etc' | grep -xE 'R|python3|python3.11')"
expect_eq "Rscript analysis runs" "r2=0.26" "$out"
expect_eq "R output collected" "$(printf '"sex","n"\n"F",10\n"M",16')" "$(cat "$T/out2/by_sex.csv" 2>/dev/null)"

out=$("$SBX" --data "$T/data" --output "$T/out3" -- sh -c 'cut -d, -f3 /data/cohort.csv | tail -n +2 | paste -sd+ | bc > /output/sum.txt 2>/dev/null || awk -F, "NR>1{s+=\$3} END{print s}" /data/cohort.csv > /output/sum.txt; cat /output/sum.txt')
expect_eq "sh pipeline reads /data, writes /output" "26" "$out"

# identity and privileges
out=$("$SBX" -- sh -c 'id -u; id -g; id -G; grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t " " "')
expect_eq "job is uid/gid 1000 with no caps, nnp, seccomp filter" \
"1000
1000
1000
CapInh: 0000000000000000
CapPrm: 0000000000000000
CapEff: 0000000000000000
CapBnd: 0000000000000000
CapAmb: 0000000000000000
NoNewPrivs: 1
Seccomp: 2" "$out"
out=$("$SBX" --status-fd 3 -- sh -c 'cat /proc/self/uid_map' 3>"$T/st4" | tr -s ' ' ' ' | sed 's/^ //')
hu=$(sed -n 's/^host_uid=//p' "$T/st4")
expect_eq "uid_map maps only 1000 to the leased host uid" "1000 $hu 1" "$out"
check "host uid comes from the default range" test "$hu" -ge 200000 -a "$hu" -lt 210000

# filesystem
out=$("$SBX" --data "$T/data" --code "$T/code" -- sh -c '
	pwd
	for p in / /usr /etc /data /job /proc; do touch "$p/x" 2>/dev/null && echo "$p writable"; done
	touch /tmp/x /output/x /dev/shm/x && echo "tmp output shm writable"
	test -e /sys && echo "sys present"
	ls /dev | tr "\n" " "; echo
	ls /run /var 2>/dev/null | head -1
	cat /etc/hostname
	env | sort | tr "\n" " "; echo')
expect_eq "cwd /job, ro tree, writable scratch, minimal /dev, clean env" \
"/job
tmp output shm writable
fd full null random shm stderr stdin stdout urandom zero 
trex
HOME=/tmp LANG=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin PWD=/job TMPDIR=/tmp " "$out"
out=$("$SBX" --data "$T/data" -- sh -c 'grep -E " /(data|tmp|output|usr) " /proc/self/mounts | cut -d" " -f2,4 | sort')
case "$out" in
*"/data ro,nosuid,nodev,noexec"*"/output rw,nosuid,nodev,noexec"*"/tmp rw,nosuid,nodev,noexec"*"/usr ro,nosuid,nodev"*) ok "mount flags of /data /output /tmp /usr" ;;
*) not_ok "mount flags of /data /output /tmp /usr" "$out" ;;
esac
out=$("$SBX" -- sh -c 'ls /proc | grep -E "^[0-9]+$" | tr "\n" " "')
case "$out" in
*" 1 "*|"1 "*) not_ok "pid-ns init hidden from the job (hidepid)" "$out" ;;
"") not_ok "pid-ns init hidden from the job (hidepid)" "no pids visible" ;;
*) ok "pid-ns init hidden from the job (hidepid)" ;;
esac
out=$("$SBX" -- sh -c 'for f in keys kcore timer_list kallsyms sched_debug sysrq-trigger; do cat /proc/$f >/dev/null 2>&1 && echo "$f readable"; done; ls /proc/acpi 2>/dev/null && echo acpi listable; head -c 9 /proc/meminfo; echo; grep -c ^processor /proc/cpuinfo >/dev/null && echo cpuinfo')
expect_eq "kernel-wide /proc files masked, meminfo/cpuinfo kept" "MemTotal:
cpuinfo" "$out"

# the job-sized view of host-wide figures (issue #12): what the runtimes
# read for memory and CPU counts is the job's, and they still run
ncpu=$(nproc)
[ "$ncpu" -gt 4 ] && ncpu=4
out=$("$SBX" --memory 300 -- sh -c 'grep -E "^(MemTotal|MemFree|MemAvailable|SwapTotal):" /proc/meminfo | tr -s " "; grep -c "^cpu[0-9]" /proc/stat; grep -c ^processor /proc/cpuinfo; cut -d" " -f1-4 /proc/loadavg; cut -d" " -f2 /proc/uptime; nproc; free -m | awk "/^Mem:/ {print \$2, \$4}"')
expect_eq "meminfo, stat, cpuinfo, loadavg, uptime, nproc, free: the job's figures" "MemTotal: 307200 kB
MemFree: 307200 kB
MemAvailable: 307200 kB
SwapTotal: 0 kB
$ncpu
$ncpu
0.00 0.00 0.00 1/1
0.00
$ncpu
300 300" "$out"
out=$("$SBX" --memory 300 -- python3 -c 'import os; print(os.cpu_count(), os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") >> 20, os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") >> 20, os.getloadavg())')
expect_eq "Python: os.cpu_count, sysinfo(2) pages and load are the job's" "$ncpu 300 300 (0.0, 0.0, 0.0)" "$out"
out=$("$SBX" --etc R -- Rscript -e 'cat(parallel::detectCores(), unlist(parallel::mclapply(1:4, function(i) i * 2, mc.cores = 2)), "\n")')
expect_eq "R: detectCores is the job's, mclapply forks" "$ncpu 2 4 6 8 " "$out"
cat > "$T/code/db.py" <<'PY'
import sqlite3, pandas as pd
c = sqlite3.connect("/tmp/x.db", timeout=0)
print(c.execute("pragma journal_mode=wal").fetchone()[0])
pd.read_csv("/data/cohort.csv").to_sql("d", c, index=False)
c.commit()
c2 = sqlite3.connect("/tmp/x.db", timeout=0)
print(c2.execute("select sum(n) from d").fetchone()[0])
c2.execute("begin immediate")
try:
    c.execute("begin immediate")
except sqlite3.OperationalError as e:
    print("second writer:", e)
PY
out=$("$SBX" --data "$T/data" --code "$T/code" --etc python3 --etc python3.11 --env PYTHONDONTWRITEBYTECODE=1 --env MPLBACKEND=Agg -- python3 db.py 2>&1)
expect_eq "SQLite in /tmp (WAL, two connections: fcntl locks work) with pandas" "wal
26
second writer: database is locked" "$out"
out=$("$SBX" -- sh -c 'printf "3\n1\n2\n" | sort | tr "\n" " "; cp /etc/hostname /tmp/h && cat /tmp/h')
expect_eq "sort (sysconf pages) and cp (FICLONE refused, bytes copied) work" "1 2 3 trex" "$out"
out=$("$SBX" -- sh -c 'echo x > /proc/sys/kernel/core_pattern 2>/dev/null || echo ro; echo b > /proc/sysrq-trigger 2>/dev/null || echo denied; ls -a / | tr "\n" " "')
expect_eq "/proc/sys read-only, sysrq denied, no mask leftovers in /" "ro
denied
. .. bin dev etc lib lib32 lib64 output proc sbin tmp usr " "$out"
out=$("$SBX" --env FOO=bar --env HOME=/output -- sh -c 'echo $FOO $HOME')
expect_eq "--env adds and overrides" "bar /output" "$out"
echo hello > "$T/extra"
out=$("$SBX" --ro-bind "$T/extra" /opt/trex/extra -- sh -c 'cat /opt/trex/extra; (echo x > /opt/trex/extra) 2>/dev/null || echo ro')
expect_eq "--ro-bind file is readable and read-only" "hello
ro" "$out"
out=$("$SBX" -- sh -c 'read x; echo "[$x]"')
expect_eq "stdin is /dev/null" "[]" "$out"
# stdout/stderr: pipes whatever the caller gives (files, terminals are
# relayed: no host path in /proc/self/fd, no terminal to configure)
"$SBX" -- sh -c 'readlink /proc/self/fd/1; readlink /proc/self/fd/2 >&2; exit 3' >"$T/o.txt" 2>"$T/e.txt"
rc=$?
expect_eq "file as stdout/stderr: the job writes to pipes, the bytes arrive, the status passes" \
	"3 pipe pipe" "$rc $(cut -d: -f1 "$T/o.txt") $(cut -d: -f1 "$T/e.txt")"
if command -v script >/dev/null 2>&1; then
	out=$(script -qec "$SBX -- sh -c 'test -t 1 && echo tty || echo notty; stty size 2>/dev/null || echo nosize'" /dev/null </dev/null | tr -d '\r')
	expect_eq "terminal as stdout: the job gets a pipe" "notty
nosize" "$out"
else
	ok "terminal as stdout: # SKIP no script(1) to make a terminal"
fi
done_testing
