/* The job's identity: a host uid of its own, held exclusively through a
 * lock file for the job's lifetime, and the user namespace mapping job
 * uid/gid 1000 to it (one id each: root inside is not mapped at all, so it
 * can never be host root). The supervisor makes the namespace, maps written,
 * while the child builds the root, and hands it over as an fd: the child
 * joins it after pivot_root without a round trip to the supervisor.
 *
 * The namespace is owned by the job's host uid, not by host root (as
 * unprivileged bubblewrap's is): the kernel charges every per-user count
 * taken inside a user namespace (inotify instances and watches, queued
 * signals, POSIX message queue bytes, SHM_LOCK memory, processes, nested
 * namespaces) to the uid that owns it as well, in the parent namespace.
 * Owned by root, every job drew on host root's counts: one job holding
 * 128 inotify instances left host root and every other job with none. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <linux/securebits.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"

int sbx_uid_acquire(const char *dir, uint32_t base, uint32_t count,
		    struct sbx_uid_lease *lease, struct trex_err *err)
{
	lease->lock_fd = -1;
	int rc = trex_mkdir_p(dir, 0700, err);
	if (rc < 0)
		return rc;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return trex_err_set(err, -errno, "open %s", dir);
	/* start at a pid-derived offset so concurrent starts rarely collide on
	 * the same lock; correctness comes from flock, not from the offset */
	uint32_t start = (uint32_t)getpid() % count;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t uid = base + (start + i) % count;
		char name[32];
		snprintf(name, sizeof(name), "%u.lock", uid);
		int fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return trex_err_set(err, -errno, "open %s/%s", dir, name);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			lease->host_uid = uid;
			lease->lock_fd = fd;
			return 0;
		}
		int e = errno;
		close(fd);
		if (e != EWOULDBLOCK)
			return trex_err_set(err, -e, "flock %s/%s", dir, name);
	}
	return trex_err_setx(err, -EBUSY, "all %u uids of %u:%u are in use", count, base, count);
}

void sbx_uid_release(struct sbx_uid_lease *lease)
{
	if (lease->lock_fd >= 0)
		close(lease->lock_fd);
	lease->lock_fd = -1;
}

static int sbx_write_proc(pid_t pid, const char *file, const char *text, struct trex_err *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", path);
	if (trex_write_all(fd, text, strlen(text)) < 0)
		return trex_err_set(err, -errno, "write %s", path);
	return 0;
}

int sbx_userns_write_maps(pid_t pid, uid_t host_uid, struct trex_err *err)
{
	char line[64];
	if (host_uid == 0)
		return trex_err_setx(err, -EPERM, "refusing to map the job to host root");
	snprintf(line, sizeof(line), "%d %u 1\n", SBX_JOB_UID, (unsigned)host_uid);
	int rc = sbx_write_proc(pid, "uid_map", line, err);
	if (rc < 0)
		return rc;
	snprintf(line, sizeof(line), "%d %u 1\n", SBX_JOB_GID, (unsigned)host_uid);
	return sbx_write_proc(pid, "gid_map", line, err);
}

/* The vfork helper: becomes the job's host uid and gid (no supplementary
 * groups) and makes the user namespace, which the kernel gives the
 * caller's euid/egid as owner. SECBIT_NO_SETUID_FIXUP keeps its
 * capabilities across the uid change, so a host that allows only
 * capable processes to make user namespaces (Debian's
 * kernel.unprivileged_userns_clone=0, Ubuntu's AppArmor restriction)
 * still lets it; the owner is the euid either way. Raw syscalls only (see
 * sbx_userns_become_job): it runs on the supervisor's memory. Credentials
 * and securebits are per task, so the supervisor keeps its own. Returns
 * the errno of the step that failed as its exit status (0: made). */
