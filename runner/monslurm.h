/* The monitor's Slurm helper (docs/slurm.md "Privilege separation"): the
 * only code that stages a job for Slurm and runs sbatch, squeue and
 * scancel. The service may not run programs (its seccomp filter forbids
 * execve), so it asks for one of these by MON_SLURM and reads the
 * program's output on the pipes it hands over. */
#ifndef TREX_RUNNER_MONSLURM_H
#define TREX_RUNNER_MONSLURM_H

#include <sys/types.h>

#include "config.h"
#include "err.h"
#include "monproto.h"

enum monslurm_op {
	MONSLURM_SUBMIT = 1, /* stage attempt N of a job and sbatch it as a pool uid */
	MONSLURM_QUERY,      /* squeue of the partition: NAME|ID|STATE|REASON lines */
	MONSLURM_CANCEL,     /* scancel of an attempt, by its job name */
	MONSLURM_CLEAN,      /* remove STAGE/JOB once trexd imported it */
};

#define MONSLURM_ATTEMPTS_MAX 9

/* The job name of attempt `attempt` of job `id`: "trex-ID-aN". */
void monslurm_name(const char *id, unsigned attempt, char *buf, size_t size);

/* Handle a MON_SLURM request m with the service's pipes fds: every field
 * is checked against the configuration (the op's fields only; a pool uid
 * within slurm.pool_uids, a configured dataset and runtime, limits within
 * limits.max), then the program is started with its stdout and stderr on
 * fds[0], fds[1]. code_dir: STATE/jobs/ID/code, opened by the monitor
 * without a link (SUBMIT only, else -1). service_gid owns the attempt's
 * result and stage folders with the pool uid, so the service can read
 * them and nobody else can. *pid is the program's. */
int monslurm_request(const struct config *c, gid_t service_gid, const struct mon_msg *m,
		     int code_dir, const int fds[MON_NFDS], pid_t *pid, struct trex_err *err);

#endif
