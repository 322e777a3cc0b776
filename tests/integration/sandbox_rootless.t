#!/bin/sh
# trex-sandbox's rootless mode (SECURITY.md "Rootless mode"): started as an
# unprivileged uid (host root only starts the test), the job is in its own
# user namespace mapping just that uid, its own pid and network namespaces,
# under the seccomp profile and the memory rlimit; the same calls made
# outside by the same uid behave differently. Every check compares with
# the outside, so it fails when a namespace or the filter is missing.
. "$(dirname "$0")/../lib.sh"
SBX="$BIN/trex-sandbox"
U=65534
T=$(mktemp -d /tmp/trex-sbx-rootless.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 0755 "$T"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "1..0 # SKIP needs root to start an unprivileged uid (setpriv)"
	exit 0
fi
if ! ${CC:-cc} -O1 -o "$T/probe" "$TREX_ROOT/tests/integration/sandbox_probe.c"; then
	not_ok "build probe"
	done_testing
	exit 1
fi
chmod 0755 "$T/probe"
as_user() { setpriv --reuid=$U --regid=$U --clear-groups "$@"; }
# sbx [OPTIONS] -- CMD: trex-sandbox as the user, status record in $T/status
sbx() { as_user "$SBX" --status-fd 3 "$@" 3>"$T/status" 2>"$T/stderr"; }
maps() { tr -s ' \t' ' ' | sed 's/^ //'; }

# the user namespace: only the caller, as the job's 1000
out=$(sbx -- /bin/cat /proc/self/uid_map | maps)
expect_eq "job uid_map: 1000 is the caller, nothing else" "1000 $U 1" "$out"
out=$(sbx -- /bin/cat /proc/self/gid_map | maps)
expect_eq "job gid_map: 1000 is the caller's gid" "1000 $U 1" "$out"
out=$(as_user /bin/cat /proc/self/uid_map | maps)
expect_eq "outside: the host's identity map" "0 0 4294967295" "$out"
out=$(sbx -- /bin/cat /proc/self/setgroups)
expect_eq "setgroups denied in the job's namespace" "deny" "$out"
grep -q '^mode=rootless$' "$T/status" && ok "status record says mode=rootless" ||
	not_ok "status record says mode=rootless" "$(cat "$T/status")"
grep -q '^limits=memory:rlimit_data_per_process,pids:rlimit_nproc_per_userns,cpu:rlimit_cpu_per_process,wall:supervisor$' "$T/status" &&
	ok "status record says which limit is enforced how" ||
	not_ok "status record says which limit is enforced how" "$(cat "$T/status")"
grep -q 'rootless mode (not a boundary for real data' "$T/stderr" && ok "stderr says rootless, not a boundary" ||
	not_ok "stderr says rootless, not a boundary" "$(cat "$T/stderr")"

# the pid namespace: the job is pid 2 under the sandbox's init
out=$(sbx -- /bin/sh -c 'echo $$')
expect_eq "job is pid 2 of its own pid namespace" "2" "$out"
inner=$(sbx -- /bin/readlink /proc/self/ns/pid)
outer=$(as_user readlink /proc/self/ns/pid)
[ -n "$inner" ] && [ "$inner" != "$outer" ] && ok "pid namespace differs from the caller's" ||
	not_ok "pid namespace differs from the caller's" "$inner vs $outer"

# the network namespace: loopback down, a connect to a host port fails
# with ENETUNREACH inside; outside, the same uid reaches the host loopback
# (nothing listens there: ECONNREFUSED)
PY='import socket,errno,sys
s=socket.socket()
try:
    s.connect(("127.0.0.1", 47391)); print("connected")
except OSError as e:
    print(errno.errorcode[e.errno])'
out=$(sbx -- /usr/bin/python3 -c "$PY")
expect_eq "job: connect to 127.0.0.1 fails ENETUNREACH" "ENETUNREACH" "$out"
out=$(as_user /usr/bin/python3 -c "$PY")
expect_eq "outside: the same connect reaches the host loopback" "ECONNREFUSED" "$out"

# the seccomp profile: denied calls get the profile's errno; outside, the
# same calls succeed
probe_in() { sbx --ro-bind "$T/probe" /opt/probe -- /opt/probe "$1"; }
expect_eq "job: flock -> ENOSYS (profile)" "flock errno=ENOSYS" "$(probe_in flock)"
expect_eq "outside: flock works" "flock ok" "$(cd "$T" && as_user "$T/probe" flock)"
expect_eq "job: personality(READ_IMPLIES_EXEC) -> EPERM" "personality_rie errno=EPERM" "$(probe_in personality_rie)"
expect_eq "outside: personality(READ_IMPLIES_EXEC) works" "personality_rie ok" "$(as_user "$T/probe" personality_rie)"
expect_eq "job: socket(AF_NETLINK) -> EPERM" "socket_netlink errno=EPERM" "$(probe_in socket_netlink)"
expect_eq "outside: socket(AF_NETLINK) works" "socket_netlink ok" "$(as_user "$T/probe" socket_netlink)"

# the memory limit without a cgroup: RLIMIT_DATA per process
out=$(sbx --memory 64 -- /usr/bin/python3 -c 'b = bytearray(200 << 20); print("allocated")'; cat "$T/stderr")
case "$out" in *MemoryError*) ok "job: 200 MB under --memory 64 is refused" ;;
*) not_ok "job: 200 MB under --memory 64 is refused" "$out" ;; esac
out=$(as_user /usr/bin/python3 -c 'b = bytearray(200 << 20); print("allocated")')
expect_eq "outside: 200 MB is allocated" "allocated" "$out"

# outputs: collected into a directory of the caller, owned by it
mkdir "$T/out" && chown $U:$U "$T/out"
sbx --output "$T/out" -- /bin/sh -c 'echo 42 > /output/n.txt; echo x > /tmp/t' >/dev/null
expect_eq "output collected" "42" "$(cat "$T/out/n.txt" 2>/dev/null)"
expect_eq "collected copy owned by the caller" "$U" "$(stat -c %u "$T/out/n.txt" 2>/dev/null)"
# the job cannot write outside /output and /tmp
out=$(sbx -- /bin/sh -c 'echo x > /job.txt 2>/dev/null && echo wrote || echo refused')
expect_eq "job: / is read-only" "refused" "$out"

# refused: --rootless as root (it would map the job to host root)
"$SBX" --rootless --status-fd 3 -- /bin/true 3>"$T/status" 2>/dev/null
rc=$?
expect_eq "--rootless as root: setup failure" "125" "$rc"
grep -q '^failed_stage=privileges$' "$T/status" && ok "--rootless as root fails at stage privileges" ||
	not_ok "--rootless as root fails at stage privileges" "$(cat "$T/status")"
done_testing
