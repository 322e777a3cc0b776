/* Privileges of the job and of the output walker: no capability in any set
 * (bounding and ambient included, so even a file-capability binary gains
 * nothing), securebits locked so nothing is regained on a uid change, and
 * no_new_privs so setuid binaries of the host /usr run without their bit
 * (ATTACKS 61-63).
 *
 * Two routes to the same state. The output walker (collect_walk.c) uses
 * libcap: cap_setgroups/cap_setuid change its ids keeping the permitted
 * set, CAP_MODE_NOPRIV is exactly the state above (inheritable and
 * ambient cleared, securebits locked, every bounding capability dropped,
 * permitted and effective cleared, no_new_privs), and cap_get_mode()
 * reads it all back from the kernel. The job's init keeps the raw
 * prctl/capset sequence: it runs on every job's start-up path, and there
 * libcap's route measured 0.5 ms more per start on the reference host
 * (about 90 more syscalls, reading each capability's bounding and ambient
 * bit before and after, plus its allocations in a freshly cloned child),
 * against a whole start of 4-9 ms (bench/BENCHMARKS.md). */
#include "sandbox.h"

#include <errno.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SBX_SECUREBITS                                                                    \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |                  \
	 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | \
	 SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

int sbx_caps_drop_all(struct trex_err *err)
{
	/* the bounding set needs CAP_SETPCAP to shrink: do it first. EINVAL
	 * marks the first capability this kernel does not know; at least
	 * CAP_CHECKPOINT_RESTORE (40) must have been dropped by then */
	int cap;
	for (cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			break;
	if (cap <= CAP_CHECKPOINT_RESTORE)
		return trex_err_set(err, -errno, "drop capability %d from bounding set", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return trex_err_set(err, -errno, "clear ambient capabilities");
	if (prctl(PR_SET_SECUREBITS, SBX_SECUREBITS, 0, 0, 0) < 0)
		return trex_err_set(err, -errno, "lock securebits");
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	if (syscall(SYS_capset, &hdr, data) < 0)
		return trex_err_set(err, -errno, "clear capability sets");
	/* one read back: nothing permitted, effective or inheritable */
	if (syscall(SYS_capget, &hdr, data) < 0)
		return trex_err_set(err, -errno, "read capability sets");
	for (int i = 0; i < 2; i++)
		if (data[i].permitted || data[i].effective || data[i].inheritable)
			return trex_err_setx(err, -EPERM, "a capability survived the drop");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return trex_err_set(err, -errno, "set no_new_privs");
	return 0;
}

int sbx_caps_become(uid_t uid, struct trex_err *err)
{
	if (geteuid() != 0 && geteuid() == uid) {
		/* rootless mode: already the caller, with no capability on
		 * the host to drop (nor CAP_SETPCAP to shrink the bounding
		 * set or lock securebits): only no_new_privs, and a check
		 * that nothing is permitted or effective */
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct data[2] = { { 0 } };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return trex_err_set(err, -errno, "set no_new_privs");
		if (syscall(SYS_capget, &hdr, data) < 0)
			return trex_err_set(err, -errno, "read capability sets");
		for (int i = 0; i < 2; i++)
			if (data[i].permitted || data[i].effective)
				return trex_err_setx(err, -EPERM, "a capability is left in a rootless run");
		return 0;
	}
	if (cap_setgroups(uid, 0, NULL) < 0)
		return trex_err_set(err, -errno, "become gid %u", (unsigned)uid);
	if (cap_setuid(uid) < 0)
		return trex_err_set(err, -errno, "become uid %u", (unsigned)uid);
	/* cap_set_mode carries on past a step that fails: the result is
	 * checked as a whole, and anything but NOPRIV is an error */
	if (cap_set_mode(CAP_MODE_NOPRIV) < 0)
		return trex_err_set(err, -errno, "drop every capability");
	if (cap_get_mode() != CAP_MODE_NOPRIV)
		return trex_err_setx(err, -EPERM, "a capability or securebit survived the drop");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return trex_err_setx(err, -EPERM, "no_new_privs is not set");
	return 0;
}
