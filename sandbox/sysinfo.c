/* sysinfo(2) with the job's figures (issue #12). The kernel's answer is
 * host-wide: free and shared memory, load averages and the number of
 * threads move with every other job, so a job reading them in a loop
 * hears what another does, and glibc reads them for
 * sysconf(_SC_PHYS_PAGES) (qsort, sort(1)) and getloadavg(). seccomp
 * cannot change a result, but it can hand the call to a supervisor
 * (SECCOMP_RET_USER_NOTIF): the default profile says `notify sysinfo`,
 * the job installs its filter with a listener and passes it to its init
 * (child.c), which has nothing else to do while the job runs and answers
 * with the figures of the job's /proc view (procview.c): total = free =
 * the memory limit, no swap, no load, one thread, the kernel's own
 * uptime. No filter of its own: every filter costs a JIT at each start.
 *
 * The answer is written into the caller's buffer with process_vm_writev
 * once SECCOMP_IOCTL_NOTIF_ID_VALID says the caller is still blocked in
 * the call (/proc/PID/mem, which seccomp_unotify(2) suggests to pin the
 * process, cannot be opened for writing: the job's /proc is read-only).
 * Between the check and the write the caller could only be replaced by
 * another process of the same job after the pid namespace's pids wrapped
 * around, and init can write nothing that job could not write itself:
 * init is the job's uid without capabilities, so it reaches only job
 * processes, and only dumpable ones, like a debugger of the same user; a
 * process that made itself non-dumpable gets ENOSYS (never the host's
 * figures). A job profile that denies sysinfo wins: an errno outranks a
 * notification. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

/* the request and response buffers, sized by the kernel at the first
 * call (SECCOMP_GET_NOTIF_SIZES: they may grow in later kernels) */
#define SBX_NOTIF_BUF 256
static union {
	struct seccomp_notif n;
	char b[SBX_NOTIF_BUF];
} sbx_req;
static union {
	struct seccomp_notif_resp r;
	char b[SBX_NOTIF_BUF];
} sbx_resp;
static size_t sbx_req_size, sbx_resp_size;

/* The figures of the job's /proc view (procview.c) */
static void sbx_sysinfo_fill(struct sysinfo *si, uint64_t memory_bytes)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	memset(si, 0, sizeof(*si));
	si->uptime = ts.tv_sec;
	si->totalram = memory_bytes;
	si->freeram = memory_bytes;
	si->procs = 1;
	si->mem_unit = 1;
}

/* Write the answer into the caller; -errno for the caller otherwise, 1
 * when the notification is gone (the caller died: nothing to answer). */
static int sbx_sysinfo_write(int listener, uint64_t memory_bytes)
{
	const struct seccomp_notif *req = &sbx_req.n;
	struct sysinfo si;
	if (req->data.arch != AUDIT_ARCH_X86_64 || req->data.nr != __NR_sysinfo)
		return -ENOSYS;
	/* the caller is still blocked in the call, so req->pid is still it */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return 1;
	sbx_sysinfo_fill(&si, memory_bytes);
	struct iovec local = { .iov_base = &si, .iov_len = sizeof(si) };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)req->data.args[0],
				.iov_len = sizeof(si) };
	ssize_t w = process_vm_writev((pid_t)req->pid, &local, 1, &remote, 1, 0);
	if (w == (ssize_t)sizeof(si))
		return 0;
	return w < 0 && errno != EFAULT ? -ENOSYS : -EFAULT;
}

void sbx_sysinfo_answer(int listener, uint64_t memory_bytes)
{
	if (!sbx_req_size) {
		struct seccomp_notif_sizes sz;
		if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0 ||
		    sz.seccomp_notif > SBX_NOTIF_BUF || sz.seccomp_notif_resp > SBX_NOTIF_BUF ||
		    sz.seccomp_notif < sizeof(sbx_req.n) || sz.seccomp_notif_resp < sizeof(sbx_resp.r))
			return; /* never seen: the caller waits until the job ends */
		sbx_req_size = sz.seccomp_notif;
		sbx_resp_size = sz.seccomp_notif_resp;
	}
	memset(sbx_req.b, 0, sbx_req_size);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &sbx_req.n) < 0)
		return; /* EINTR, or the caller died (ENOENT) */
	int rc = sbx_sysinfo_write(listener, memory_bytes);
	if (rc > 0)
		return;
	memset(sbx_resp.b, 0, sbx_resp_size);
	sbx_resp.r.id = sbx_req.n.id;
	sbx_resp.r.error = rc;
	sbx_resp.r.val = 0;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &sbx_resp.r) < 0) {
		/* ENOENT: the caller was killed meanwhile */
	}
}