__attribute__((noreturn)) static void sbx_userns_helper(uid_t host_uid)
{
	if (syscall(SYS_prctl, PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0 ||
	    syscall(SYS_setgroups, 0, NULL) < 0 ||
	    syscall(SYS_setresgid, host_uid, host_uid, host_uid) < 0 ||
	    syscall(SYS_setresuid, host_uid, host_uid, host_uid) < 0 ||
	    syscall(SYS_unshare, CLONE_NEWUSER) < 0)
		_exit(errno > 0 && errno < 256 ? errno : EPERM);
	_exit(0);
}

int sbx_userns_make(uid_t host_uid, int *userns_fd, struct trex_err *err)
{
	*userns_fd = -1;
	if (host_uid == 0)
		return trex_err_setx(err, -EPERM, "refusing to map the job to host root");
	/* the helper's uid change marks the memory it shares with us
	 * non-dumpable (the kernel does so on any euid change); ours is put
	 * back once it is done */
	int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	/* a vfork child makes the namespace and exits at once; the namespace
	 * outlives it through the fd below, and a zombie's maps and ns link
	 * stay usable until it is reaped */
	pid_t pid = vfork();
	if (pid == 0)
		sbx_userns_helper(host_uid);
	if (pid < 0)
		return trex_err_set(err, -errno, "vfork the user namespace helper");
	if (dumpable >= 0)
		prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
	/* vfork returned: the helper has exited, a zombie until reaped */
	int st = 0;
	char path[64];
	int rc = sbx_userns_write_maps(pid, host_uid, err);
	if (rc == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		if ((*userns_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			rc = trex_err_set(err, -errno, "open %s", path);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		int e = WIFEXITED(st) ? WEXITSTATUS(st) : EPROTO;
		/* its own reason first: the maps of a helper that never made
		 * a namespace fail too, as mapping host root's namespace */
		rc = trex_err_set(err, -e, "make the job's user namespace as host uid %u",
				  (unsigned)host_uid);
	}
	if (rc < 0 && *userns_fd >= 0) {
		close(*userns_fd);
		*userns_fd = -1;
	}
	return rc;
}

int sbx_userns_join(int userns_fd, struct trex_err *err)
{
	if (userns_fd < 0)
		return trex_err_setx(err, -EPROTO, "no user namespace from the supervisor");
	if (setns(userns_fd, CLONE_NEWUSER) < 0)
		return trex_err_set(err, -errno, "join the job's user namespace");
	return 0;
}

int sbx_userns_become_job(struct trex_err *err)
{
	/* supplementary groups were cleared as host root before the user
	 * namespace existed (sbx_child_main); here only the ids change */
	/* raw syscalls: the child of a raw clone is single-threaded, but
	 * glibc's set*id would try to signal the threads it remembers from
	 * the supervisor (and wait for them forever) */
	if (syscall(SYS_setresgid, SBX_JOB_GID, SBX_JOB_GID, SBX_JOB_GID) < 0)
		return trex_err_set(err, -errno, "setresgid");
	if (syscall(SYS_setresuid, SBX_JOB_UID, SBX_JOB_UID, SBX_JOB_UID) < 0)
		return trex_err_set(err, -errno, "setresuid");
	return 0;
}

/* Rootless mode. An unprivileged writer may map exactly one id, its own
 * euid (egid), and a gid_map only once setgroups is denied for good in
 * that namespace (user_namespaces(7)): so the job's 1000 is the caller,
 * and the caller's supplementary groups stay with the job's processes,
 * unremovable (SECURITY.md, rootless mode). Root inside is not mapped,
 * as in a root run. */
int sbx_userns_write_maps_rootless(pid_t pid, uid_t uid, gid_t gid, struct trex_err *err)
{
	char line[64];
	if (uid == 0)
		return trex_err_setx(err, -EPERM, "refusing to map the job to host root");
	int rc = sbx_write_proc(pid, "setgroups", "deny\n", err);
	if (rc < 0)
		return rc;
	snprintf(line, sizeof(line), "%d %u 1\n", SBX_JOB_UID, (unsigned)uid);
	if ((rc = sbx_write_proc(pid, "uid_map", line, err)) < 0)
		return rc;
	snprintf(line, sizeof(line), "%d %u 1\n", SBX_JOB_GID, (unsigned)gid);
	return sbx_write_proc(pid, "gid_map", line, err);
}

/* One level of the rootless base: made 0700 if absent, then checked
 * without following a symlink. */
static int sbx_rootless_dir(const char *path, uid_t uid, struct trex_err *err)
{
	struct stat st;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return trex_err_set(err, -errno, "mkdir %s", path);
	if (lstat(path, &st) < 0)
		return trex_err_set(err, -errno, "stat %s", path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077))
		return trex_err_setx(err, -EPERM, "%s is not a directory of uid %u with mode 0700",
				     path, (unsigned)uid);
	return 0;
}

int sbx_userns_rootless_base(char *buf, size_t size, struct trex_err *err)
{
	uid_t uid = geteuid();
	int n = snprintf(buf, size, "/tmp/trex-sandbox-%u", (unsigned)uid);
	if (n < 0 || (size_t)n + sizeof("/root") > size)
		return trex_err_setx(err, -ENAMETOOLONG, "rootless base path");
	int rc = sbx_rootless_dir(buf, uid, err);
	if (rc < 0)
		return rc;
	snprintf(buf + n, size - (size_t)n, "/root");
	return sbx_rootless_dir(buf, uid, err);
}
