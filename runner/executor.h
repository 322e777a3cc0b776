/* Where a job's run happens (docs/slurm.md). The local executor is
 * trex-sandbox on this host, started by the monitor (job.c); the Slurm
 * executor stages the job and submits it to a cluster (exec_slurm.c).
 * Everything before the run (permits, the manifest's checks) and after it
 * (trex-check in the sandbox on this host, release, audit) is the same
 * for both: an executor only runs the job and hands back its status
 * record, logs and outputs in the job's stage/ folder (job_run_ended). */
#ifndef TREX_RUNNER_EXECUTOR_H
#define TREX_RUNNER_EXECUTOR_H

#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "err.h"

struct job;
struct trexd;

/* What a run needs: the folder jobs/ID whose stage/ receives the
 * outputs, the job's validated limits and the manifest's command. */
struct job_run_spec {
	struct trexd *d;
	const char *id, *project, *dataset, *runtime, *dir;
	const struct limits *limits;
	json_t *command;
};

/* The calls back into job.c an executor makes, handed to it with each
 * call (so that an executor's file never calls job.c by name: no loop of
 * files calling each other, tests/integration/calls.t). */
struct executor_host {
	const char *(*id)(const struct job *j);
	void (*spec)(const struct job *j, struct job_run_spec *s);
	/* a slot for the executor's own state, its to free before the run ends */
	void **(*state)(struct job *j);
	/* 1 when a caller cancelled the job, not trexd's stop */
	int (*cancelled)(const struct job *j);
	/* The run ended elsewhere: its status record (trex-sandbox's), its
	 * stdout and stderr (kept up to the caps, *_total bytes in all), the
	 * outputs already in stage/. Carries on as after a local run. */
	void (*ended)(struct job *j, const char *status, size_t status_len, const char *out,
		      size_t out_len, uint64_t out_total, const char *errtext, size_t err_len,
		      uint64_t err_total);
	/* The run could not happen or its result is not to be trusted: the
	 * job ends failed with `reason` (fixed words, never data). */
	void (*failed)(struct job *j, const char *reason);
};

struct executor {
	const char *name;
	/* Start the job's run (its state is running in the store). It ends
	 * with h->ended or h->failed, once. */
	void (*start)(struct job *j, const struct executor_host *h);
	/* Stop the run (a cancel, trexd's stop): 1 when this executor has
	 * the run and will end it, 0 when there is nothing of its own to
	 * stop (the job's check, on this host, is job.c's). */
	int (*cancel)(struct job *j, int sig, const struct executor_host *h);
};

/* job.c picks it for a job the configuration routes to Slurm
 * (config_slurm_routes); every other job runs on job.c's own. */
extern const struct executor executor_slurm;

#endif
