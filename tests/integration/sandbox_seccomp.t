#!/bin/sh
# The default seccomp profile inside trex-sandbox: each blocked call fails
# with the exact errno (or kills with SIGSYS for foreign ABIs), and the
# allowed neighbours of each argument filter still work, so the test fails
# if a filter is too loose or too tight.
. "$(dirname "$0")/../lib.sh"
SBX="$BIN/trex-sandbox"
T=$(mktemp -d /tmp/trex-sbx-sec.XXXXXX)
trap 'rm -rf "$T"' EXIT
if ! ${CC:-cc} -O1 -o "$T/probe" "$TREX_ROOT/tests/integration/sandbox_probe.c"; then
	not_ok "build probe"
	done_testing
	exit 1
fi
probe() { "$SBX" --ro-bind "$T/probe" /opt/probe "$@" -- /opt/probe "$PROBE" 2>/dev/null; }
expect_probe() {
	PROBE=$1
	out=$(probe)
	expect_eq "$1 -> $2" "$1 $2" "$out"
}
expect_probe tiocsti errno=EPERM
expect_probe tiocsti_high errno=EPERM
expect_probe tioclinux errno=EPERM
expect_probe fionread errno=ENOTTY
expect_probe clone3 errno=ENOSYS
expect_probe clone_newuser errno=EPERM
expect_probe fork ok
expect_probe unshare_user errno=EPERM
expect_probe unshare_net errno=EPERM
expect_probe socket_unix ok
expect_probe socket_tcp ok
expect_probe socket_udp6 ok
expect_probe socket_dccp errno=EPERM
expect_probe socket_sctp errno=EPERM
expect_probe socket_raw errno=EPERM
expect_probe socket_icmp errno=EPERM
expect_probe socket_netlink errno=EPERM
expect_probe socket_packet errno=EPERM
expect_probe socket_alg errno=EPERM
expect_probe socket_vsock errno=EPERM
expect_probe personality_query ok
expect_probe personality_rie errno=EPERM
expect_probe memfd_exec errno=EPERM
expect_probe memfd_noexec ok
expect_probe execveat errno=EPERM
expect_probe io_uring errno=EPERM
expect_probe bpf errno=EPERM
expect_probe userfaultfd errno=EPERM
expect_probe keyctl errno=EPERM
expect_probe perf errno=EPERM
expect_probe ptrace errno=EPERM
expect_probe mount errno=EPERM
expect_probe chroot errno=EPERM
expect_probe pivot_root errno=EPERM
expect_probe mknod errno=EPERM
expect_probe fds max=2
PROBE=x32
probe >/dev/null
expect_eq "x32 entry point killed by SIGSYS" 159 "$?"
# the i386 entry point exists only with the kernel's IA32 emulation; the
# control (an unprivileged uid in a bare user namespace) tells: without it
# int 0x80 is SIGSEGV for everyone and there is no i386 ABI to filter
chmod 755 "$T"
setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Ur -- "$T/probe" i386 >/dev/null 2>&1
ctl=$?
PROBE=i386
probe >/dev/null
rc=$?
if [ "$ctl" -eq 139 ]; then
	ok "i386 entry point: # SKIP this kernel has no IA32 emulation (control SIGSEGV)"
	expect_eq "i386 entry point without IA32 emulation: SIGSEGV in the sandbox too" 139 "$rc"
else
	expect_eq "i386 entry point: control reaches getpid" 0 "$ctl"
	expect_eq "i386 entry point killed by SIGSYS" 159 "$rc"
fi
# control: the same probe outside any filter behaves differently, so the
# assertions above are about the sandbox, not the probe
out=$("$T/probe" personality_rie; "$T/probe" memfd_exec)
expect_eq "control: unfiltered process may call them" "personality_rie ok
memfd_exec ok" "$out"

# --seccomp-profile: a profile file compiled at start
cp "$TREX_ROOT/policies/seccomp/default.policy" "$T/p.policy"
sed -i 's/^allow uname$/deny uname/' "$T/p.policy"
out=$("$SBX" --seccomp-profile "$T/p.policy" -- sh -c 'uname -s 2>/dev/null || echo denied')
expect_eq "--seccomp-profile FILE applies that profile" denied "$out"
echo 'allow ptrace' >> "$T/p.policy"
"$SBX" --status-fd 3 --seccomp-profile "$T/p.policy" -- true 3>"$T/st" 2>/dev/null
expect_eq "profile failing the linter is refused (seccomp stage)" "125 seccomp" "$? $(sed -n 's/^failed_stage=//p' "$T/st")"
check "lint error names the line" grep -q "^error=.*line [0-9]*: dangerous syscall 'ptrace'" "$T/st"

# --seccomp-fd: precompiled blob (what trexd passes)
"$BIN/secpolc" -o "$T/blob" "$TREX_ROOT/policies/seccomp/default.policy"
out=$("$SBX" --seccomp-fd 4 -- sh -c 'echo fine' 4<"$T/blob")
expect_eq "--seccomp-fd loads a precompiled blob" fine "$out"
exec 5<"$T/blob"
"$SBX" --seccomp-fd 5 -- true; a=$?
"$SBX" --seccomp-fd 5 -- true; b=$?
exec 5<&-
expect_eq "one blob fd serves several sandboxes (trexd shares it)" "0 0" "$a $b"
head -c 20 "$T/blob" > "$T/trunc"
"$SBX" --status-fd 3 --seccomp-fd 4 -- true 4<"$T/trunc" 3>"$T/st2" 2>/dev/null
expect_eq "truncated blob refused" "125 seccomp" "$? $(sed -n 's/^failed_stage=//p' "$T/st2")"
done_testing
