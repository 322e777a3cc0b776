/* Job cgroups on v2 and v1 (cgroup.h says why they live under the
 * supervisor's own cgroup). Every write names the file on failure, and a
 * controller that neither version offers is reported, not silently
 * skipped: the supervisor warns and the status record says so. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"

static const char *const sbx_cg_names[SBX_CG_NCTRL] = { "memory", "pids", "cpu", "cpuacct" };
/* a file proving the v1 controller is mounted at v1_root/<name> */
static const char *const sbx_cg_v1_probe[SBX_CG_NCTRL] = {
	"memory.usage_in_bytes", "cgroup.procs", "cpu.shares", "cpuacct.usage",
};

static int sbx_cg_write(const char *dir, const char *file, struct trex_err *err,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int sbx_cg_write(const char *dir, const char *file, struct trex_err *err,
			const char *fmt, ...)
{
	char path[PATH_MAX + 64], val[128];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	/* O_CREAT only matters on a fake tree: cgroupfs files already exist */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", path);
	if (trex_write_all(fd, val, strlen(val)) < 0)
		return trex_err_set(err, -errno, "write '%s' to %s", val, path);
	return 0;
}

static int sbx_cg_read(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static int sbx_cg_read_u64(const char *dir, const char *file, uint64_t *v)
{
	char buf[64];
	int r = sbx_cg_read(dir, file, buf, sizeof(buf));
	if (r < 0)
		return r;
	char *end;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno ? -errno : 0;
}

/* "key N" lines (memory.events, cpu.stat, memory.oom_control) */
static int sbx_cg_read_key(const char *dir, const char *file, const char *key, uint64_t *v)
{
	char buf[4096];
	int r = sbx_cg_read(dir, file, buf, sizeof(buf));
	if (r < 0)
		return r;
	size_t kl = strlen(key);
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, key, kl) && line[kl] == ' ') {
			*v = strtoull(line + kl + 1, NULL, 10);
			return 0;
		}
	return -ENOENT;
}

