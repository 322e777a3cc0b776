/* The output walker: the only code that looks up names in the job's
 * /output tree. It runs after every job process is dead (so no swap race
 * can happen, ATTACKS 24), in a child of the supervisor that became the
 * job's host uid with no capabilities, no_new_privs and only two fds: the
 * /output root and its socket to the copier (collect.c). Everything below
 * the root is opened with openat2(RESOLVE_BENEATH|NO_SYMLINKS|
 * NO_MAGICLINKS|NO_XDEV) and O_NOFOLLOW|O_NONBLOCK; each regular file is
 * handed to the copier as an open fd, everything else is reported with
 * its reason. Names are never interpreted.
 *
 * As the job's host uid the walker owns every entry (the job could create
 * nothing else) and can open nothing on the host that the job could not
 * have read itself. A job that took away its own read or search bits on
 * an entry gets them back (the owner's only: u+r, u+rx for directories),
 * as root's DAC override gave them before: the tree is the dead job's
 * own, and nothing else can reach it. */
#include "collect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "beneath.h"
#include "outname.h"
#include "sandbox.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6, the same number on every architecture */
#endif

#define WALK_SRC_FD 3
#define WALK_SOCK_FD 4

struct sbx_walk {
	const struct sbx_collect_limits *lim;
	int sock;
	uint64_t entries; /* files handed over + entries refused */
};

bool sbx_collect_name_ok(const char *name)
{
	return trex_outname_component_ok(name, strlen(name));
}

static int walk_openat2(int dirfd, const char *name, int flags)
{
	return trex_open_beneath(dirfd, name, flags, RESOLVE_NO_XDEV);
}

/* Give an entry back the owner bits `need` (name "": dirfd itself); a
 * failure shows as the open that follows failing.
 * fchmodat2 changes the entry, never what a symlink points to. Before
 * Linux 6.6 plain fchmodat would follow one, but the entry was just
 * lstat'ed as a file or directory, nothing can change the tree any more,
 * and this process can change nothing but the job's own files anyway. */
static int walk_restore_bits(int dirfd, const char *name, const struct stat *st, mode_t need)
{
	if ((st->st_mode & need) == need || st->st_uid != geteuid())
		return 0;
	mode_t mode = (st->st_mode & 07777) | need;
	if (syscall(SYS_fchmodat2, dirfd, name, mode, name[0] ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", dirfd);
	if (name[0] ? fchmodat(dirfd, name, mode, 0) : chmod(self, mode))
		return -errno;
	return 0;
}

static int walk_send(struct sbx_walk *w, uint32_t type, uint32_t reason, const char *name,
		     int fd, struct trex_err *err)
{
	struct sbx_collect_msg m = { .type = type, .reason = reason };
	if (name)
		snprintf(m.name, sizeof(m.name), "%s", name);
	int rc = sbx_fdmsg_send(w->sock, &m, sizeof(m), fd);
	return rc < 0 ? trex_err_set(err, rc, "send to the output copier") : 0;
}

static int walk_refuse(struct sbx_walk *w, const char *name, uint32_t reason, struct trex_err *err)
{
	w->entries++;
	return walk_send(w, SBX_COLLECT_REFUSED, reason, name, -1, err);
}

static int walk_file(struct sbx_walk *w, int dfd, const char *name, const struct stat *lst,
		     struct trex_err *err)
{
	walk_restore_bits(dfd, name, lst, S_IRUSR);
	int fd = walk_openat2(dfd, name, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return walk_refuse(w, name, SBX_REFUSE_CANNOT_OPEN, err);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_ino != lst->st_ino ||
	    st.st_dev != lst->st_dev) {
		close(fd);
		return walk_refuse(w, name, SBX_REFUSE_CHANGED, err);
	}
	w->entries++;
	int rc = walk_send(w, SBX_COLLECT_FILE, 0, name, fd, err);
	close(fd);
	return rc;
}

/* dfd (O_RDONLY | O_DIRECTORY) is ours: closed on return */
static int walk_dir(struct sbx_walk *w, int dfd, unsigned depth, struct trex_err *err)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return trex_err_set(err, -errno, "fdopendir");
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (!sbx_collect_name_ok(name)) {
			rc = walk_refuse(w, name, SBX_REFUSE_BAD_NAME, err);
			continue;
		}
		if (w->entries >= w->lim->max_entries) {
			rc = walk_refuse(w, name, SBX_REFUSE_TOO_MANY, err);
			continue;
		}
		struct stat st;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = walk_refuse(w, name, SBX_REFUSE_CANNOT_STAT, err);
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			rc = walk_file(w, dirfd(d), name, &st, err);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth + 1 > w->lim->max_depth) {
				rc = walk_refuse(w, name, SBX_REFUSE_TOO_DEEP, err);
				continue;
			}
			walk_restore_bits(dirfd(d), name, &st, S_IRUSR | S_IXUSR);
			int sub = walk_openat2(dirfd(d), name, O_RDONLY | O_DIRECTORY);
			if (sub < 0) {
				rc = walk_refuse(w, name, SBX_REFUSE_CANNOT_OPEN, err);
				continue;
			}
			if ((rc = walk_send(w, SBX_COLLECT_DIR, 0, name, -1, err)) < 0) {
				close(sub);
				break;
			}
			if ((rc = walk_dir(w, sub, depth + 1, err)) == 0)
				rc = walk_send(w, SBX_COLLECT_UP, 0, NULL, -1, err);
		} else {
			uint32_t why = S_ISLNK(st.st_mode) ? SBX_REFUSE_SYMLINK :
				       S_ISFIFO(st.st_mode) ? SBX_REFUSE_FIFO :
				       S_ISSOCK(st.st_mode) ? SBX_REFUSE_SOCKET :
				       S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? SBX_REFUSE_DEVICE :
				       SBX_REFUSE_NOT_REGULAR;
			rc = walk_refuse(w, name, why, err);
		}
	}
	if (rc == 0 && errno)
		rc = trex_err_set(err, -errno, "readdir");
	closedir(d);
	return rc;
}

