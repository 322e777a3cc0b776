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

int sbx_limits_apply(const struct sbx_config *cfg, struct trex_err *err)
{
	rlim_t fsize = (rlim_t)cfg->output_mb << 20;
	int rc;
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
	    (rc = sbx_setrlimit(RLIMIT_NPROC, "NPROC", (rlim_t)cfg->pids, (rlim_t)cfg->pids, err)) < 0)
		return rc;
	return 0;
}
