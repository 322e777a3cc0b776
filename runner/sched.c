/* Scheduling: a job moves queued -> running in the store (committed) before
 * its sandbox is spawned. Projects take turns: the next job comes from the
 * first project after the last one served that has a queued job. When the
 * store refuses that write (a full state filesystem) the job stays queued
 * and the scheduler tries again on its own timer, with back-off, so queued
 * jobs start once space returns without waiting for another submission. */
#include "sched.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include <uv.h>

#include "alloc.h"
#include "job.h"
#include "log.h"
#include "store.h"
#include "trexd.h"

#define SCHED_KILL_GRACE_MS 10000
#define SCHED_RETRY_FIRST_MS 100
#define SCHED_RETRY_MAX_MS 2000

struct sched {
	struct job **running;
	int n_running;
	int cap;   /* concurrency: no job starts beyond it */
	int slots; /* running's length: cap, or more while adopted runs exceed it */
	char last_project[128];
	int stopping;
	void (*stopped)(struct trexd *d);
	uv_timer_t kill_timer; /* the drain's end, then the grace period's */
	int kill_timer_open;
	int draining;          /* stopping, running jobs may still finish */
	uv_timer_t retry_timer; /* sched_kick again after a refused write */
	int retry_timer_open;
	unsigned retry_tries;
};

