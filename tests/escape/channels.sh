# Channels between concurrent jobs, host-wide figures and host facts
# (issue #12 items 2, 3; sourced by escape.t). Rows 72 (another job), 74
# (the caller's terminal), 80 (information). Two-job rows run the first
# attempt in the background and the second once the first is armed; the
# control pair is two bare user namespaces on the same host files.
# What stays open (byte-range read locks, the page cache) is measured in
# RESIDUAL.md.

# ctl_bg / sbx_bg FILE ...: ctl / sbx in the background, stdout to FILE
# (emptied first, so esc_armed waits for this run's first line), pid in
# $ESC_BG
ctl_bg() {
	_f=$1 _fl=$2
	shift 2
	[ "$1" = "--" ] && shift
	: >"$_f"
	(cd "$T/ctl" && exec setpriv --reuid=$ESC_UID --regid=$ESC_UID --clear-groups \
		unshare -Ur $_fl -- "$@" </dev/null >"$_f" 2>>"$T/ctl.err") &
	ESC_BG=$!
}
sbx_bg() {
	_f=$1
	shift
	: >"$_f"
	ESC_N=$((ESC_N + 1))
	mkdir "$T/out/$ESC_N"
	if [ -n "$ESC_UNSAFE" ]; then
		echo unsafe-sandbox >"$_f"
		ESC_BG=
		return
	fi
	"$SBX" --job-id "esc-$$-$ESC_N" --uid-range "$ESC_UIDS" --data "$T/data" \
		--output "$T/out/$ESC_N" --ro-bind "$T/att" /opt/attacks "$@" \
		</dev/null >"$_f" 2>>"$T/sbx.err" &
	ESC_BG=$!
}
# the background attempt printed its first line ("armed", or its errno)
esc_armed() {
	_i=0
	while [ $_i -lt 100 ] && [ ! -s "$1" ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}
# its verdict: the last line it printed
esc_bg_result() {
	[ -n "$ESC_BG" ] && wait "$ESC_BG"
	res=$(tail -n 1 "$1")
	[ -n "$res" ] || res=none
}

# row 72: a watch on a dataset file hears another job read it (inotify,
# or dnotify through fcntl F_NOTIFY on its directory): control, two bare
# namespaces on the same file: event; sandbox, two jobs on one dataset:
# the watch is refused
esc_watch_row() {
	_a=$1 _cp=$2 _sp=$3 _l=$4
	ctl_bg "$T/w.ctl" "" -- "$CA" "$_a" "$_cp" 5
	esc_armed "$T/w.ctl"
	ctl "" -- "$CA" read_file "$CD/d.csv"
	esc_bg_result "$T/w.ctl"
	expect_ctl 72 "$_l" event
	sbx_bg "$T/w.sbx" -- /opt/attacks/attack "$_a" "$_sp" 5
	esc_armed "$T/w.sbx"
	sbx -- /opt/attacks/attack read_file /data/d.csv
	esc_bg_result "$T/w.sbx"
	expect_sbx 72 "$_l" EPERM
}
esc_watch_row inotify_watch "$CD/d.csv" /data/d.csv "inotify on a dataset file hears another job read it"
esc_watch_row dnotify_watch "$CD" /data "dnotify (F_NOTIFY) on the dataset hears another job read it"

# row 72: an exclusive flock on a read-only dataset file was granted and
# blocked every other locker of the dataset, jobs and host alike
A 72 "flock on a dataset file" "" ok ENOSYS flock_try @D/d.csv
ctl_bg "$T/f.ctl" "" -- "$CA" flock_hold "$CD/d.csv" 3
esc_armed "$T/f.ctl"
ctl "" -- "$CA" flock_try "$CD/d.csv"
expect_ctl 72 "another job's flock(LOCK_EX) blocks a locker of the dataset" EAGAIN
wait "$ESC_BG"
sbx_bg "$T/f.sbx" -- /opt/attacks/attack flock_hold /data/d.csv 3
esc_armed "$T/f.sbx"
ctl "" -- "$CA" flock_try "$T/data/d.csv"
expect_sbx 72 "a job's flock(LOCK_EX) does not block a host locker of the dataset" ok
sbx -- /opt/attacks/attack flock_try /data/d.csv
expect_sbx 72 "a job's flock(LOCK_EX) does not block another job" ENOSYS
[ -z "$ESC_BG" ] || wait "$ESC_BG"

# row 80: host-wide /proc files other jobs move (I/O, interrupts, free
# pages, pressure, open files, the lock table) or that describe the host
# (boot command line, boot id, disks, consoles): masked
for f in cmdline consoles diskstats partitions locks vmstat zoneinfo buddyinfo interrupts \
	softirqs swaps schedstat cgroups mdstat sys/kernel/random/boot_id sys/fs/file-nr \
	sys/fs/inode-nr sys/fs/dentry-state; do
	[ -e "/proc/$f" ] || continue
	A 80 "read /proc/$f" "" ok EACCES open_r "/proc/$f"
done
for d in pressure irq fs; do
	[ -d "/proc/$d" ] || continue
	A 80 "list /proc/$d" "" ok EACCES opendir "/proc/$d"
done

# row 80: the figures runtimes read, job-sized (--memory 256, the job's
# CPUs, no load, no idle time, zero counters) and frozen at set-up
esc_view() {
	_l=$1 _c=$2 _s=$3
	shift 3
	ctl "" -- "$CA" "$@"
	expect_ctl 80 "$_l" "$_c"
	sbx --memory 256 -- /opt/attacks/attack "$@"
	expect_sbx 80 "$_l" "$_s"
}
esc_view "/proc/meminfo MemTotal" 'MemTotal: [0-9]* kB' 'MemTotal: 262144 kB' proc_line /proc/meminfo MemTotal:
esc_view "/proc/meminfo MemFree" 'MemFree: [0-9]* kB' 'MemFree: 262144 kB' proc_line /proc/meminfo MemFree:
esc_view "/proc/meminfo MemAvailable" 'MemAvailable: [0-9]* kB' 'MemAvailable: 262144 kB' proc_line /proc/meminfo MemAvailable:
esc_view "/proc/stat processes (forks since boot)" 'processes [1-9]*' 'processes 0' proc_line /proc/stat processes
esc_view "/proc/stat intr (interrupts since boot)" 'intr [1-9]*' 'intr 0' proc_line /proc/stat intr
esc_view "/proc/stat ctxt" 'ctxt [1-9]*' 'ctxt 0' proc_line /proc/stat ctxt
esc_view "/proc/stat cpu times" 'cpu *[1-9]*' 'cpu 0 0 0 0 0 0 0 0 0 0' proc_line /proc/stat 'cpu '
esc_view "/proc/loadavg (load, threads)" '* */[0-9][0-9]* *' '0.00 0.00 0.00 1/1 1' proc_line /proc/loadavg -
esc_view "/proc/uptime idle time" '[0-9]*.[0-9]* [1-9]*' '[0-9]*.[0-9]* 0.00' proc_line /proc/uptime -
# a file, not procfs (on the job's tmpfs, or the per-boot views under
# /run/trex/procview, whatever filesystem /run is)
esc_view "/proc/cpuinfo (live frequency)" proc 'tmpfs|fs=0x*' fs_type /proc/cpuinfo
esc_view "sysinfo(2) (threads, memory, load)" 'procs=[1-9][0-9]* *' \
	'procs=1 totalram=268435456 freeram=268435456 sharedram=0 bufferram=0 loads=0,0,0' sysinfo

# row 80: filesystem-information ioctls on a dataset file (physical
# extents, filesystem UUID, label, sysfs path, flags, generation, block
# size of the host filesystem behind /data). The control's answer
# depends on the host filesystem of $T: ok on ext4, ENOTTY/EOPNOTSUPP on
# filesystems without the request
for r in FIEMAP FS_IOC_GETFSUUID FS_IOC_GETFSLABEL FS_IOC_GETFSSYSFSPATH FS_IOC_GETFLAGS \
	FS_IOC_GETVERSION FS_IOC_FSGETXATTR FIGETBSZ; do
	A 80 "ioctl $r on a dataset file" "" 'ok|ENOTTY|EOPNOTSUPP' EPERM fs_ioctl "$r" @D/d.csv
done

# row 80: write-back of host filesystems (every one, the dataset's)
A 80 "sync()" "" ok EPERM sync
A 80 "syncfs() on the dataset's filesystem" "" ok EPERM syncfs @D/d.csv

# row 74: run by hand on a terminal (here script(1)'s), the job gets
# pipes: it cannot set the caller's terminal
esc_tty() {
	out=$(script -qec "$1" /dev/null </dev/null 2>>"$T/ctl.err" | tr -d '\r')
	rc=$?
	res=$(esc_norm "$out" "$rc")
}
sbx_tty() {
	ESC_N=$((ESC_N + 1))
	ESC_OUT="$T/out/$ESC_N"
	mkdir "$ESC_OUT"
	if [ -n "$ESC_UNSAFE" ]; then
		res=unsafe-sandbox
		return
	fi
	esc_tty "$SBX --job-id esc-$$-$ESC_N --uid-range $ESC_UIDS --data $T/data --output $ESC_OUT --ro-bind $T/att /opt/attacks -- /opt/attacks/attack $*"
}
if command -v script >/dev/null 2>&1; then
	for t in "isatty 1|stdout is the caller's terminal|tty|notty" \
		"tty_set 1|TCSETS on the caller's terminal|ok|EPERM" \
		"tty_winsz 1|TIOCSWINSZ on the caller's terminal|ok|EPERM"; do
		IFS='|' read -r _a _l _c _s <<EOF
$t
EOF
		esc_tty "cd $T/ctl && setpriv --reuid=$ESC_UID --regid=$ESC_UID --clear-groups unshare -Ur -- $CA $_a"
		expect_ctl 74 "$_l" "$_c"
		sbx_tty "$_a"
		expect_sbx 74 "$_l" "$_s"
	done
else
	ok "row 74 terminal rows # SKIP no script(1) to make a terminal"
fi

# row 80: the host path of a file the caller gave as stderr
A 80 "host path of the caller's stderr file in /proc/self/fd" "" '/*' 'pipe:*' fd_path 2
