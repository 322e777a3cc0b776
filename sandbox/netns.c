/* The job's network namespace: empty (a loopback that is down, no route
 * anywhere), made by the supervisor while the child builds the root.
 *
 * Why not a clone flag: setting up a network namespace is the single most
 * expensive step of a start (every pernet init: loopback, sysctl tables,
 * ipv4/ipv6, netfilter; ~1 ms on the benchmark host), and in clone3 it ran
 * before the child could do anything. Made here instead, it runs on the
 * other CPU in parallel with the child's mounts; the child joins it with
 * setns before pivot_root, long before any job code exists. The namespace
 * is still owned by the host user namespace (made by host root), exactly
 * as a clone-made one, so the job can never configure it. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "common/cleanup.h"

int sbx_netns_make(int *netns_fd, struct trex_err *err)
{
	*netns_fd = -1;
	/* the supervisor only passes through the new namespace: it returns
	 * to its own right away and keeps nothing but an fd */
	_cleanup_close_ int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host < 0)
		return trex_err_set(err, -errno, "open /proc/self/ns/net");
	if (unshare(CLONE_NEWNET) < 0)
		return trex_err_set(err, -errno, "unshare network namespace");
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int e = errno;
	if (setns(host, CLONE_NEWNET) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return trex_err_set(err, -e, "return to the supervisor's network namespace");
	}
	if (fd < 0)
		return trex_err_set(err, -e, "open the new network namespace");
	*netns_fd = fd;
	return 0;
}

int sbx_netns_join(int netns_fd, struct trex_err *err)
{
	if (netns_fd < 0)
		return trex_err_setx(err, -EPROTO, "no network namespace from the supervisor");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return trex_err_set(err, -errno, "join the job's network namespace");
	return 0;
}
