/* One job's run: the job in trex-sandbox, then trex-check in trex-sandbox,
 * then release. Driven by libuv callbacks; the scheduler owns the list. */
#ifndef TREX_RUNNER_JOB_H
#define TREX_RUNNER_JOB_H

#include <jansson.h>
#include <sys/types.h>

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
const char *job_project(const struct job *j);
/* A job whose run an earlier trexd started and left running (on_restart
 * "adopt", runner/adopt.c): prepared as job_prepare does, its run to be
 * waited for (pid, the kept sandbox) or read at once (pid 0: it ended
 * while trexd was down) by job_adopt_launch, once the scheduler holds it. */
int job_adopt(struct trexd *d, const char *id, pid_t pid, struct job **out,
	      struct trex_err *err);
void job_adopt_launch(struct job *j);
void job_free(struct job *j);

#endif
