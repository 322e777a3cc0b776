/* Privileges of the job and of the output walker: no capability in any set
 * (bounding and ambient included, so even a file-capability binary gains
 * nothing), securebits locked so nothing is regained on a uid change, and
 * no_new_privs so setuid binaries of the host /usr run without their bit
 * (ATTACKS 61-63).
 *
 * libcap's CAP_MODE_NOPRIV is exactly that state: cap_set_mode() clears
 * the inheritable and ambient sets, locks the securebits (NOROOT,
 * NO_SETUID_FIXUP, KEEP_CAPS, NO_CAP_AMBIENT_RAISE, each with its lock),
 * drops every bounding capability this kernel knows, clears the permitted
 * and effective sets and sets no_new_privs. It carries on past a step
 * that fails, so the result is checked as a whole afterwards
 * (cap_get_mode() reads every set, the securebits and the ambient and
 * bounding vectors back from the kernel): a capability left anywhere is
 * an error, never a job that runs with it. */
#include "sandbox.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

int sbx_caps_drop_all(struct trex_err *err)
{
	/* needs CAP_SETPCAP permitted (raised by cap_set_mode itself): the
	 * sandbox's init has every capability of the job's user namespace,
	 * the walker kept its permitted set through its uid change */
	if (cap_set_mode(CAP_MODE_NOPRIV) < 0)
		return trex_err_set(err, -errno, "drop every capability");
	if (cap_get_mode() != CAP_MODE_NOPRIV)
		return trex_err_setx(err, -EPERM, "a capability or securebit survived the drop");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return trex_err_setx(err, -EPERM, "no_new_privs is not set");
	return 0;
}
