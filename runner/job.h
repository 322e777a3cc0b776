/* One job's run: the job in trex-sandbox, then trex-check in trex-sandbox,
 * then release. Driven by libuv callbacks; the scheduler owns the list. */
#ifndef TREX_RUNNER_JOB_H
#define TREX_RUNNER_JOB_H

#include <jansson.h>

#include "err.h"
#include "store.h"

struct trexd;
struct job;

/* Start job `id`, already committed as running. On error the job is not
 * started and the caller records it as failed with err's message. */
int job_start(struct trexd *d, const char *id, struct job **out, struct trex_err *err);
/* Ask the running sandbox to stop (shutdown): the job ends failed. */
void job_abort(struct job *j, int sig);
/* Abort (SIGTERM to the sandbox) and end the job as "cancelled" with this
 * reason instead of "failed". */
void job_cancel(struct job *j, const char *reason);
const char *job_id(const struct job *j);
void job_free(struct job *j);

#endif