static int walk_root(struct sbx_walk *w, int src_root, struct trex_err *err)
{
	struct stat st;
	if (fstat(src_root, &st) < 0)
		return trex_err_set(err, -errno, "stat output dir /");
	walk_restore_bits(src_root, "", &st, S_IRUSR | S_IXUSR);
	int rfd = walk_openat2(src_root, ".", O_RDONLY | O_DIRECTORY);
	if (rfd < 0)
		return trex_err_set(err, rfd, "open output dir /");
	return walk_dir(w, rfd, 0, err);
}

/* Only the fds the walk needs, at fixed numbers; stdio on /dev/null. The
 * status fd, the uid lease, the host --output dir and the cgroup dirs
 * stay with the supervisor. */
static int walker_fds(int src_root, int sock)
{
	int s = fcntl(sock, F_DUPFD_CLOEXEC, 10);
	int r = fcntl(src_root, F_DUPFD_CLOEXEC, 10);
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (s < 0 || r < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(nul, 2) < 0 ||
	    dup2(s, WALK_SOCK_FD) < 0 || dup2(r, WALK_SRC_FD) < 0 ||
	    close_range(WALK_SOCK_FD + 1, ~0U, 0) < 0)
		return -errno;
	return 0;
}

/* The job's host uid and gid, no supplementary group, no capability
 * (caps.c), no parent-death surprise, not traceable. */
static int walker_drop(uid_t uid, struct trex_err *err)
{
	pid_t parent = getppid();
	/* rootless mode: the caller's own ids, gid and groups included,
	 * which it cannot change (caps.c) */
	bool rootless = geteuid() != 0;
	gid_t gid = rootless ? getgid() : uid;
	int rc = sbx_caps_become(uid, err);
	if (rc < 0)
		return trex_err_prefix(err, "output walker");
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != uid || eu != uid ||
	    su != uid || rg != gid || eg != gid || sg != gid || (!rootless && getgroups(0, NULL) != 0))
		return trex_err_setx(err, -EPERM, "output walker: ids not all %u", (unsigned)uid);
	/* the uid change cleared both: the supervisor's death ends the
	 * walker, and no process of that uid may trace it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return trex_err_set(err, -errno, "output walker: prctl");
	if (getppid() != parent)
		return trex_err_setx(err, -ESRCH, "output walker: the supervisor is gone");
	return 0;
}

void sbx_collect_walker(int src_root, int sock, uid_t uid, const struct sbx_collect_limits *lim)
{
	struct trex_err err = { 0 };
	if (walker_fds(src_root, sock) < 0)
		_exit(2);
	struct sbx_walk w = { .lim = lim, .sock = WALK_SOCK_FD };
	int rc = walker_drop(uid, &err);
	if (rc == 0)
		rc = walk_root(&w, WALK_SRC_FD, &err);
	if (rc == 0)
		rc = walk_send(&w, SBX_COLLECT_DONE, 0, NULL, -1, &err);
	if (rc < 0) {
		struct sbx_collect_msg m = { .type = SBX_COLLECT_FAILED, .err = err };
		(void)sbx_fdmsg_send(w.sock, &m, sizeof(m), -1);
	}
	_exit(rc < 0 ? 1 : 0);
}
