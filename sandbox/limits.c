/* Per-process limits of the job. The cgroups bound the job as a whole; these
 * are the backstops a single process meets first: no core dumps (a core
 * pattern pipe runs as host root, ATTACKS 78), file size = the output quota
 * (SIGXFSZ instead of filling the disk, ATTACKS 30), fds, no real-time
 * priority (ATTACKS 40), bounded locked memory and a CPU-time ceiling. */
#include "sandbox.h"

#include <errno.h>
#include <sys/resource.h>

static int sbx_setrlimit(int res, const char *name, rlim_t soft, rlim_t hard,
			 struct trex_err *err)
{
	struct rlimit rl = { .rlim_cur = soft, .rlim_max = hard };
	if (setrlimit(res, &rl) < 0)
		return trex_err_set(err, -errno, "setrlimit %s", name);
	return 0;
}

int sbx_limits_apply(const struct sbx_config *cfg, bool no_memcg, struct trex_err *err)
{
	rlim_t fsize = (rlim_t)cfg->output_mb << 20;
	int rc;
	/* without a memory cgroup (rootless mode, nothing delegated) the
	 * memory limit is per process: RLIMIT_DATA (heap and private
	 * writable mappings, what an analysis allocates) rather than
	 * RLIMIT_AS, which also counts the address space a runtime only
	 * reserves. N processes may use N times it (SECURITY.md) */
	if (no_memcg) {
		rlim_t mem = (rlim_t)cfg->memory_mb << 20;
		if ((rc = sbx_setrlimit(RLIMIT_DATA, "DATA", mem, mem, err)) < 0)
			return rc;
	}
	if ((rc = sbx_setrlimit(RLIMIT_CORE, "CORE", 0, 0, err)) < 0 ||
	    (rc = sbx_setrlimit(RLIMIT_FSIZE, "FSIZE", fsize, fsize, err)) < 0 ||
	    (rc = sbx_setrlimit(RLIMIT_NOFILE, "NOFILE", 1024, 4096, err)) < 0 ||
	    (rc = sbx_setrlimit(RLIMIT_RTPRIO, "RTPRIO", 0, 0, err)) < 0 ||
	    (rc = sbx_setrlimit(RLIMIT_MEMLOCK, "MEMLOCK", 64 << 10, 64 << 10, err)) < 0 ||
	    (rc = sbx_setrlimit(RLIMIT_MSGQUEUE, "MSGQUEUE", 0, 0, err)) < 0 ||
	    /* SIGXCPU at the limit, SIGKILL one second later; the supervisor
	     * enforces the job-wide limit from the cgroup before that */
	    (rc = sbx_setrlimit(RLIMIT_CPU, "CPU", (rlim_t)cfg->cpu_seconds,
				(rlim_t)cfg->cpu_seconds + 1, err)) < 0 ||
	    /* counted per uid of the job's own user namespace (kernel >=
	     * 5.14 ucounts): the job's processes, also in rootless mode
	     * where its uid is the caller's on the host */
	    (rc = sbx_setrlimit(RLIMIT_NPROC, "NPROC", (rlim_t)cfg->pids, (rlim_t)cfg->pids, err)) < 0)
		return rc;
	return 0;
}