int sched_init(struct trexd *d, struct trex_err *err)
{
	struct sched *s = trex_calloc(1, sizeof(*s));
	if (!s)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	s->cap = s->slots = d->cfg->concurrency;
	s->running = trex_calloc((size_t)s->cap, sizeof(*s->running));
	if (!s->running) {
		trex_free(s);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	d->sched = s;
	uv_timer_init(d->loop, &s->retry_timer);
	s->retry_timer.data = d;
	s->retry_timer_open = 1;
	return 0;
}

int sched_running(const struct trexd *d)
{
	return d->sched ? d->sched->n_running : 0;
}

static void sched_retry_fire(uv_timer_t *t)
{
	sched_kick(t->data);
}

/* The store refused a write (code) while starting job `id` (NULL: while
 * looking for one): try again later, 100 ms doubling up to
 * SCHED_RETRY_MAX_MS, never in a loop. Logged at each of the first tries,
 * then about once a minute. */
static void sched_retry_later(struct trexd *d, const char *id, int code)
{
	struct sched *s = d->sched;
	if (s->stopping || uv_is_active((uv_handle_t *)&s->retry_timer))
		return;
	unsigned shift = s->retry_tries < 8 ? s->retry_tries : 8;
	uint64_t ms = (uint64_t)SCHED_RETRY_FIRST_MS << shift;
	if (ms > SCHED_RETRY_MAX_MS)
		ms = SCHED_RETRY_MAX_MS;
	s->retry_tries++;
	if (s->retry_tries <= 8 || s->retry_tries % 30 == 0)
		trex_log(TREX_LOG_WARN, "sched_retry", "job=%s code=%d try=%u delay_ms=%llu",
			 id ? id : "-", code, s->retry_tries, (unsigned long long)ms);
	uv_timer_start(&s->retry_timer, sched_retry_fire, ms, 0);
}

void sched_kick(struct trexd *d)
{
	struct sched *s = d->sched;
	while (!s->stopping && s->n_running < s->cap) {
		struct trex_err err = { 0 };
		char id[STORE_ID_MAX], project[128];
		if (store_next_queued(d->store, s->last_project, id, project, &err) < 0) {
			sched_retry_later(d, NULL, err.code);
			return;
		}
		if (!id[0])
			break;
		struct job *j = NULL;
		int r = job_prepare(d, id, &j, &err);
		if (r < 0 && trexd_retryable(r)) {
			/* its folders could not be made: it stays queued */
			sched_retry_later(d, id, r);
			return;
		}
		if (r < 0) {
			trex_log(TREX_LOG_ERROR, "job_start_failed", "job=%s code=%d", id, err.code);
			char reason[300];
			snprintf(reason, sizeof(reason), "could not start: %s", err.msg);
			if (store_set_state(d->store, id, "failed", reason, NULL, NULL, &err) < 0) {
				sched_retry_later(d, id, err.code);
				return;
			}
			memcpy(s->last_project, project, sizeof(s->last_project));
			continue;
		}
		if (store_set_state(d->store, id, "running", "", NULL, NULL, &err) < 0) {
			/* it stays queued */
			job_free(j);
			sched_retry_later(d, id, err.code);
			return;
		}
		memcpy(s->last_project, project, sizeof(s->last_project));
		s->running[s->n_running++] = j;
		job_launch(j);
	}
	s->retry_tries = 0;
}

static void sched_check_stopped(struct trexd *d);

static void sched_kill_timer_closed(uv_handle_t *h)
{
	struct trexd *d = h->data;
	d->sched->kill_timer_open = 0;
	sched_check_stopped(d);
}

static void sched_retry_timer_closed(uv_handle_t *h)
{
	struct trexd *d = h->data;
	d->sched->retry_timer_open = 0;
	sched_check_stopped(d);
}

/* Once stopping and no job is left: both timers closed, then done(). */
static void sched_check_stopped(struct trexd *d)
{
	struct sched *s = d->sched;
	if (!s->stopping || s->n_running > 0)
		return;
	if (s->kill_timer_open && !uv_is_closing((uv_handle_t *)&s->kill_timer))
		uv_close((uv_handle_t *)&s->kill_timer, sched_kill_timer_closed);
	if (s->retry_timer_open && !uv_is_closing((uv_handle_t *)&s->retry_timer))
		uv_close((uv_handle_t *)&s->retry_timer, sched_retry_timer_closed);
	if (s->kill_timer_open || s->retry_timer_open)
		return;
	if (s->stopped) {
		void (*cb)(struct trexd *) = s->stopped;
		s->stopped = NULL;
		cb(d);
	}
}

void sched_job_done(struct trexd *d, struct job *j)
{
	struct sched *s = d->sched;
	for (int i = 0; i < s->n_running; i++) {
		if (s->running[i] == j) {
			s->running[i] = s->running[--s->n_running];
			break;
		}
	}
	job_free(j);
	if (s->stopping)
		sched_check_stopped(d);
	else
		sched_kick(d);
}

static void sched_kill_timeout(uv_timer_t *t)
{
	struct trexd *d = t->data;
	struct sched *s = d->sched;
	trex_log(TREX_LOG_WARN, "sched_kill", "running=%d", s->n_running);
	for (int i = 0; i < s->n_running; i++)
		job_abort(s->running[i], SIGKILL);
}

/* End the jobs still running: trex-sandbox forwards SIGTERM to its job
 * and cleans up; after the grace period it gets SIGKILL (its job dies
 * with it: the sandbox holds the job's pid namespace). */
static void sched_end_running(struct trexd *d)
{
	struct sched *s = d->sched;
	s->draining = 0;
	trex_log(TREX_LOG_INFO, "sched_stopping", "running=%d", s->n_running);
	for (int i = 0; i < s->n_running; i++)
		job_abort(s->running[i], SIGTERM);
	uv_timer_start(&s->kill_timer, sched_kill_timeout, SCHED_KILL_GRACE_MS, 0);
}

static void sched_drain_timeout(uv_timer_t *t)
{
	struct trexd *d = t->data;
	trex_log(TREX_LOG_WARN, "sched_drain_ended", "running=%d", d->sched->n_running);
	sched_end_running(d);
}

void sched_stop(struct trexd *d, void (*done)(struct trexd *d))
{
	struct sched *s = d->sched;
	s->stopping = 1;
	s->stopped = done;
	uv_timer_stop(&s->retry_timer);
	if (s->n_running > 0) {
		uv_timer_init(d->loop, &s->kill_timer);
		s->kill_timer.data = d;
		s->kill_timer_open = 1;
		/* a drain: no job starts, the running ones may finish (run,
		 * check and release) for drain_seconds; those still running
		 * then are ended as without a drain */
		if (d->cfg->drain_seconds > 0) {
			s->draining = 1;
			trex_log(TREX_LOG_INFO, "sched_draining", "running=%d seconds=%ld",
				 s->n_running, d->cfg->drain_seconds);
			uv_timer_start(&s->kill_timer, sched_drain_timeout,
				       (uint64_t)d->cfg->drain_seconds * 1000, 0);
		} else {
			sched_end_running(d);
		}
	}
	sched_check_stopped(d);
}

void sched_adopted(struct trexd *d, struct job *j)
{
	struct sched *s = d->sched;
	/* an adopted run holds a slot, even over a concurrency lowered since */
	if (s->n_running == s->slots) {
		struct job **v = trex_realloc(s->running, (size_t)(s->slots + 1) * sizeof(*v));
		if (!v) {
			trex_log(TREX_LOG_ERROR, "job_adopt_failed", "job=%s error=\"out of memory\"",
				 job_id(j));
			job_free(j);
			return;
		}
		s->running = v;
		s->slots++;
	}
	s->running[s->n_running++] = j;
	job_adopt_launch(j);
}

struct job *sched_find(struct trexd *d, const char *id)
{
	struct sched *s = d->sched;
	for (int i = 0; s && i < s->n_running; i++)
		if (strcmp(job_id(s->running[i]), id) == 0)
			return s->running[i];
	return NULL;
}

void sched_free(struct trexd *d)
{
	if (!d->sched)
		return;
	trex_free(d->sched->running);
	trex_free(d->sched);
	d->sched = NULL;
}
