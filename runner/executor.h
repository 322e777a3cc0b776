/* Where a job's run happens (docs/slurm.md). The local executor is
 * trex-sandbox on this host, started by the monitor (job.c); the Slurm
 * executor stages the job and submits it to a cluster (exec_slurm.c).
 * Everything before the run (permits, the manifest's checks) and after it
 * (trex-check in the sandbox on this host, release, audit) is the same
 * for both: an executor only runs the job and hands back its status
 * record, logs and outputs in the job's stage/ folder (job_run_ended). */
#ifndef TREX_RUNNER_EXECUTOR_H
#define TREX_RUNNER_EXECUTOR_H

#include "config.h"
#include "err.h"

struct job;
struct trexd;

struct executor {
	const char *name;
	/* Start the job's run (its state is running in the store). It ends
	 * with job_run_ended or job_run_failed (job.h), once. */
	void (*start)(struct job *j);
	/* Stop the run (a cancel, trexd's stop): 1 when this executor has
	 * the run and will end it, 0 when there is nothing of its own to
	 * stop (the job's check, on this host, is job.c's). */
	int (*cancel)(struct job *j, int sig);
};

extern const struct executor executor_local;
extern const struct executor executor_slurm;

/* The executor for a job on dataset `dataset` under limits l: Slurm when
 * the configuration routes it there (config_slurm_routes), else local. */
const struct executor *executor_for(const struct config *c, const char *dataset,
				    const struct limits *l);

#endif
