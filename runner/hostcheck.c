/* `trexd --check-host` (hostcheck.h): an operator's preflight, one line
 * per check with what to do when it does not pass. Kernel features are
 * tried, not inferred: a child unshares the namespaces trex-sandbox
 * unshares and loads a seccomp filter; a child that took the first job
 * uid of the range walks every dataset, as a job would see it. */
#include "hostcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "cleanup.h"
#include "packs.h"
#include "permit.h"
#include "privdrop.h"
#include "policies/seccomp/secpol.h"

#define HC_UID_BASE 200000u /* trex-sandbox's default --uid-range */
#define HC_UID_COUNT 10000u
#define HC_MIN_FREE_BYTES (1ull << 30)
#define HC_MIN_FREE_INODES 10000ull

enum hc_level { HC_OK, HC_WARN, HC_FAIL };

/* one line: level, check name, what was found, and (unless ok) the fix */
static int hc_line(enum hc_level l, const char *name, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int hc_line(enum hc_level l, const char *name, const char *fix, const char *fmt, ...)
{
	static const char *const tag[] = { "ok", "warn", "FAIL" };
	char what[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (l == HC_OK || !fix)
		printf("%-4s %-16s %s\n", tag[l], name, what);
	else
		printf("%-4s %-16s %s -- %s\n", tag[l], name, what, fix);
	fflush(stdout);
	return l == HC_FAIL;
}

/* fn(arg, msg) in a forked child, which exits with its result; msg comes
 * back through a pipe. Returns the child's result (0 = passed), or -errno
 * when the child could not be made (msg says so). */
static int hc_in_child(int (*fn)(void *, char *, size_t), void *arg, char *msg, size_t len)
{
	int p[2];
	msg[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(msg, len, "pipe: %s", strerror(errno));
		return -errno;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		snprintf(msg, len, "fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		char m[1024] = "";
		int r = fn(arg, m, sizeof(m));
		(void)!write(p[1], m, strlen(m));
		_exit(r ? 1 : 0);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t k;
	while (n + 1 < len && (k = read(p[0], msg + n, len - 1 - n)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		n += (size_t)k;
	}
	msg[n] = '\0';
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* first line of a /proc/sys file, "" when absent */
static const char *hc_sysctl(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static int hc_userns_child(void *arg, char *msg, size_t len)
{
	static const struct { int flag; const char *name; } ns[] = {
		{ CLONE_NEWUSER, "user" }, { CLONE_NEWNS, "mount" }, { CLONE_NEWPID, "pid" },
		{ CLONE_NEWNET, "net" }, { CLONE_NEWIPC, "ipc" }, { CLONE_NEWUTS, "uts" },
		{ CLONE_NEWCGROUP, "cgroup" },
	};
	(void)arg;
	/* one at a time, in trex-sandbox's order, to name the one refused */
	for (size_t i = 0; i < TREX_ARRAY_LEN(ns); i++)
		if (unshare(ns[i].flag) < 0) {
			snprintf(msg, len, "unshare(%s namespace): %s", ns[i].name, strerror(errno));
			return -1;
		}
	return 0;
}

static int hc_userns(void)
{
	char max[64], clone[64], msg[1024];
	hc_sysctl("/proc/sys/user/max_user_namespaces", max, sizeof(max));
	hc_sysctl("/proc/sys/kernel/unprivileged_userns_clone", clone, sizeof(clone));
	if (max[0] && strtol(max, NULL, 10) == 0)
		return hc_line(HC_FAIL, "namespaces", "set user.max_user_namespaces above 0 "
			       "(sysctl -w user.max_user_namespaces=15000, and in /etc/sysctl.d/)",
			       "user.max_user_namespaces=0");
	if (hc_in_child(hc_userns_child, NULL, msg, sizeof(msg)) != 0)
		return hc_line(HC_FAIL, "namespaces", "a kernel with user, mount, pid, net, ipc, uts "
			       "and cgroup namespaces; under a container, one allowed to make them",
			       "%s", msg[0] ? msg : "the child failed");
	return hc_line(HC_OK, "namespaces",
		       NULL, "user, mount, pid, net, ipc, uts, cgroup (user.max_user_namespaces=%s%s%s)",
		       max[0] ? max : "?", clone[0] ? ", kernel.unprivileged_userns_clone=" : "", clone);
}

static int hc_seccomp_child(void *arg, char *msg, size_t len)
{
	(void)arg;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(msg, len, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = ctx ? seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(acct), 0) : -ENOMEM;
	if (r == 0)
		r = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	if (r < 0) {
		snprintf(msg, len, "loading a filter: %s", strerror(-r));
		return -1;
	}
	/* the filter works: acct(2) now answers EPERM, whatever root may do */
	if (syscall(SYS_acct, NULL) != -1 || errno != EPERM) {
		snprintf(msg, len, "a loaded filter did not act");
		return -1;
	}
	return 0;
}

static int hc_seccomp(void)
{
	char avail[256], msg[1024];
	hc_sysctl("/proc/sys/kernel/seccomp/actions_avail", avail, sizeof(avail));
	if (hc_in_child(hc_seccomp_child, NULL, msg, sizeof(msg)) != 0)
		return hc_line(HC_FAIL, "seccomp", "a kernel with CONFIG_SECCOMP_FILTER",
			       "%s", msg[0] ? msg : "the child failed");
	/* the default profile answers sysinfo(2) itself (`notify sysinfo`) */
	if (!strstr(avail, "user_notif"))
		return hc_line(HC_FAIL, "seccomp", "a kernel with SECCOMP_RET_USER_NOTIF (5.0+), or a "
			       "profile without `notify` (seccomp_profile)",
			       "filters load, but actions_avail lacks user_notif (%s)", avail);
	return hc_line(HC_OK, "seccomp", NULL, "filters load and act; actions: %s", avail);
}

/* the path of controller `name` (or the v2 tree, name NULL) in
 * /proc/self/cgroup's text */
static int hc_cg_self(const char *text, const char *name, char *out, size_t len)
{
	const char *line = text;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t ll = nl ? (size_t)(nl - line) : strlen(line);
		char l[1024];
		snprintf(l, sizeof(l), "%.*s", (int)ll, line);
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c1 && c2) {
			*c2 = '\0';
			const char *ctrls = c1 + 1;
			bool hit = false;
			if (!name)
				hit = !strcmp(l, "0") && !*ctrls;
			else
				for (const char *p = ctrls; (p = strstr(p, name)); p++)
					if ((p == ctrls || p[-1] == ',') &&
					    (p[strlen(name)] == '\0' || p[strlen(name)] == ',')) {
						hit = true;
						break;
					}
			if (hit) {
				snprintf(out, len, "%s", c2 + 1);
				return 0;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

static int hc_cgroups(void)
{
	static const struct { const char *name, *v1_probe; bool need; } ctl[] = {
		{ "memory", "memory.usage_in_bytes", true }, { "pids", "cgroup.procs", true },
		{ "cpu", "cpu.shares", false },
	};
	char self[4096] = "", v2path[1024], v2list[512] = "", found[256] = "", missing[128] = "";
	bool hard = false;
	const char *v2 = NULL;
	struct stat st;
	{
		_cleanup_close_ int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, self, sizeof(self) - 1) : -1;
		self[n > 0 ? n : 0] = '\0';
	}
	if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0)
		v2 = "/sys/fs/cgroup";
	else if (stat("/sys/fs/cgroup/unified/cgroup.controllers", &st) == 0)
		v2 = "/sys/fs/cgroup/unified";
	if (v2 && hc_cg_self(self, NULL, v2path, sizeof(v2path)) == 0) {
		char p[2048];
		/* trexd in the supervisor leaf: jobs go under its parent, whose
		 * controllers count (sandbox/cgroup.h) */
		char *leaf = strrchr(v2path, '/');
		if (leaf && strcmp(leaf, "/supervisor") == 0)
			*leaf = '\0';
		snprintf(p, sizeof(p), "%s%s", v2, v2path);
		_cleanup_close_ int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int fd = dfd >= 0 ? openat(dfd, "cgroup.controllers", O_RDONLY | O_CLOEXEC) : -1;
		ssize_t n = fd >= 0 ? read(fd, v2list, sizeof(v2list) - 1) : -1;
		v2list[n > 0 ? n : 0] = '\0';
		v2list[strcspn(v2list, "\n")] = '\0';
	}
	for (size_t i = 0; i < TREX_ARRAY_LEN(ctl); i++) {
		const char *how = NULL;
		size_t nl = strlen(ctl[i].name);
		for (const char *p = v2list; (p = strstr(p, ctl[i].name)); p++)
			if ((p == v2list || p[-1] == ' ') && (p[nl] == '\0' || p[nl] == ' ')) {
				how = "v2";
				break;
			}
		char sp[1024], probe[2200];
		if (!how && hc_cg_self(self, ctl[i].name, sp, sizeof(sp)) == 0) {
			snprintf(probe, sizeof(probe), "/sys/fs/cgroup/%s%s/%s", ctl[i].name,
				 strcmp(sp, "/") ? sp : "", ctl[i].v1_probe);
			if (stat(probe, &st) == 0)
				how = "v1";
		}
		size_t fl = strlen(found), ml = strlen(missing);
		if (how)
			snprintf(found + fl, sizeof(found) - fl, "%s%s=%s", fl ? " " : "", ctl[i].name, how);
		else {
			snprintf(missing + ml, sizeof(missing) - ml, "%s%s", ml ? " " : "", ctl[i].name);
			hard |= ctl[i].need;
		}
	}
	const char *fix = "enable the controllers for trexd's cgroup: cgroup v2 with them in the "
			  "parent's cgroup.subtree_control (systemd: Delegate=yes), or the v1 hierarchies mounted";
	if (missing[0])
		return hc_line(hard ? HC_FAIL : HC_WARN, "cgroups", fix,
			       "no %s controller (%s%s%s); jobs would run without that limit", missing,
			       v2 ? "cgroup2 at " : "no cgroup2", v2 ? v2 : "", found[0] ? ", found: " : "");
	return hc_line(HC_OK, "cgroups", NULL, "%s (cgroup2 %s)", found, v2 ? v2 : "absent");
}

static int hc_pidfd(void)
{
	long fd = syscall(SYS_pidfd_open, getpid(), 0);
	if (fd < 0)
		return hc_line(HC_WARN, "pidfd", "a kernel with pidfd_open (5.3+): trex-sandbox then "
			       "waits for its job by pid", "pidfd_open: %s", strerror(errno));
	close((int)fd);
	return hc_line(HC_OK, "pidfd", NULL, "pidfd_open works");
}

static void hc_uid_range(const struct config *c, uint32_t *base, uint32_t *count)
{
	unsigned long long b, n;
	*base = HC_UID_BASE;
	*count = HC_UID_COUNT;
	if (c && c->uid_range && sscanf(c->uid_range, "%llu:%llu", &b, &n) == 2) {
		*base = (uint32_t)b;
		*count = (uint32_t)n;
	}
}

/* a line "name:start:count" of /etc/subuid or /etc/subgid overlapping
 * [base, base+count) */
static bool hc_sub_overlap(const char *file, uint32_t base, uint32_t count, char *who, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		char name[256];
		unsigned long long s, n;
		if (sscanf(line, "%255[^:]:%llu:%llu", name, &s, &n) == 3 &&
		    s < (unsigned long long)base + count && s + n > base) {
			snprintf(who, len, "%s %llu:%llu of %s", name, s, n, file);
			return true;
		}
	}
	return false;
}

static int hc_uids(const struct config *c)
{
	uint32_t base, count;
	char who[512] = "";
	hc_uid_range(c, &base, &count);
	const char *fix = "choose a uid_range no account, group or subordinate id range uses";
	setpwent();
	for (struct passwd *pw; (pw = getpwent());)
		if (pw->pw_uid >= base && pw->pw_uid - base < count) {
			snprintf(who, sizeof(who), "uid %u (account %s)", (unsigned)pw->pw_uid, pw->pw_name);
			break;
		}
	endpwent();
	if (!who[0]) {
		setgrent();
		for (struct group *gr; (gr = getgrent());)
			if (gr->gr_gid >= base && gr->gr_gid - base < count) {
				snprintf(who, sizeof(who), "gid %u (group %s)", (unsigned)gr->gr_gid, gr->gr_name);
				break;
			}
		endgrent();
	}
	if (who[0] || hc_sub_overlap("/etc/subuid", base, count, who, sizeof(who)) ||
	    hc_sub_overlap("/etc/subgid", base, count, who, sizeof(who)))
		return hc_line(HC_FAIL, "uid_range", fix, "%u:%u overlaps %s: its processes could "
			       "signal or read jobs", base, count, who);
	return hc_line(HC_OK, "uid_range", NULL, "%u:%u: no account, group or subordinate range in it",
		       base, count);
}

/* the dataset walk, in a child that took the job uid (hc_dataset_child) */
static char hc_walk_bad[4096];
static int hc_walk_err;

static int hc_walk_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	int e = 0;
	if (type == FTW_DNR || type == FTW_NS)
		e = EACCES;
	else if (type == FTW_F && S_ISREG(st->st_mode)) {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			e = errno;
		else
			close(fd);
	}
	if (!e)
		return 0;
	snprintf(hc_walk_bad, sizeof(hc_walk_bad), "%s", path);
	hc_walk_err = e;
	return 1;
}

struct hc_ds {
	int dirfd; /* the dataset, opened by root: the sandbox binds it as root */
	uint32_t uid;
};

static int hc_dataset_child(void *arg, char *msg, size_t len)
{
	const struct hc_ds *d = arg;
	/* the job's host ids, no supplementary group, as trex-sandbox maps them */
	if (setgroups(0, NULL) < 0 || setresgid(d->uid, d->uid, d->uid) < 0 ||
	    setresuid(d->uid, d->uid, d->uid) < 0) {
		snprintf(msg, len, "cannot take uid %u: %s", d->uid, strerror(errno));
		return -1;
	}
	/* only the dataset's own tree counts, not the folders above it */
	if (fchdir(d->dirfd) < 0) {
		snprintf(msg, len, ".: %s", strerror(errno));
		return -1;
	}
	int r = nftw(".", hc_walk_entry, 16, FTW_PHYS);
	if (r == 1) {
		snprintf(msg, len, "%s: %s", hc_walk_bad, strerror(hc_walk_err));
		return -1;
	}
	if (r < 0) {
		snprintf(msg, len, ".: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* 0, or -EACCES with msg "PATH/REL: why" for the first entry uid cannot read */
static int hc_dataset(const struct dataset *ds, uint32_t uid, char *msg, size_t len)
{
	struct hc_ds d = { .uid = uid };
	d.dirfd = open(ds->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d.dirfd < 0) {
		int e = errno;
		snprintf(msg, len, "%s: %s", ds->path, strerror(e));
		return -e;
	}
	char m[1024];
	int r = hc_in_child(hc_dataset_child, &d, m, sizeof(m));
	close(d.dirfd);
	if (r == 0)
		return 0;
	/* "./x/y: why" -> "PATH/x/y: why" */
	snprintf(msg, len, "%s%s", ds->path, !strncmp(m, ".:", 2) ? m + 1 : m + (m[0] == '.'));
	return -EACCES;
}

int hostcheck_datasets(const struct config *c, struct trex_err *err)
{
	uint32_t base, count;
	char msg[1200];
	if (geteuid() != 0)
		return 0;
	hc_uid_range(c, &base, &count);
	for (size_t i = 0; i < c->n_datasets; i++)
		if (hc_dataset(&c->datasets[i], base, msg, sizeof(msg)) < 0)
			return trex_err_setx(err, -EACCES, "dataset %s: job uid %u cannot read %s",
					     c->datasets[i].name, base, msg);
	return 0;
}

static int hc_datasets(const struct config *c)
{
	uint32_t base, count;
	char msg[1200];
	int failed = 0;
	hc_uid_range(c, &base, &count);
	if (c->n_datasets == 0)
		return hc_line(HC_WARN, "datasets", "add datasets (trexd.json(5), \"datasets\")",
			       "none configured: no job can be submitted");
	for (size_t i = 0; i < c->n_datasets; i++) {
		const struct dataset *ds = &c->datasets[i];
		char name[100];
		snprintf(name, sizeof(name), "dataset %s", ds->name);
		if (hc_dataset(ds, base, msg, sizeof(msg)) < 0)
			failed += hc_line(HC_FAIL, name, "make the folder and its files readable by the "
					  "job uids (chmod -R o+rX on the dataset folder)",
					  "job uid %u cannot read %s", base, msg);
		else
			hc_line(HC_OK, name, NULL, "%s readable by job uid %u; %zu id column%s found",
				ds->path, base, ds->n_id_columns, ds->n_id_columns == 1 ? "" : "s");
	}
	return failed;
}

/* a private key: a root-owned regular file nobody else may read */
static int hc_private_key(const char *name, const char *path, bool made_at_start)
{
	struct stat st;
	char fix[600];
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT && made_at_start)
			return hc_line(HC_OK, name, NULL, "%s not made yet (trexd makes it, 0600, at "
				       "first start)", path);
		return hc_line(HC_FAIL, name, "put the key there", "%s: %s", path, strerror(errno));
	}
	snprintf(fix, sizeof(fix), "chown root:root %s && chmod 600 %s", path, path);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077))
		return hc_line(HC_FAIL, name, fix, "%s is %s, mode %04o, owner uid %u: readable beyond root",
			       path, S_ISREG(st.st_mode) ? "a file" : "not a regular file",
			       (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
	return hc_line(HC_OK, name, NULL, "%s readable by root only (%04o)", path,
		       (unsigned)(st.st_mode & 07777));
}

static int hc_keys(const struct config *c)
{
	char p[4096];
	int failed = 0;
	snprintf(p, sizeof(p), "%s/trexd.key", c->state_dir);
	failed += hc_private_key("signing_key", p, true);
	if (c->tls.listen)
		failed += hc_private_key("tls_key", c->tls.key, false);
	size_t ok = 0;
	for (size_t i = 0; i < c->access.n_approver_keys; i++) {
		_cleanup_fclose_ FILE *f = fopen(c->access.approver_keys[i], "re");
		if (!f)
			failed += hc_line(HC_FAIL, "approver_keys", "fix approver_keys (trexd.json(5))",
					  "%s: %s", c->access.approver_keys[i], strerror(errno));
		else
			ok++;
		/* a rotation's overlap that ended, or is about to */
		time_t na = c->access.approver_not_after ? c->access.approver_not_after[i] : 0;
		time_t now = time(NULL);
		char when[32];
		permit_format_time(na, when, sizeof(when));
		if (na && now >= na)
			hc_line(HC_WARN, "approver_keys", "remove it from approver_keys",
				"%s expired at %s (not_after): its permits are refused",
				c->access.approver_keys[i], when);
		else if (na && na - now < 14 * 86400)
			hc_line(HC_WARN, "approver_keys",
				"make sure the approver's new key is in approver_keys",
				"%s expires at %s (not_after), in under 14 days",
				c->access.approver_keys[i], when);
	}
	if (ok == c->access.n_approver_keys) {
		if (ok == 0 && c->access.require_permit)
			hc_line(HC_WARN, "approver_keys", "add the approvers' public keys (approver_keys)",
				"none, with require_permit: every submission will be refused");
		else
			hc_line(HC_OK, "approver_keys", NULL, "%zu readable", ok);
	}
	return failed;
}

/* The service process's user (privdrop.h): it exists, is not root and
 * holds no job uid. *uid gets it, or (uid_t)-1. */
static int hc_service_user(const struct config *c, uid_t *uid)
{
	gid_t gid;
	struct trex_err err = { 0 };
	*uid = (uid_t)-1;
	if (privdrop_resolve(c, uid, &gid, &err) < 0) {
		*uid = (uid_t)-1;
		return hc_line(HC_FAIL, "service_user", "name an account that is not root and outside "
			       "uid_range, or UID:GID (trexd.json(5))", "%s", err.msg);
	}
	return hc_line(HC_OK, "service_user", NULL, "the service process runs as %u:%u",
		       (unsigned)*uid, (unsigned)gid);
}

/* owner root (before the first start) or the service user (after it:
 * trexd gives it the folder), writable by nobody else */
static int hc_state_dir(const struct config *c, uid_t service)
{
	struct stat st;
	struct statvfs vf;
	char fix[600];
	if (stat(c->state_dir, &st) < 0)
		return hc_line(errno == ENOENT ? HC_WARN : HC_FAIL, "state_dir",
			       "trexd makes it (0700) at start; make it on the file system meant for it",
			       "%s: %s", c->state_dir, strerror(errno));
	snprintf(fix, sizeof(fix), "chown root:root %s && chmod 700 %s", c->state_dir, c->state_dir);
	if ((st.st_uid != 0 && st.st_uid != service) || (st.st_mode & 022))
		return hc_line(HC_FAIL, "state_dir", fix, "%s: mode %04o, owner uid %u: others may write "
			       "into it", c->state_dir, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
	if (statvfs(c->state_dir, &vf) < 0)
		return hc_line(HC_FAIL, "state_dir", "check the file system", "statvfs %s: %s",
			       c->state_dir, strerror(errno));
	unsigned long long freeb = (unsigned long long)vf.f_bavail * vf.f_frsize;
	unsigned long long totb = (unsigned long long)vf.f_blocks * vf.f_frsize;
	unsigned long long freei = vf.f_favail, toti = vf.f_files;
	char what[300];
	snprintf(what, sizeof(what), "%s: %llu MiB free of %llu, %llu inodes free of %llu", c->state_dir,
		 freeb >> 20, totb >> 20, freei, toti);
	/* a file system without an inode count (btrfs...) reports 0 of 0 */
	bool inodes = toti > 0;
	if (freeb < HC_MIN_FREE_BYTES || (inodes && freei < HC_MIN_FREE_INODES))
		return hc_line(HC_FAIL, "state_dir", "free space: a full state file system holds every "
			       "job where it is", "%s (under 1 GiB or 10000 inodes)", what);
	if (freeb < totb / 10 || (inodes && freei < toti / 10))
		return hc_line(HC_WARN, "state_dir", "free space before jobs wait for it", "%s (under 10%%)",
			       what);
	return hc_line(HC_OK, "state_dir", NULL, "%s", what);
}

static int hc_binaries(const struct config *c)
{
	int failed = 0;
	const char *b[] = { c->sandbox, c->check };
	const char *n[] = { "sandbox", "check" };
	for (int i = 0; i < 2; i++)
		if (access(b[i], X_OK) < 0)
			failed += hc_line(HC_FAIL, n[i], "install it (make install) or fix the config key",
					  "%s: %s", b[i], strerror(errno));
		else
			hc_line(HC_OK, n[i], NULL, "%s", b[i]);
	return failed;
}

/* the configured trex-sandbox runs /bin/true: every stage of a real start */
static int hc_sandbox_run(const struct config *c)
{
	const char *argv[12];
	int n = 0, p[2];
	argv[n++] = c->sandbox;
	if (c->uid_range) {
		argv[n++] = "--uid-range";
		argv[n++] = c->uid_range;
	}
	if (c->seccomp_profile) {
		argv[n++] = "--seccomp-profile";
		argv[n++] = c->seccomp_profile;
	}
	argv[n++] = "--";
	argv[n++] = "/bin/true";
	argv[n] = NULL;
	if (access(c->sandbox, X_OK) < 0 || pipe2(p, O_CLOEXEC) < 0)
		return hc_line(HC_FAIL, "sandbox_run", "see the sandbox line", "cannot run %s", c->sandbox);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(p[1], 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	char err[2048] = "";
	size_t got = 0;
	ssize_t k;
	while (got + 1 < sizeof(err) && (k = read(p[0], err + got, sizeof(err) - 1 - got)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		got += (size_t)k;
	}
	err[got] = '\0';
	close(p[0]);
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	while (got > 0 && err[got - 1] == '\n')
		err[--got] = '\0';
	const char *last = strrchr(err, '\n');
	last = last ? last + 1 : err;
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return hc_line(HC_FAIL, "sandbox_run", "its message names the stage that failed; the lines above, the kernel feature",
			       "trex-sandbox -- /bin/true exited %d: %s",
			       pid < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
			       last[0] ? last : "(no message)");
	return hc_line(last[0] ? HC_WARN : HC_OK, "sandbox_run", last[0] ? "see trex-sandbox(8)" : NULL,
		       "trex-sandbox ran /bin/true in %ld ms%s%s", ms, last[0] ? ": " : "", last);
}

int hostcheck_run(const struct config *c, const char *config_file, const struct trex_err *cfg_err)
{
	int failed = 0;
	struct trex_err err = { 0 };
	if (geteuid() != 0)
		failed += hc_line(HC_FAIL, "root", "run it as root, as trexd runs",
				  "running as uid %u", (unsigned)geteuid());
	failed += hc_userns();
	failed += hc_seccomp();
	failed += hc_cgroups();
	failed += hc_pidfd();
	failed += hc_uids(c);
	if (!c) {
		failed += hc_line(HC_FAIL, "config", "correct it (trexd.json(5), docs/config.md)", "%s: %s",
				  config_file ? config_file : "command line", cfg_err->msg);
		return failed;
	}
	hc_line(HC_OK, "config", NULL, "%s reads; %zu dataset%s, their id_columns found",
		config_file ? config_file : "command line", c->n_datasets, c->n_datasets == 1 ? "" : "s");
	if (packs_check(c, &err) < 0)
		failed += hc_line(HC_FAIL, "policy_packs", "correct the pack (trex-policy(5))", "%s", err.msg);
	else
		hc_line(HC_OK, "policy_packs", NULL, "%s.json and every pack of %s read", c->policy,
			c->policy_dir);
	if (c->seccomp_profile) {
		int fd = -1;
		if (secpol_compile_file(c->seccomp_profile, &fd, &err) < 0)
			failed += hc_line(HC_FAIL, "seccomp_profile", "correct the profile (policies/seccomp/"
					  "secpol.h)", "%s", err.msg);
		else
			hc_line(HC_OK, "seccomp_profile", NULL, "%s compiles", c->seccomp_profile);
		if (fd >= 0)
			close(fd);
	} else
		hc_line(HC_OK, "seccomp_profile", NULL, "none: the sandbox's built-in default");
	failed += hc_binaries(c);
	failed += hc_sandbox_run(c);
	if (geteuid() == 0)
		failed += hc_datasets(c);
	failed += hc_keys(c);
	uid_t service;
	failed += hc_service_user(c, &service);
	failed += hc_state_dir(c, service);
	return failed;
}
