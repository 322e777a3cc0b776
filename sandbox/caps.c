/* Privileges of the job: no capability in any set (bounding and ambient
 * included, so even a file-capability binary gains nothing), securebits
 * locked so nothing is regained on a uid change, and no_new_privs so setuid
 * binaries of the host /usr run without their bit (ATTACKS 61-63). */
#include "sandbox.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
		  SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
		  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0)
		return trex_err_set(err, -errno, "lock securebits");
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	if (syscall(SYS_capset, &hdr, data) < 0)
		return trex_err_set(err, -errno, "clear capability sets");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return trex_err_set(err, -errno, "set no_new_privs");
	return 0;
}
