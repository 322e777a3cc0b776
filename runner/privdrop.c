/* The service process's identity (privdrop.h). */
#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seccomp.h>

#define PRIVDROP_DEPTH_MAX 64

int privdrop_resolve(const struct config *c, uid_t *uid, gid_t *gid, struct trex_err *err)
{
	const char *u = c->service_user;
	unsigned long a, b;
	char tail;
	if (u && sscanf(u, "%lu:%lu%c", &a, &b, &tail) == 2) {
		*uid = (uid_t)a;
		*gid = (gid_t)b;
	} else if (u) {
		struct passwd *pw = getpwnam(u);
		if (!pw)
			return trex_err_setx(err, -ENOENT, "service_user \"%.64s\": no such user", u);
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else {
		struct passwd *pw = getpwnam(PRIVDROP_DEFAULT_USER);
		*uid = pw ? pw->pw_uid : PRIVDROP_DEFAULT_ID;
		*gid = pw ? pw->pw_gid : PRIVDROP_DEFAULT_ID;
	}
	if (*uid == 0 || *gid == 0)
		return trex_err_setx(err, -EINVAL, "service_user must not be root (uid or gid 0)");
	/* the service must not share an identity with any job */
	unsigned long base = 200000, count = 10000;
	if (c->uid_range)
		sscanf(c->uid_range, "%lu:%lu", &base, &count);
	if ((*uid >= base && *uid < base + count) || (*gid >= base && *gid < base + count))
		return trex_err_setx(err, -EINVAL, "service_user %lu:%lu lies in uid_range %lu:%lu",
				     (unsigned long)*uid, (unsigned long)*gid, base, count);
	return 0;
}

/* STATE's entries that stay root's: the key, the monitor's log, the
 * lock, and the identifier indexes (the monitor builds and installs
 * them; the service may name them but not read what the dataset gave) */
static int privdrop_keep_root(const char *name)
{
	static const char *const keep[] = { "trexd.key", "trexd.pub", "monitor.log", "trexd.lock",
					    "idindex" };
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (strcmp(name, keep[i]) == 0)
			return 1;
	return 0;
}

static int privdrop_walk(int at, const char *name, uid_t uid, gid_t gid, int top,
			 unsigned depth, struct trex_err *err)
{
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : trex_err_set(err, -errno, "stat %s", name);
	/* a link itself may change hands; what it points to never does */
	if ((st.st_uid != uid || st.st_gid != gid) &&
	    fchownat(at, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return trex_err_set(err, -errno, "chown %s", name);
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (depth >= PRIVDROP_DEPTH_MAX)
		return trex_err_setx(err, -ELOOP, "%s: deeper than %d folders", name,
				     PRIVDROP_DEPTH_MAX);
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", name);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return trex_err_set(err, -errno, "open %s", name);
	}
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (top && privdrop_keep_root(e->d_name))
			continue;
		r = privdrop_walk(dirfd(d), e->d_name, uid, gid, 0, depth + 1, err);
	}
	closedir(d);
	return r;
}

int privdrop_chown_tree(int dirfd, const char *name, uid_t uid, gid_t gid, int top,
			struct trex_err *err)
{
	return privdrop_walk(dirfd, name, uid, gid, top, 0, err);
}

/* What the service never needs and a compromised service would want:
 * the kernel's larger attack surfaces (namespaces, BPF, io_uring, keys,
 * perf, userfaultfd), reaching into other processes, mounting, loading
 * modules, the clock, rebooting. Each fails with EPERM, so a call trexd's
 * own code (or a library) made after all would fail as a refused
 * operation, not kill the process. A deny list, not yet an allowlist
 * (docs/DESIGN.md "Left"). */
static const char *const privdrop_denied[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd",
	"kcmp", "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
	"move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
	"mount_setattr", "open_by_handle_at", "name_to_handle_at", "bpf",
	"perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "keyctl", "add_key", "request_key", "init_module",
	"finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
	"swapon", "swapoff", "acct", "quotactl", "syslog", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "personality",
	"lookup_dcookie", "fanotify_init", "vhangup", "sethostname", "setdomainname",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
	"setfsuid", "setfsgid", "capset",
};

static int privdrop_seccomp(struct trex_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return trex_err_setx(err, -ENOMEM, "seccomp_init");
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(privdrop_denied) / sizeof(privdrop_denied[0]); i++) {
		int nr = seccomp_syscall_resolve_name(privdrop_denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0)
			trex_err_set(err, r, "seccomp rule %s", privdrop_denied[i]);
	}
	if (r == 0 && (r = seccomp_load(ctx)) < 0)
		trex_err_set(err, r, "seccomp_load");
	seccomp_release(ctx);
	return r;
}

int privdrop_to(uid_t uid, gid_t gid, struct trex_err *err)
{
	/* the bounding set first, while CAP_SETPCAP is still held */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return trex_err_set(err, -errno, "drop capability %d", cap);
	if (setgroups(0, NULL) < 0)
		return trex_err_set(err, -errno, "setgroups");
	if (setresgid(gid, gid, gid) < 0)
		return trex_err_set(err, -errno, "setresgid %lu", (unsigned long)gid);
	/* from uid 0 to another with no SECBIT_KEEP_CAPS: permitted,
	 * effective and ambient capabilities are cleared */
	if (setresuid(uid, uid, uid) < 0)
		return trex_err_set(err, -errno, "setresuid %lu", (unsigned long)uid);
	if (setuid(0) == 0 || setgid(0) == 0)
		return trex_err_setx(err, -EPERM, "could become root again");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return trex_err_set(err, -errno, "no_new_privs");
	/* no other process of the same user may trace it or read its memory */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return trex_err_set(err, -errno, "dumpable");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return trex_err_set(err, -errno, "parent-death signal");
	/* last: it also denies the set*id calls above */
	return privdrop_seccomp(err);
}
