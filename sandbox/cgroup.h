/* Per-job cgroups: memory, pids and cpu limits, accounting and a reliable
 * kill, on cgroup v2 and on v1 controllers, detected per controller (a
 * hybrid host may have cpu on v1 and nothing on v2). The roots are
 * parameters so unit tests can run the v2 paths over a fake tree.
 *
 * Job cgroups are made under the supervisor's own cgroup in each hierarchy
 * (read from /proc/self/cgroup), as PARENT/JOB: trexd's limits and a
 * delegated subtree stay in force, nothing is created outside of them.
 *
 * On cgroup v2 a cgroup other than the root that holds processes cannot
 * enable controllers for its children ("no internal processes"): under
 * systemd, trexd.service's cgroup holds trexd and every supervisor. So
 * the processes of that cgroup (BASE) are moved into a leaf
 * BASE/supervisor once, the controllers enabled in BASE, and job cgroups
 * made beside the leaf, BASE/PARENT/JOB; a supervisor that finds itself
 * in a cgroup named "supervisor" takes its parent as BASE (what systemd
 * 254's DelegateSubgroup=supervisor sets up too). */
#ifndef TREX_SANDBOX_CGROUP_H
#define TREX_SANDBOX_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

enum sbx_cg_version { SBX_CG_NONE = 0, SBX_CG_V1, SBX_CG_V2 };

enum sbx_cg_ctrl { SBX_CG_MEMORY, SBX_CG_PIDS, SBX_CG_CPU, SBX_CG_CPUACCT, SBX_CG_NCTRL };

struct sbx_cgroup_env {
	const char *v1_root;    /* "/sys/fs/cgroup" (v1 hierarchies below it), or NULL */
	const char *v2_root;    /* the cgroup2 mount, or NULL when absent */
	const char *self;       /* text of /proc/self/cgroup */
	/* rootless: the caller's processes stay where they are (no
	 * supervisor leaf); a cgroup holding them gets no job cgroup */
	bool keep_processes;
};

struct sbx_cgroup_limits {
	uint64_t memory_bytes;
	uint64_t pids;
	uint64_t cpu_quota_us;  /* per 100000us period; 0 = no quota */
};

struct sbx_cgroup {
	enum sbx_cg_version ver[SBX_CG_NCTRL];
	char v1_path[SBX_CG_NCTRL][PATH_MAX]; /* job dir per v1 controller, "" if none */
	char v2_path[PATH_MAX];               /* job dir in the v2 tree, "" if none */
	int v2_fd;                            /* O_DIRECTORY of v2_path (CLONE_INTO_CGROUP) */
	char missing[256];                    /* controllers neither version offers */
	/* why, for the log: on a v2 host, the file that does not list them
	 * and how to enable them; "" when nothing is missing */
	char missing_why[PATH_MAX + 256];
};

/* The leaf of BASE that holds trexd and the supervisors on cgroup v2. */
#define SBX_CG_SUPERVISOR "supervisor"

/* The v2 cgroup job cgroups are made under (BASE above), as a path below
 * env->v2_root ("" for the root cgroup). */
int sbx_cgroup_v2_base(const struct sbx_cgroup_env *env, char *out, size_t outsz);

/* Move every process of the v2 cgroup dir `base` into base/supervisor
 * (made when missing), so base may enable controllers for its children.
 * A process that exits meanwhile is skipped. The number moved, or <0 with
 * err naming the file. */
int sbx_cgroup_v2_split(const char *base, struct trex_err *err);

/* Fill env from the running system (mount detection + /proc/self/cgroup).
 * The strings are static or owned by buf. */
int sbx_cgroup_env_detect(struct sbx_cgroup_env *env, char *buf, size_t bufsz,
			  struct trex_err *err);

/* The path of this process's cgroup in the hierarchy holding `controller`
 * (NULL: the v2 hierarchy) from /proc/self/cgroup text. */
int sbx_cgroup_self_path(const char *self, const char *controller, char *out, size_t outsz);

/* Decide per controller which version serves it. */
void sbx_cgroup_detect(const struct sbx_cgroup_env *env, struct sbx_cgroup *cg);

/* Create PARENT/JOB in every hierarchy that serves a controller (and in the
 * v2 tree even with no controller, for cgroup.kill and CLONE_INTO_CGROUP),
 * enable v2 controllers down the path and write the limits. */
int sbx_cgroup_create(struct sbx_cgroup *cg, const struct sbx_cgroup_env *env,
		      const char *parent, const char *job,
		      const struct sbx_cgroup_limits *lim, struct trex_err *err);
/* The parts of sbx_cgroup_create. The v2 leaf must exist before the clone
 * (CLONE_INTO_CGROUP). The v1 paths are planned before it too (the child
 * inherits them and joins by itself before pivot_root), but the dirs are
 * made by the supervisor after the clone, while the child builds its root:
 * a memory cgroup mkdir alone takes a good part of a millisecond. */
int sbx_cgroup_create_v2(struct sbx_cgroup *cg, const struct sbx_cgroup_env *env,
			 const char *parent, const char *job,
			 const struct sbx_cgroup_limits *lim, struct trex_err *err);
int sbx_cgroup_plan_v1(struct sbx_cgroup *cg, const struct sbx_cgroup_env *env,
		       const char *parent, const char *job, struct trex_err *err);
int sbx_cgroup_create_v1(struct sbx_cgroup *cg, const char *job,
			 const struct sbx_cgroup_limits *lim, struct trex_err *err);
/* 1 when some controller is served by a planned v1 dir. */
int sbx_cgroup_has_v1(const struct sbx_cgroup *cg);
/* Move pid into the job's v1 cgroups (and v2 unless it was cloned into it).
 * Slow on v1: migrating another task takes cgroup_threadgroup_rwsem for
 * writing, which waits for an RCU grace period (10-15 ms measured here). */
int sbx_cgroup_attach(const struct sbx_cgroup *cg, pid_t pid, bool v2_done,
		      struct trex_err *err);
/* Only the v2 half of sbx_cgroup_attach (when clone3 could not clone
 * into the leaf). */
int sbx_cgroup_attach_v2(const struct sbx_cgroup *cg, pid_t pid, struct trex_err *err);
/* Move the calling thread into the job's v1 cgroups by writing "0" to
 * their tasks files: a thread moving itself skips that global lock
 * (~0.1 ms). For the sandbox child, which is single-threaded (raw clone),
 * that moves the whole process; everything it forks inherits. */
int sbx_cgroup_join_self_v1(const struct sbx_cgroup *cg, struct trex_err *err);
/* CPU time used so far in ns, -ENOENT without an accounting source. */
int sbx_cgroup_cpu_ns(const struct sbx_cgroup *cg, uint64_t *ns);
/* OOM kills so far in the job's memory cgroup, -ENOENT without one. */
int sbx_cgroup_oom_kills(const struct sbx_cgroup *cg, uint64_t *n);
struct sbx_cgroup_stats {
	uint64_t peak_memory_kb;
	uint64_t cpu_ns;
	uint64_t oom_kills;
	bool have_peak, have_cpu;
};
void sbx_cgroup_stats(const struct sbx_cgroup *cg, struct sbx_cgroup_stats *st);
/* SIGKILL every process left (cgroup.kill on v2, a procs sweep on v1);
 * 0 once every job cgroup is empty. */
int sbx_cgroup_kill_all(const struct sbx_cgroup *cg);
/* Remove the job cgroups (not the parent). */
void sbx_cgroup_destroy(struct sbx_cgroup *cg);

#endif
