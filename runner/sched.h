/* The scheduler: starts queued jobs up to the configured concurrency,
 * round-robin across projects, and stops them all on shutdown. */
#ifndef TREX_RUNNER_SCHED_H
#define TREX_RUNNER_SCHED_H

#include "err.h"

struct trexd;
struct job;

int sched_init(struct trexd *d, struct trex_err *err);
/* Start as many queued jobs as free slots allow. Cheap; call it whenever a
 * job is queued or a slot frees. */
void sched_kick(struct trexd *d);
/* Called by job.c once a job has reached its final state and all its
 * handles are closed; frees it. */
void sched_job_done(struct trexd *d, struct job *j);
/* Stop starting jobs, SIGTERM running sandboxes (SIGKILL after a bound),
 * call done() once none is left. */
void sched_stop(struct trexd *d, void (*done)(struct trexd *d));
void sched_free(struct trexd *d);
int sched_running(const struct trexd *d);

/* The running (or checking) job with this id, or NULL. */
/* Hold job j, whose run an earlier trexd left (adopt.c), as running and
 * go on with it (job_adopt_launch). */
void sched_adopted(struct trexd *d, struct job *j);
struct job *sched_find(struct trexd *d, const char *id);

#endif
