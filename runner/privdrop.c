/* The service process's identity (privdrop.h). */
#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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
	static const char *const keep[] = { "trexd.key", "trexd.pub", "keys", "monitor.log",
					    "trexd.lock", "idindex" };
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

/* The service's seccomp allowlist (docs/DESIGN.md "The service's system
 * calls"): what its loop (libuv), the pool's threads, SQLite (WAL), OpenSSL,
 * jansson and trexd's own code call after the drop, collected under
 * strace -f over every trexd suite (submit, TLS, metrics, backup, reload,
 * drain, disk-full, crash), plus trex-check --build-id-index, which the
 * service still spawns (runner/idcache.c) and which inherits this filter.
 * Calls that only read the process's own state or the clocks are listed
 * even where a run happened not to make them (a clock read is a vDSO call
 * until the clocksource says otherwise). Calls with arguments worth
 * checking are in privdrop_seccomp_args below, not here. */
static const char *const privdrop_allowed[] = {
	/* files: the state folder (store, audit log, jobs, releases) */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close",
	"openat", "openat2", "newfstatat", "fstat", "statx", "fstatfs", "statfs",
	"getdents64", "readlinkat", "mkdir", "mkdirat", "rename", "renameat",
	"renameat2", "unlink", "unlinkat", "rmdir", "chmod", "fchmod", "fchmodat",
	"ftruncate", "fsync", "fdatasync", "fcntl", "access", "faccessat",
	"faccessat2", "dup", "dup2", "dup3", "pipe2", "memfd_create", "umask",
	/* a reload's realpath() of configured paths (config.c) */
	"readlink", "getcwd",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* the loop, its sockets, the monitor's socketpairs */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "eventfd2",
	"accept4", "getsockopt", "setsockopt", "getsockname", "getpeername",
	"sendmsg", "recvmsg", "sendto", "recvfrom", "shutdown", "poll", "ppoll",
	/* the unix socket the monitor binds and hands over (MON_LISTEN) */
	"listen",
	/* a peer's uid to its name (http.c getpwuid_r): glibc's NSS asks
	 * nscd, sssd or systemd-userdb over a unix socket it connects to */
	"connect",
	/* threads (clone: below); no execve: the service runs no program
	 * (the identifier index is built by the monitor, MON_ID_INDEX) */
	"futex", "set_robust_list", "rseq", "set_tid_address", "sched_yield",
	"sched_getaffinity", "exit", "exit_group", "wait4", "arch_prctl",
	/* signals: its own handlers (kill, tgkill: below) */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "restart_syscall",
	/* reading its own identity and the clocks */
	"getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid",
	"getrandom", "clock_gettime", "clock_getres", "gettimeofday", "time",
	"clock_nanosleep", "nanosleep", "uname",
	/* the machine's memory: glibc's qsort asks before sorting a large
	 * array (the review queue, job lists) */
	"sysinfo",
};

/* Address families of socket(): unix only (the NSS daemons above, systemd's
 * NOTIFY_SOCKET: runner/sdnotify.c). The TLS and metrics listeners
 * are bound before the drop and a reload cannot move them (reload.c); the
 * service accepts on them but never opens a network socket, so even a
 * compromised service cannot connect out. */
static const int privdrop_families[] = { AF_UNIX };

/* ioctl requests: libuv's non-blocking and close-on-exec switches and
 * bytes-pending query, and isatty() (stdio, the log) */
static const unsigned long privdrop_ioctls[] = { FIONBIO, FIOCLEX, FIONCLEX, FIONREAD, TCGETS };

/* clone() flags no thread and no posix_spawn child ever carries: new
 * namespaces, being traced */
#define PRIVDROP_CLONE_DENIED                                                                  \
	((uint64_t)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
		    CLONE_NEWPID | CLONE_NEWNET | CLONE_PTRACE | CLONE_UNTRACED))

static int privdrop_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
			 const struct scmp_arg_cmp *cmp, struct trex_err *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return trex_err_setx(err, -ENOSYS, "seccomp: no system call %s", name);
	int r = seccomp_rule_add_array(ctx, action, nr, n, cmp);
	return r < 0 ? trex_err_set(err, r, "seccomp rule %s", name) : 0;
}

