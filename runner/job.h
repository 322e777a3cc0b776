/* One job's run: the job in trex-sandbox, then trex-check in trex-sandbox,
 * then release. Driven by libuv callbacks; the scheduler owns the list. */
#ifndef TREX_RUNNER_JOB_H
#define TREX_RUNNER_JOB_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "store.h"

struct trexd;
struct job;

/* Read queued job `id` and make its folders, writing nothing to the
 * store. On error there is no job: a trexd_retryable code (a full disk)
 * leaves it queued for a later try, any other the caller records as
 * failed with err's message. */
int job_prepare(struct trexd *d, const char *id, struct job **out, struct trex_err *err);
/* Start a prepared job once it is committed as running. A job that cannot
 * be started ends failed through the usual path (sched_job_done). */
void job_launch(struct job *j);
/* Ask the running sandbox to stop (shutdown): the job ends failed. A job
 * waiting to write again (a full disk) ends at once. */
void job_abort(struct job *j, int sig);
/* Abort (SIGTERM to the sandbox) and end the job as "cancelled" with this
 * reason instead of "failed". */
void job_cancel(struct job *j, const char *reason);
const char *job_id(const struct job *j);
void job_free(struct job *j);

/* For executors (executor.h): what a run needs, the folder jobs/ID whose
 * stage/ receives the outputs, and a slot for the executor's own state
 * (its to free before the run ends). */
struct job_run_spec {
	struct trexd *d;
	const char *id, *project, *dataset, *runtime, *dir;
	const struct limits *limits;
	json_t *command;
};
void job_run_spec(const struct job *j, struct job_run_spec *s);
void **job_exec_state(struct job *j);
/* 1 when a caller cancelled the job (job_cancel), not trexd's stop. */
int job_cancelled(const struct job *j);
/* The run ended elsewhere: its status record (trex-sandbox's), its
 * stdout and stderr (kept up to the caps, *_total bytes in all), the
 * outputs already in stage/. Carries on as after a local run. */
void job_run_ended(struct job *j, const char *status, size_t status_len, const char *out,
		   size_t out_len, uint64_t out_total, const char *errtext, size_t err_len,
		   uint64_t err_total);
/* The run could not happen or its result is not to be trusted: the job
 * ends failed with `reason` (fixed words, never data). */
void job_run_failed(struct job *j, const char *reason);

#endif