int sbx_cgroup_self_path(const char *self, const char *controller, char *out, size_t outsz)
{
	for (const char *line = self; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			bool match = false;
			if (!controller) {
				match = (c2 == c1 + 1); /* "0::/path" */
			} else {
				size_t cl = strlen(controller);
				for (const char *p = c1 + 1; p < c2;) {
					const char *comma = memchr(p, ',', (size_t)(c2 - p));
					const char *e = comma ? comma : c2;
					if ((size_t)(e - p) == cl && !strncmp(p, controller, cl))
						match = true;
					p = e + 1;
				}
			}
			if (match) {
				size_t pl = len - (size_t)(c2 + 1 - line);
				if (pl + 1 > outsz)
					return -ENAMETOOLONG;
				memcpy(out, c2 + 1, pl);
				out[pl] = '\0';
				/* a cgroup path with ".." would leave the mount */
				if (out[0] != '/' || strstr(out, "/.."))
					return -EINVAL;
				if (!strcmp(out, "/"))
					out[0] = '\0';
				return 0;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int sbx_cgroup_env_detect(struct sbx_cgroup_env *env, char *buf, size_t bufsz,
			  struct trex_err *err)
{
	struct stat st;
	*env = (struct sbx_cgroup_env){ 0 };
	if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
		env->v2_root = "/sys/fs/cgroup"; /* unified */
	} else {
		env->v1_root = "/sys/fs/cgroup";
		if (stat("/sys/fs/cgroup/unified/cgroup.controllers", &st) == 0)
			env->v2_root = "/sys/fs/cgroup/unified"; /* hybrid */
	}
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open /proc/self/cgroup");
	ssize_t n = read(fd, buf, bufsz - 1);
	close(fd);
	if (n < 0)
		return trex_err_set(err, -errno, "read /proc/self/cgroup");
	buf[n] = '\0';
	env->self = buf;
	return 0;
}

int sbx_cgroup_v2_base(const struct sbx_cgroup_env *env, char *out, size_t outsz)
{
	int rc = sbx_cgroup_self_path(env->self, NULL, out, outsz);
	if (rc < 0)
		return rc;
	/* in the supervisor leaf (split before, by us or systemd): its
	 * parent is the cgroup the jobs go under */
	char *slash = strrchr(out, '/');
	if (slash && strcmp(slash + 1, SBX_CG_SUPERVISOR) == 0)
		*slash = '\0';
	return 0;
}

/* The controllers BASE may give its children ("" if none), NULL without
 * a v2 tree; dir gets BASE's path. */
static const char *sbx_cg_v2_controllers(const struct sbx_cgroup_env *env, char *buf, size_t size,
					 char *dir, size_t dirsz)
{
	char self[PATH_MAX];
	dir[0] = '\0';
	if (!env->v2_root || sbx_cgroup_v2_base(env, self, sizeof(self)) < 0)
		return NULL;
	snprintf(dir, dirsz, "%s%s", env->v2_root, self);
	if (sbx_cg_read(dir, "cgroup.controllers", buf, size) < 0)
		return NULL;
	return buf;
}

static bool sbx_cg_v2_listed(const char *list, const char *ctrl)
{
	size_t cl = strlen(ctrl);
	for (const char *p = list; (p = strstr(p, ctrl)); p += cl)
		if ((p == list || p[-1] == ' ') && (p[cl] == '\0' || p[cl] == ' ' || p[cl] == '\n'))
			return true;
	return false;
}

void sbx_cgroup_detect(const struct sbx_cgroup_env *env, struct sbx_cgroup *cg)
{
	memset(cg, 0, sizeof(*cg));
	cg->v2_fd = -1;
	char v2buf[512], v2dir[PATH_MAX * 2];
	const char *v2 = sbx_cg_v2_controllers(env, v2buf, sizeof(v2buf), v2dir, sizeof(v2dir));
	for (int c = 0; c < SBX_CG_NCTRL; c++) {
		/* v2 accounts cpu time in every non-root cgroup (cpu.stat),
		 * with or without the cpu controller: no cpuacct hierarchy is
		 * needed when a cgroup2 tree exists, even an empty one */
		if (c == SBX_CG_CPUACCT ? env->v2_root != NULL : (v2 && sbx_cg_v2_listed(v2, sbx_cg_names[c]))) {
			cg->ver[c] = SBX_CG_V2;
			continue;
		}
		if (env->v1_root) {
			char self[PATH_MAX], probe[PATH_MAX * 2];
			struct stat st;
			if (sbx_cgroup_self_path(env->self, sbx_cg_names[c], self, sizeof(self)) == 0) {
				snprintf(probe, sizeof(probe), "%s/%s%s/%s", env->v1_root, sbx_cg_names[c],
					 self, sbx_cg_v1_probe[c]);
				if (stat(probe, &st) == 0) {
					cg->ver[c] = SBX_CG_V1;
					continue;
				}
			}
		}
		if (c != SBX_CG_CPUACCT) {
			size_t l = strlen(cg->missing);
			snprintf(cg->missing + l, sizeof(cg->missing) - l, "%s%s", l ? "," : "",
				 sbx_cg_names[c]);
		}
	}
	if (!cg->missing[0])
		return;
	/* say where to look: on a v2-only host the parent decides */
	if (v2 && !env->v1_root) {
		v2buf[strcspn(v2buf, "\n")] = '\0';
		snprintf(cg->missing_why, sizeof(cg->missing_why),
			 "cgroup v2: %s/cgroup.controllers lists \"%s\", not %s: the parent cgroup must "
			 "enable them in its cgroup.subtree_control (under systemd: Delegate=yes in "
			 "the unit, as debian/trex.trexd.service has)",
			 v2dir, v2buf, cg->missing);
	} else {
		snprintf(cg->missing_why, sizeof(cg->missing_why),
			 "neither cgroup v2%s%s nor v1 (%s) offers %s", v2dir[0] ? " at " : "", v2dir,
			 env->v1_root ? env->v1_root : "not mounted", cg->missing);
	}
}

int sbx_cgroup_v2_split(const char *base, struct trex_err *err)
{
	char leaf[PATH_MAX + 32];
	snprintf(leaf, sizeof(leaf), "%s/" SBX_CG_SUPERVISOR, base);
	/* trexd's processes plus its supervisors: a few hundred at most */
	size_t size = 1u << 16;
	_cleanup_free_ char *buf = trex_malloc(size);
	if (!buf)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int n = sbx_cg_read(base, "cgroup.procs", buf, size);
	if (n == -ENOENT || n == 0)
		return 0;
	if (n < 0)
		return trex_err_set(err, n, "read %s/cgroup.procs", base);
	/* whole lines only: a pid cut short by a full buffer is another
	 * process's; the rest is moved in the next round (EBUSY) */
	char *end = strrchr(buf, '\n');
	if (!end)
		return 0;
	end[1] = '\0';
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
		return trex_err_set(err, -errno, "mkdir %s", leaf);
	int moved = 0;
	for (char *save = NULL, *p = strtok_r(buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		long pid = strtol(p, NULL, 10);
		if (pid <= 0)
			continue;
		int rc = sbx_cg_write(leaf, "cgroup.procs", err, "%ld", pid);
		if (rc == -ESRCH)
			continue; /* exited since the listing */
		if (rc < 0)
			return rc;
		moved++;
	}
	return moved;
}

/* Enable controllers in BASE for its children. BASE other than the root
 * may hold no process then: its processes go to the supervisor leaf
 * first; a process forked there meanwhile makes the write fail (EBUSY)
 * and the move is done again. */
static int sbx_cg_v2_enable(const char *base, bool no_split, const char *enable,
			    struct trex_err *err)
{
	int rc = 0;
	for (int round = 0; round < 5; round++) {
		if (!no_split && (rc = sbx_cgroup_v2_split(base, err)) < 0)
			return trex_err_prefix(err, "cgroup v2: moving the processes of %s into its "
						    "leaf " SBX_CG_SUPERVISOR, base);
		rc = sbx_cg_write(base, "cgroup.subtree_control", err, "%s", enable);
		if (rc != -EBUSY || no_split)
			return rc;
	}
	return trex_err_prefix(err, "cgroup v2: %s still holds processes", base);
}

static int sbx_cg_mkdir(const char *path, struct trex_err *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return trex_err_set(err, -errno, "mkdir %s", path);
	return 0;
}

static int sbx_cg_create_v2(struct sbx_cgroup *cg, const struct sbx_cgroup_env *env,
			    const char *parent, const char *job,
			    const struct sbx_cgroup_limits *lim, struct trex_err *err)
{
	char self[PATH_MAX], base[PATH_MAX * 2], pdir[PATH_MAX * 3], enable[64] = "";
	if (strcmp(parent, SBX_CG_SUPERVISOR) == 0)
		return trex_err_setx(err, -EINVAL, "cgroup parent \"%s\" is the supervisors' leaf",
				     parent);
	int rc = sbx_cgroup_v2_base(env, self, sizeof(self));
	if (rc < 0)
		return trex_err_set(err, rc, "find own v2 cgroup");
	snprintf(base, sizeof(base), "%s%s", env->v2_root, self);
	snprintf(pdir, sizeof(pdir), "%s/%s", base, parent);
	snprintf(cg->v2_path, sizeof(cg->v2_path), "%s/%s", pdir, job);
	for (int c = 0; c < SBX_CG_CPUACCT; c++)
		if (cg->ver[c] == SBX_CG_V2) {
			size_t l = strlen(enable);
			snprintf(enable + l, sizeof(enable) - l, "%s+%s", l ? " " : "", sbx_cg_names[c]);
		}
	if ((rc = sbx_cg_mkdir(pdir, err)) < 0)
		return rc;
	/* no internal processes: controllers are enabled for children of
	 * base (whose processes move to its supervisor leaf) and of parent,
	 * the job's processes live only in the job's leaf */
	bool no_split = self[0] == '\0' || env->keep_processes;
	if (enable[0] && ((rc = sbx_cg_v2_enable(base, no_split, enable, err)) < 0 ||
			  (rc = sbx_cg_write(pdir, "cgroup.subtree_control", err, "%s", enable)) < 0))
		return rc;
	if (mkdir(cg->v2_path, 0755) < 0)
		return trex_err_set(err, -errno, "mkdir %s (job id in use?)", cg->v2_path);
	const char *d = cg->v2_path;
	if (cg->ver[SBX_CG_MEMORY] == SBX_CG_V2 &&
	    ((rc = sbx_cg_write(d, "memory.max", err, "%llu", (unsigned long long)lim->memory_bytes)) < 0 ||
	     (rc = sbx_cg_write(d, "memory.swap.max", err, "0")) < 0 ||
	     (rc = sbx_cg_write(d, "memory.oom.group", err, "1")) < 0))
		return rc;
	if (cg->ver[SBX_CG_PIDS] == SBX_CG_V2 &&
	    (rc = sbx_cg_write(d, "pids.max", err, "%llu", (unsigned long long)lim->pids)) < 0)
		return rc;
	if (cg->ver[SBX_CG_CPU] == SBX_CG_V2 && lim->cpu_quota_us &&
	    (rc = sbx_cg_write(d, "cpu.max", err, "%llu 100000", (unsigned long long)lim->cpu_quota_us)) < 0)
		return rc;
	cg->v2_fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->v2_fd < 0)
		return trex_err_set(err, -errno, "open %s", d);
	return 0;
}

/* mkdir the planned v1 dir of controller c (and its parent) and write its
 * limits. A dir that already exists is another job's: its path is
 * forgotten so that clean-up never removes it. */
static int sbx_cg_create_v1(struct sbx_cgroup *cg, int c, const char *job,
			    const struct sbx_cgroup_limits *lim, struct trex_err *err)
{
	char *d = cg->v1_path[c];
	char pdir[PATH_MAX];
	int rc;
	snprintf(pdir, sizeof(pdir), "%s", d);
	char *slash = strrchr(pdir, '/');
	if (slash)
		*slash = '\0';
	if ((rc = sbx_cg_mkdir(pdir, err)) < 0)
		return rc;
	if (mkdir(d, 0755) < 0) {
		int e = errno;
		for (int o = 0; o < SBX_CG_NCTRL; o++)
			if (o != c && !strcmp(cg->v1_path[o], d))
				cg->v1_path[o][0] = '\0';
		d[0] = '\0';
		return trex_err_set(err, -e, "mkdir %s/%s (job id in use?)", pdir, job);
	}
	switch (c) {
	case SBX_CG_MEMORY: {
		if ((rc = sbx_cg_write(d, "memory.limit_in_bytes", err, "%llu",
				       (unsigned long long)lim->memory_bytes)) < 0)
			return rc;
		/* memory+swap = memory: no swap, when the kernel accounts it */
		char probe[PATH_MAX + 64];
		snprintf(probe, sizeof(probe), "%s/memory.memsw.limit_in_bytes", d);
		if (access(probe, F_OK) == 0 &&
		    (rc = sbx_cg_write(d, "memory.memsw.limit_in_bytes", err, "%llu",
				       (unsigned long long)lim->memory_bytes)) < 0)
			return rc;
		break;
	}
	case SBX_CG_PIDS:
		return sbx_cg_write(d, "pids.max", err, "%llu", (unsigned long long)lim->pids);
	case SBX_CG_CPU:
		if (!lim->cpu_quota_us)
			return 0;
		if ((rc = sbx_cg_write(d, "cpu.cfs_period_us", err, "100000")) < 0)
			return rc;
		return sbx_cg_write(d, "cpu.cfs_quota_us", err, "%llu", (unsigned long long)lim->cpu_quota_us);
	default:
		break;
	}
	return 0;
}

int sbx_cgroup_create(struct sbx_cgroup *cg, const struct sbx_cgroup_env *env,
		      const char *parent, const char *job,
		      const struct sbx_cgroup_limits *lim, struct trex_err *err)
{
	int rc = sbx_cgroup_create_v2(cg, env, parent, job, lim, err);
	if (rc == 0)
		rc = sbx_cgroup_plan_v1(cg, env, parent, job, err);
	return rc < 0 ? rc : sbx_cgroup_create_v1(cg, job, lim, err);
}

int sbx_cgroup_create_v2(struct sbx_cgroup *cg, const struct sbx_cgroup_env *env,
			 const char *parent, const char *job,
			 const struct sbx_cgroup_limits *lim, struct trex_err *err)
{
	return env->v2_root ? sbx_cg_create_v2(cg, env, parent, job, lim, err) : 0;
}

int sbx_cgroup_plan_v1(struct sbx_cgroup *cg, const struct sbx_cgroup_env *env,
		       const char *parent, const char *job, struct trex_err *err)
{
	for (int c = 0; c < SBX_CG_NCTRL; c++) {
		if (cg->ver[c] != SBX_CG_V1)
			continue;
		/* cpu and cpuacct may share one hierarchy ("cpu,cpuacct", the
		 * names being symlinks to it): one superblock, one job dir */
		bool dup = false;
		char pc[PATH_MAX * 2], po[PATH_MAX * 2];
		struct stat sc, so;
		snprintf(pc, sizeof(pc), "%s/%s", env->v1_root, sbx_cg_names[c]);
		for (int o = 0; o < c && !dup; o++) {
			if (!cg->v1_path[o][0])
				continue;
			snprintf(po, sizeof(po), "%s/%s", env->v1_root, sbx_cg_names[o]);
			if (stat(pc, &sc) == 0 && stat(po, &so) == 0 && sc.st_dev == so.st_dev &&
			    sc.st_ino == so.st_ino) {
				/* o < c: distinct rows, memcpy avoids gcc's -Wrestrict
				 * false positive under -O1 (SAN=1) */
				memcpy(cg->v1_path[c], cg->v1_path[o], PATH_MAX);
				dup = true;
			}
		}
		if (dup)
			continue;
		char self[PATH_MAX];
		int rc = sbx_cgroup_self_path(env->self, sbx_cg_names[c], self, sizeof(self));
		if (rc < 0)
			return trex_err_set(err, rc, "find own %s cgroup", sbx_cg_names[c]);
		int n = snprintf(cg->v1_path[c], PATH_MAX, "%s/%s%s/%s/%s", env->v1_root,
				 sbx_cg_names[c], self, parent, job);
		if (n < 0 || n >= PATH_MAX)
			return trex_err_setx(err, -ENAMETOOLONG, "%s cgroup path too long", sbx_cg_names[c]);
	}
	return 0;
}

int sbx_cgroup_has_v1(const struct sbx_cgroup *cg)
{
	for (int c = 0; c < SBX_CG_NCTRL; c++)
		if (cg->ver[c] == SBX_CG_V1 && cg->v1_path[c][0])
			return 1;
	return 0;
}

int sbx_cgroup_create_v1(struct sbx_cgroup *cg, const char *job,
			 const struct sbx_cgroup_limits *lim, struct trex_err *err)
{
	for (int c = 0; c < SBX_CG_NCTRL; c++) {
		if (cg->ver[c] != SBX_CG_V1 || !cg->v1_path[c][0])
			continue;
		bool dup = false;
		for (int o = 0; o < c; o++)
			if (!strcmp(cg->v1_path[o], cg->v1_path[c]))
				dup = true;
		int rc;
		if (!dup && (rc = sbx_cg_create_v1(cg, c, job, lim, err)) < 0)
			return rc;
	}
	return 0;
}

int sbx_cgroup_attach(const struct sbx_cgroup *cg, pid_t pid, bool v2_done, struct trex_err *err)
{
	int rc;
	for (int c = 0; c < SBX_CG_NCTRL; c++)
		if (cg->ver[c] == SBX_CG_V1 && cg->v1_path[c][0] &&
		    (rc = sbx_cg_write(cg->v1_path[c], "cgroup.procs", err, "%d", (int)pid)) < 0)
			return rc;
	if (!v2_done && cg->v2_path[0] &&
	    (rc = sbx_cg_write(cg->v2_path, "cgroup.procs", err, "%d", (int)pid)) < 0)
		return rc;
	return 0;
}

int sbx_cgroup_attach_v2(const struct sbx_cgroup *cg, pid_t pid, struct trex_err *err)
{
	if (!cg->v2_path[0])
		return 0;
	return sbx_cg_write(cg->v2_path, "cgroup.procs", err, "%d", (int)pid);
}

int sbx_cgroup_join_self_v1(const struct sbx_cgroup *cg, struct trex_err *err)
{
	int rc;
	for (int c = 0; c < SBX_CG_NCTRL; c++)
		if (cg->ver[c] == SBX_CG_V1 && cg->v1_path[c][0] &&
		    (rc = sbx_cg_write(cg->v1_path[c], "tasks", err, "0")) < 0)
			return rc;
	return 0;
}

int sbx_cgroup_cpu_ns(const struct sbx_cgroup *cg, uint64_t *ns)
{
	uint64_t v;
	if (cg->v2_path[0] && sbx_cg_read_key(cg->v2_path, "cpu.stat", "usage_usec", &v) == 0) {
		*ns = v * 1000;
		return 0;
	}
	if (cg->ver[SBX_CG_CPUACCT] == SBX_CG_V1 && cg->v1_path[SBX_CG_CPUACCT][0] &&
	    sbx_cg_read_u64(cg->v1_path[SBX_CG_CPUACCT], "cpuacct.usage", &v) == 0) {
		*ns = v;
		return 0;
	}
	return -ENOENT;
}

int sbx_cgroup_oom_kills(const struct sbx_cgroup *cg, uint64_t *n)
{
	if (cg->ver[SBX_CG_MEMORY] == SBX_CG_V2 && cg->v2_path[0])
		return sbx_cg_read_key(cg->v2_path, "memory.events", "oom_kill", n);
	if (cg->ver[SBX_CG_MEMORY] == SBX_CG_V1 && cg->v1_path[SBX_CG_MEMORY][0])
		return sbx_cg_read_key(cg->v1_path[SBX_CG_MEMORY], "memory.oom_control", "oom_kill", n);
	return -ENOENT;
}

void sbx_cgroup_stats(const struct sbx_cgroup *cg, struct sbx_cgroup_stats *st)
{
	uint64_t v;
	memset(st, 0, sizeof(*st));
	if (sbx_cgroup_cpu_ns(cg, &st->cpu_ns) == 0)
		st->have_cpu = true;
	if (cg->ver[SBX_CG_MEMORY] == SBX_CG_V2) {
		if (sbx_cg_read_u64(cg->v2_path, "memory.peak", &v) == 0) {
			st->peak_memory_kb = v / 1024;
			st->have_peak = true;
		}
		if (sbx_cg_read_key(cg->v2_path, "memory.events", "oom_kill", &v) == 0)
			st->oom_kills = v;
	} else if (cg->ver[SBX_CG_MEMORY] == SBX_CG_V1 && cg->v1_path[SBX_CG_MEMORY][0]) {
		const char *d = cg->v1_path[SBX_CG_MEMORY];
		if (sbx_cg_read_u64(d, "memory.max_usage_in_bytes", &v) == 0) {
			st->peak_memory_kb = v / 1024;
			st->have_peak = true;
		}
		if (sbx_cg_read_key(d, "memory.oom_control", "oom_kill", &v) == 0)
			st->oom_kills = v;
		/* older kernels: a limit hit at least once */
		else if (sbx_cg_read_u64(d, "memory.failcnt", &v) == 0 && v > 0)
			st->oom_kills = 0;
	}
}

/* One sweep over a v1 cgroup.procs: kill all listed; returns how many. */
static int sbx_cg_sweep(const char *dir)
{
	char buf[8192];
	int r = sbx_cg_read(dir, "cgroup.procs", buf, sizeof(buf));
	if (r <= 0)
		return r < 0 ? 0 : 0;
	int n = 0;
	for (char *p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
		long pid = strtol(p, NULL, 10);
		if (pid > 1) {
			kill((pid_t)pid, SIGKILL);
			n++;
		}
	}
	return n;
}

int sbx_cgroup_kill_all(const struct sbx_cgroup *cg)
{
	if (cg->v2_path[0]) {
		/* every process of the job was born in (or moved to) the v2
		 * leaf: empty there means empty everywhere */
		uint64_t pop = 1;
		if (sbx_cg_read_key(cg->v2_path, "cgroup.events", "populated", &pop) == 0 && !pop)
			return 0;
		struct trex_err e;
		(void)sbx_cg_write(cg->v2_path, "cgroup.kill", &e, "1");
	}
	/* v1 has no atomic kill; processes cannot fork forever under pids.max,
	 * so repeated sweeps converge. The pid namespace is already gone in
	 * the normal case: this is the backstop. */
	for (int round = 0; round < 100; round++) {
		int left = 0;
		for (int c = 0; c < SBX_CG_NCTRL; c++)
			if (cg->ver[c] == SBX_CG_V1 && cg->v1_path[c][0])
				left += sbx_cg_sweep(cg->v1_path[c]);
		if (cg->v2_path[0]) {
			uint64_t pop = 0;
			if (sbx_cg_read_key(cg->v2_path, "cgroup.events", "populated", &pop) == 0 && pop)
				left++;
		}
		if (!left)
			return 0;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return -EBUSY;
}

void sbx_cgroup_destroy(struct sbx_cgroup *cg)
{
	if (cg->v2_fd >= 0)
		close(cg->v2_fd);
	cg->v2_fd = -1;
	for (int c = 0; c < SBX_CG_NCTRL; c++) {
		if (!cg->v1_path[c][0])
			continue;
		/* shared hierarchy: removed once */
		if (rmdir(cg->v1_path[c]) < 0 && errno != ENOENT) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			rmdir(cg->v1_path[c]);
		}
		cg->v1_path[c][0] = '\0';
	}
	if (cg->v2_path[0]) {
		rmdir(cg->v2_path);
		cg->v2_path[0] = '\0';
	}
}