/* The calls allowed only with some arguments, and the two answered with an
 * errno rather than the default */
static int privdrop_seccomp_args(scmp_filter_ctx ctx, struct trex_err *err)
{
	const uint64_t self = (uint64_t)getpid();
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(privdrop_families) / sizeof(privdrop_families[0]); i++)
		r = privdrop_rule(ctx, SCMP_ACT_ALLOW, "socket", 1,
				  &SCMP_A0(SCMP_CMP_EQ, (uint64_t)privdrop_families[i]), err);
	/* any other family (inet, netlink, packet, vsock, ...): the kernel's
	 * own answer for a family it lacks, which a library's probe (glibc's
	 * netlink one in getaddrinfo) takes in its stride; a socket not made
	 * changes nothing */
	if (r == 0)
		r = privdrop_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1,
				  &SCMP_A0(SCMP_CMP_NE, (uint64_t)AF_UNIX), err);
	if (r == 0)
		r = privdrop_rule(ctx, SCMP_ACT_ALLOW, "socketpair", 1,
				  &SCMP_A0(SCMP_CMP_EQ, (uint64_t)AF_UNIX), err);
	for (size_t i = 0; r == 0 && i < sizeof(privdrop_ioctls) / sizeof(privdrop_ioctls[0]); i++)
		r = privdrop_rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1,
				  &SCMP_A1(SCMP_CMP_EQ, (uint64_t)privdrop_ioctls[i]), err);
	if (r == 0)
		r = privdrop_rule(ctx, SCMP_ACT_ALLOW, "clone", 1,
				  &SCMP_A0(SCMP_CMP_MASKED_EQ, PRIVDROP_CLONE_DENIED, 0), err);
	/* clone3's flags sit behind a pointer no filter can read: ENOSYS,
	 * and glibc (threads, posix_spawn) falls back to clone above */
	if (r == 0)
		r = privdrop_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err);
	/* signals to itself only (raise, abort); the sandboxes are the
	 * monitor's to signal (MON_KILL) */
	if (r == 0)
		r = privdrop_rule(ctx, SCMP_ACT_ALLOW, "kill", 1, &SCMP_A0(SCMP_CMP_EQ, self), err);
	if (r == 0)
		r = privdrop_rule(ctx, SCMP_ACT_ALLOW, "tgkill", 1, &SCMP_A0(SCMP_CMP_EQ, self), err);
	/* its own limits (pid 0); raising them is not a right it has anyway */
	if (r == 0)
		r = privdrop_rule(ctx, SCMP_ACT_ALLOW, "prlimit64", 1, &SCMP_A0(SCMP_CMP_EQ, 0), err);
	return r;
}

/* Anything else kills the whole service (KILL_PROCESS), rather than
 * failing with EPERM or ENOSYS. A call this list lacks is one made on a
 * path no suite took: an error path, a library's fallback. Failed with an
 * errno, that path would go on with an answer it was never tried with:
 * SQLite and the audit log treat a failed write or sync as an error and
 * roll back, but code that takes EPERM as "nothing to do", or does not
 * look, could go on with the store, the audit log and the job folders
 * disagreeing, or acknowledge what it never wrote. Killed, the service
 * stops between two instructions, as under kill -9, the state every start
 * recovers from (trexd_crash.t): the WAL drops the transaction in flight,
 * the audit chain ends at its last whole line, the monitor ends the
 * sandboxes, logs service_died signal=31 (SIGSYS) and exits, and the next
 * start re-queues. The kernel logs the call's number (audit type=1326,
 * dmesg). A compromised service's first probe ends it the same way. Other
 * architectures' calls (int 0x80, x32) are killed too. */
int privdrop_seccomp(struct trex_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return trex_err_setx(err, -ENOMEM, "seccomp_init");
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* every thread, the pool's too if it has started */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (r < 0)
		trex_err_set(err, r, "seccomp attributes");
	for (size_t i = 0; r == 0 && i < sizeof(privdrop_allowed) / sizeof(privdrop_allowed[0]); i++)
		r = privdrop_rule(ctx, SCMP_ACT_ALLOW, privdrop_allowed[i], 0, NULL, err);
	if (r == 0)
		r = privdrop_seccomp_args(ctx, err);
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
