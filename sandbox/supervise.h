/* The supervisor's run loop (supervise.c). */
#ifndef TREX_SANDBOX_SUPERVISE_H
#define TREX_SANDBOX_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "cgroup.h"
#include "sandbox.h"

struct sbx_run {
	/* in */
	const struct sbx_config *cfg;
	const struct secpol_progs *progs;
	struct sbx_cgroup *cg;      /* NULL: no cgroups */
	const char *cg_job;         /* v1 dirs planned, made after the clone */
	const struct sbx_cgroup_limits *cg_lim;
	uid_t host_uid;
	const char *base;           /* host dir the new root is mounted on */
	bool no_memcg;              /* no memory cgroup: RLIMIT_DATA per process */
	/* out */
	int output_fd;              /* the job's /output root, -1 if never received */
	bool setup_failed;
	char stage[32];
	struct trex_err err;
	bool have_status;           /* the job's main process exited, status below */
	int wait_status;
	int init_status;
	bool timed_out, cpu_limited, oom_killed, sock_eof;
	int cancel_signal;
	uint64_t start_ms, wall_ms;
	uint64_t job_started_ns;    /* CLOCK_MONOTONIC at the job's execve, 0 unknown */
	struct rusage rusage;       /* of init and everything it reaped */
};

/* Returns 0 after the sandbox is reaped (whatever the job did), -1 when
 * the sandbox could not even be started (run->stage/err say why). */
int sbx_supervise(struct sbx_run *run);
uint64_t sbx_now_ms(void);

#endif
