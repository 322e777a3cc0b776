/* The Slurm executor (executor.h, docs/slurm.md). Per job it:
 *
 *   1. records the attempt (jobs/ID/slurm.json: attempt N, job name
 *      trex-ID-aN, pool uid) and audits it, before anything is submitted;
 *   2. asks the monitor to stage the attempt and sbatch it as the pool
 *      uid (monslurm.c), then records and audits Slurm's job id;
 *   3. polls: one squeue of the partition every slurm.poll_ms for all of
 *      trexd's jobs on Slurm, whose pending reason goes into the job's
 *      reason (view_slurm_reason); Slurm's word is advisory;
 *   4. once Slurm is done with it (a terminal state, or gone from squeue),
 *      imports the attempt's outputs (slurm_import.c: untrusted input,
 *      checked against the node's status record) into jobs/ID/stage and
 *      hands the run back to job.c, which checks and releases as for a
 *      local run. The status record is authoritative for what the job did;
 *      none, or one that does not match, fails the job: nothing released.
 *
 * A cancel (or trexd's stop) is scancel by job name. Pool uids are leased
 * here, one per attempt in flight. The service runs no program itself:
 * sbatch, squeue and scancel are the monitor's (MON_SLURM). */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "access.h"
#include "alloc.h"
#include "buf.h"
#include "bundle.h"
#include "cleanup.h"
#include "esc.h"
#include "fsutil.h"
#include "log.h"
#include "monclient.h"
#include "monslurm.h"
#include "slurm_import.h"
#include "store.h"
#include "trexd.h"
#include "view.h"

#define SLURM_OUT_MAX (256u << 10) /* squeue's answer, sbatch's id */
#define SLURM_ERR_MAX (8u << 10)
#define SLURM_GONE_POLLS 2      /* polls a job may be missing from squeue */
#define SLURM_NOSTATUS_POLLS 5  /* polls to wait for a status record after the end */
#define SLURM_POOL_MAX 65536
#define SLURM_NODE_ATTEMPTS 3   /* attempts of a job lost with its node */

enum { SR_SUBMITTING, SR_SUBMITTED };

struct slurm_run {
	struct job *job;
	unsigned attempt, uid;
	char name[96];
	char slurm_id[32];
	int phase;
	int cancel;      /* cancel asked: scancel once submitted */
	int leave;       /* trexd stops: left on Slurm, adopted at the next start */
	int cancel_sent;
	unsigned missing, nostatus;
	char reason[96]; /* the job's reason last stored */
	struct slurm_run *next;
};

/* One program the monitor runs for us, its stdout and stderr read here. */
struct slurm_call {
	uv_pipe_t pipes[2];
	struct trex_buf bufs[2];
	int pending, open;
	int64_t status;
	int sig;
	void (*done)(struct slurm_call *c);
	void *arg;
};

static struct {
	const struct executor_host *h; /* job.c's calls (executor.h) */
	uv_timer_t timer;
	int timer_init;
	int querying;
	struct trexd *d;
	struct slurm_run *runs;
	unsigned char leased[SLURM_POOL_MAX / 8];
} es;

static void slurm_call_closed(uv_handle_t *h)
{
	struct slurm_call *c = h->data;
	if (--c->open > 0)
		return;
	trex_buf_free(&c->bufs[0]);
	trex_buf_free(&c->bufs[1]);
	trex_free(c);
}

static void slurm_call_step(struct slurm_call *c)
{
	if (--c->pending > 0)
		return;
	c->done(c);
	for (int i = 0; i < 2; i++)
		uv_close((uv_handle_t *)&c->pipes[i], slurm_call_closed);
}

static void slurm_call_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char scratch[65536]; /* loop thread only; copied out at once */
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(scratch, sizeof(scratch));
}

static void slurm_call_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct slurm_call *c = s->data;
	int i = (uv_pipe_t *)s == &c->pipes[0] ? 0 : 1;
	if (nread < 0) {
		uv_read_stop(s);
		slurm_call_step(c);
		return;
	}
	struct trex_buf *b = &c->bufs[i];
	size_t room = b->max > b->len ? b->max - b->len : 0;
	if (nread > 0 && room)
		trex_buf_append(b, buf->base, (size_t)nread < room ? (size_t)nread : room);
}

static void slurm_call_exited(void *arg, int64_t status, int sig)
{
	struct slurm_call *c = arg;
	c->status = status;
	c->sig = sig;
	slurm_call_step(c);
}

/* Ask the monitor to run q; done(c) on the loop once it ended and its
 * output is read. */
static int slurm_call(const struct monc_slurm_req *q, void (*done)(struct slurm_call *), void *arg,
		      struct trex_err *err)
{
	struct slurm_call *c = trex_calloc(1, sizeof(*c));
	if (!c)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int rd[MON_NFDS], wr[MON_NFDS], n;
	for (n = 0; n < MON_NFDS; n++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			break;
		rd[n] = p[0];
		wr[n] = p[1];
	}
	if (n < MON_NFDS) {
		int e = errno;
		for (int i = 0; i < n; i++) {
			close(rd[i]);
			close(wr[i]);
		}
		trex_free(c);
		return trex_err_set(err, -e, "pipe");
	}
	close(rd[2]); /* the third is unused: the protocol hands over three */
	c->done = done;
	c->arg = arg;
	trex_buf_init(&c->bufs[0], SLURM_OUT_MAX);
	trex_buf_init(&c->bufs[1], SLURM_ERR_MAX);
	for (int i = 0; i < 2; i++) {
		uv_pipe_init(es.d->loop, &c->pipes[i], 0);
		c->pipes[i].data = c;
		c->open++;
		if (uv_pipe_open(&c->pipes[i], rd[i]) < 0)
			close(rd[i]);
	}
	pid_t pid;
	int r = monc_slurm(q, wr, slurm_call_exited, c, &pid, err);
	for (int i = 0; i < MON_NFDS; i++)
		close(wr[i]);
	if (r < 0) {
		c->done = NULL;
		for (int i = 0; i < 2; i++)
			uv_close((uv_handle_t *)&c->pipes[i], slurm_call_closed);
		return r;
	}
	c->pending = 3;
	for (int i = 0; i < 2; i++)
		if (uv_read_start((uv_stream_t *)&c->pipes[i], slurm_call_alloc, slurm_call_read) < 0)
			c->pending--;
	return 0;
}

/* --- pool uids --- */

static int slurm_lease(const struct config *c, unsigned *uid)
{
	long n = c->slurm.pool_uid_count < SLURM_POOL_MAX ? c->slurm.pool_uid_count : SLURM_POOL_MAX;
	for (long i = 0; i < n; i++)
		if (!(es.leased[i / 8] & (1u << (i % 8)))) {
			es.leased[i / 8] |= (unsigned char)(1u << (i % 8));
			*uid = (unsigned)(c->slurm.pool_uid_base + i);
			return 0;
		}
	return -EAGAIN;
}

static void slurm_unlease(const struct config *c, unsigned uid)
{
	long i = (long)uid - c->slurm.pool_uid_base;
	if (i >= 0 && i < SLURM_POOL_MAX)
		es.leased[i / 8] &= (unsigned char)~(1u << (i % 8));
}

/* --- the attempt record and the audit --- */

static int slurm_record(struct slurm_run *run, const char *state, struct trex_err *err)
{
	struct job_run_spec s;
	es.h->spec(run->job, &s);
	json_t *rec = json_pack("{s:I,s:s,s:I,s:s,s:s}", "attempt", (json_int_t)run->attempt,
				"name", run->name, "uid", (json_int_t)run->uid, "slurm_id",
				run->slurm_id, "state", state);
	_cleanup_free_ char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	json_decref(rec);
	if (!text)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	_cleanup_close_ int dir = open(s.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return trex_err_set(err, -errno, "job folder");
	int r = trex_write_file_atomic(dir, "slurm.json", text, strlen(text), 0600, err);
	if (r < 0)
		return r;
	json_t *f = json_pack("{s:s,s:s,s:I,s:s,s:I,s:s,s:s}", "job", s.id, "project", s.project,
			      "attempt", (json_int_t)run->attempt, "name", run->name, "uid",
			      (json_int_t)run->uid, "slurm_id", run->slurm_id, "state", state);
	r = f ? alog_event(s.d, "slurm_attempt", f, err) : trex_err_setx(err, -ENOMEM, "out of memory");
	json_decref(f);
	return r;
}

/* The last attempt recorded in jobs/ID/slurm.json (0: none), and
 * whether it may still be on Slurm (*open: submitting or submitted, the
 * record a crash leaves) with its pool uid. */
static unsigned slurm_last_attempt(const char *dir, int *open_, unsigned *uid)
{
	_cleanup_close_ int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct trex_err err = { 0 };
	*open_ = 0;
	if (d < 0 || trex_read_file(d, "slurm.json", 4096, &text, &len, &err) < 0)
		return 0;
	json_t *o = json_loadb(text, len, 0, NULL);
	json_int_t a = json_integer_value(json_object_get(o, "attempt"));
	const char *st = json_string_value(json_object_get(o, "state"));
	*open_ = st && (!strcmp(st, "submitting") || !strcmp(st, "submitted"));
	*uid = (unsigned)json_integer_value(json_object_get(o, "uid"));
	json_decref(o);
	return a > 0 && a <= MONSLURM_ATTEMPTS_MAX ? (unsigned)a : 0;
}

static void slurm_set_reason(struct slurm_run *run, const char *reason)
{
	if (!strcmp(run->reason, reason))
		return;
	snprintf(run->reason, sizeof(run->reason), "%s", reason);
	struct trex_err err = { 0 };
	/* advisory: a refused write is made at the next poll */
	if (store_set_state(es.d->store, es.h->id(run->job), "running", reason, NULL, NULL, &err) < 0)
		run->reason[0] = '\0';
}

/* The run is over for this executor: unlinked, its uid given back. */
static void slurm_forget(struct slurm_run *run)
{
	for (struct slurm_run **p = &es.runs; *p; p = &(*p)->next)
		if (*p == run) {
			*p = run->next;
			break;
		}
	slurm_unlease(es.d->cfg, run->uid);
	*es.h->state(run->job) = NULL;
	if (!es.runs && es.timer_init)
		uv_timer_stop(&es.timer);
	trex_free(run);
}

static void slurm_fail(struct slurm_run *run, const char *reason)
{
	struct job *j = run->job;
	struct trex_err err = { 0 };
	/* an attempt over is never adopted again (a crash later re-runs it
	 * as a new attempt) */
	slurm_record(run, "failed", &err);
	trex_log(TREX_LOG_WARN, "slurm_failed", "job=%s attempt=%u reason=\"%s\"", es.h->id(j),
		 run->attempt, reason);
	slurm_forget(run);
	es.h->failed(j, reason);
}

static void slurm_ignore(struct slurm_call *c)
{
	(void)c;
}

static void slurm_clean(const char *id)
{
	struct monc_slurm_req q = { .op = MONSLURM_CLEAN, .job = id };
	struct trex_err err = { 0 };
	if (slurm_call(&q, slurm_ignore, NULL, &err) < 0)
		trex_log(TREX_LOG_WARN, "slurm_clean_failed", "job=%s error=\"%s\"", id, err.msg);
}

static void slurm_cancel_done(struct slurm_call *c)
{
	if (c->status != 0)
		trex_log(TREX_LOG_WARN, "slurm_scancel_failed", "status=%lld", (long long)c->status);
}

static void slurm_send_cancel(struct slurm_run *run)
{
	struct monc_slurm_req q = { .op = MONSLURM_CANCEL, .job = es.h->id(run->job),
				    .attempt = run->attempt };
	struct trex_err err = { 0 };
	run->cancel_sent = 1;
	if (slurm_call(&q, slurm_cancel_done, NULL, &err) < 0)
		trex_log(TREX_LOG_WARN, "slurm_scancel_failed", "job=%s error=\"%s\"", es.h->id(run->job),
			 err.msg);
}

static void slurm_submit(struct slurm_run *run);

/* The infrastructure lost the attempt, not the job: its node failed, or
 * it was preempted or never booted (--no-requeue: Slurm does not run it
 * again). */
static int slurm_infra_failure(const char *st)
{
	return !strcmp(st, "NODE_FAIL") || !strcmp(st, "PREEMPTED") || !strcmp(st, "BOOT_FAIL");
}

/* A fresh attempt N+1 after an infrastructure failure: a new pool uid
 * (taken before the old one is given back, so it differs), a new staging
 * folder, audited; at most SLURM_NODE_ATTEMPTS in all. */
static void slurm_retry(struct slurm_run *run, const char *state)
{
	struct trex_err err = { 0 };
	char st[40], reason[200];
	trex_esc(state, strlen(state), st, sizeof(st));
	slurm_record(run, "failed", &err);
	if (run->attempt >= SLURM_NODE_ATTEMPTS) {
		snprintf(reason, sizeof(reason),
			 "the Slurm job was lost by the cluster (%s) %u times: nothing is released", st,
			 run->attempt);
		slurm_fail(run, reason);
		return;
	}
	unsigned old = run->uid;
	if (slurm_lease(es.d->cfg, &run->uid) < 0) {
		run->uid = old;
		slurm_fail(run, "no free Slurm pool uid");
		return;
	}
	slurm_unlease(es.d->cfg, old);
	trex_log(TREX_LOG_WARN, "slurm_retry", "job=%s attempt=%u state=%s", es.h->id(run->job),
		 run->attempt, st);
	run->attempt++;
	run->slurm_id[0] = '\0';
	run->missing = run->nostatus = 0;
	monslurm_name(es.h->id(run->job), run->attempt, run->name, sizeof(run->name));
	snprintf(reason, sizeof(reason), "re-submitted to Slurm after %s", st);
	slurm_set_reason(run, reason);
	slurm_submit(run);
}

/* 1 when the status record says the job ended by itself ("result=exit") */
static int slurm_exited(const char *rec, size_t len)
{
	for (const char *l = rec, *end = rec + len; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t ll = nl ? (size_t)(nl - l) : (size_t)(end - l);
		if (ll == 11 && !memcmp(l, "result=exit", 11))
			return 1;
		l = nl ? nl + 1 : end;
	}
	return 0;
}

/* Slurm is done with the attempt (state: its word, or "gone"): import. */
static void slurm_finish(struct slurm_run *run, const char *state)
{
	struct job_run_spec s;
	es.h->spec(run->job, &s);
	char adir[PATH_MAX];
	snprintf(adir, sizeof(adir), "%s/%s/a%u", s.d->cfg->slurm.stage_dir, s.id, run->attempt);
	struct slurm_import im;
	struct trex_err err = { 0 };
	int r = slurm_import(adir, s.dir, s.limits->output_mb, &im, &err);
	/* lost with its node: no record to wait for, a fresh attempt (one
	 * that finished before, with its record, is imported as usual) */
	if (r == -ENOENT && !run->cancel && slurm_infra_failure(state)) {
		slurm_retry(run, state);
		return;
	}
	/* a shared filesystem may show it late; a cancelled job that never
	 * started has none to wait for */
	if (r == -ENOENT && !run->cancel && ++run->nostatus < SLURM_NOSTATUS_POLLS)
		return;
	char reason[400];
	if (r == -ENOENT) {
		char st[40];
		trex_esc(state, strlen(state), st, sizeof(st));
		snprintf(reason, sizeof(reason),
			 "the Slurm job ended (%s) without a status record: nothing is released", st);
		slurm_fail(run, reason);
		return;
	}
	if (r < 0) {
		snprintf(reason, sizeof(reason), "Slurm attempt %u: %s: nothing is released",
			 run->attempt, err.msg);
		slurm_fail(run, reason);
		return;
	}
	/* the node went while the job ran: trex-sandbox saw its job killed
	 * and said so; the job did not fail, its node did */
	if (slurm_infra_failure(state) && !run->cancel && !slurm_exited(im.record, im.record_len)) {
		slurm_import_free(&im);
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/stage", s.dir);
		bundle_remove(p);
		if (mkdir(p, 0700) < 0) {
			slurm_fail(run, "the job's stage folder could not be made again");
			return;
		}
		slurm_retry(run, state);
		return;
	}
	trex_log(TREX_LOG_INFO, "slurm_imported", "job=%s attempt=%u slurm_id=%s", s.id,
		 run->attempt, run->slurm_id);
	if (slurm_record(run, "imported", &err) < 0)
		trex_log(TREX_LOG_ERROR, "slurm_record_failed", "job=%s code=%d", s.id, err.code);
	struct job *j = run->job;
	char id[64];
	snprintf(id, sizeof(id), "%s", s.id);
	slurm_forget(run);
	es.h->ended(j, im.record, im.record_len, im.out, im.out_len, im.out_total, im.err,
		      im.err_len, im.err_total);
	slurm_import_free(&im);
	slurm_clean(id);
}

/* trexd is stopping with on_crash "requeue": the attempt stays on Slurm
 * and its record open (submitted), the job stays running in the store
 * (job.c job_end_aborted) and the next start adopts it. */
static void slurm_leave(struct slurm_run *run)
{
	struct job *j = run->job;
	trex_log(TREX_LOG_INFO, "slurm_left", "job=%s attempt=%u slurm_id=%s", es.h->id(j),
		 run->attempt, run->slurm_id);
	slurm_forget(run);
	es.h->failed(j, "trexd stopped");
}

static int slurm_terminal(const char *st)
{
	static const char *const active[] = { "PENDING", "CONFIGURING", "RUNNING", "COMPLETING",
					      "SUSPENDED", "REQUEUED", "RESIZING", "SIGNALING",
					      "STAGE_OUT", "REQUEUE_HOLD", "REQUEUE_FED" };
	for (size_t i = 0; i < TREX_ARRAY_LEN(active); i++)
		if (!strcmp(st, active[i]))
			return 0;
	return 1;
}

/* squeue's "NAME|ID|STATE|REASON" lines, against every attempt in flight */
static void slurm_query_done(struct slurm_call *c)
{
	es.querying = 0;
	if (c->status != 0 || c->sig) {
		/* the controller is unreachable: jobs stay as they are */
		trex_log(TREX_LOG_WARN, "slurm_squeue_failed", "status=%lld", (long long)c->status);
		return;
	}
	const char *text = c->bufs[0].data ? c->bufs[0].data : "";
	struct slurm_run *next;
	for (struct slurm_run *run = es.runs; run; run = next) {
		next = run->next;
		if (run->phase != SR_SUBMITTED)
			continue;
		size_t nl = strlen(run->name);
		const char *line = NULL;
		for (const char *p = text; *p;) {
			const char *e = strchr(p, '\n');
			if (!strncmp(p, run->name, nl) && p[nl] == '|')
				line = p;
			p = e ? e + 1 : p + strlen(p);
		}
		if (!line) {
			if (++run->missing >= SLURM_GONE_POLLS)
				slurm_finish(run, "gone");
			continue;
		}
		run->missing = 0;
		char st[40] = "", why[64] = "";
		const char *f = strchr(line + nl + 1, '|');
		if (f)
			sscanf(f + 1, "%39[^|\n]|%63[^\n]", st, why);
		if (!strcmp(st, "PENDING") || !strcmp(st, "CONFIGURING")) {
			char reason[96];
			view_slurm_reason(why, reason, sizeof(reason));
			slurm_set_reason(run, reason);
		} else if (!slurm_terminal(st)) {
			slurm_set_reason(run, "running on Slurm");
		} else {
			slurm_finish(run, st);
		}
	}
}

static void slurm_poll(uv_timer_t *t)
{
	(void)t;
	struct slurm_run *next;
	for (struct slurm_run *run = es.runs; run; run = next) {
		next = run->next;
		if (run->leave && run->phase == SR_SUBMITTED)
			slurm_leave(run);
	}
	if (es.querying || !es.runs)
		return;
	struct monc_slurm_req q = { .op = MONSLURM_QUERY };
	struct trex_err err = { 0 };
	if (slurm_call(&q, slurm_query_done, NULL, &err) < 0)
		trex_log(TREX_LOG_WARN, "slurm_squeue_failed", "error=\"%s\"", err.msg);
	else
		es.querying = 1;
}

static void slurm_poll_start(uint64_t first_ms)
{
	if (!es.timer_init) {
		uv_timer_init(es.d->loop, &es.timer);
		/* it never keeps trexd's loop alive on its own */
		uv_unref((uv_handle_t *)&es.timer);
		es.timer_init = 1;
	}
	uint64_t ms = (uint64_t)es.d->cfg->slurm.poll_ms;
	if (!uv_is_active((uv_handle_t *)&es.timer) || first_ms < ms)
		uv_timer_start(&es.timer, slurm_poll, first_ms < ms ? first_ms : ms, ms);
}

static void slurm_submit_done(struct slurm_call *c)
{
	struct slurm_run *run = c->arg;
	const char *out = c->bufs[0].data ? c->bufs[0].data : "";
	size_t n = strspn(out, "0123456789");
	if (c->status != 0 || c->sig || n == 0 || n >= sizeof(run->slurm_id)) {
		char e[200];
		const char *eb = c->bufs[1].data ? c->bufs[1].data : "";
		trex_esc(eb, strlen(eb), e, sizeof(e));
		trex_log(TREX_LOG_WARN, "slurm_sbatch_failed", "job=%s status=%lld stderr=\"%s\"",
			 es.h->id(run->job), (long long)c->status, e);
		slurm_fail(run, "Slurm refused the submission");
		return;
	}
	memcpy(run->slurm_id, out, n);
	run->slurm_id[n] = '\0';
	run->phase = SR_SUBMITTED;
	struct trex_err err = { 0 };
	if (slurm_record(run, "submitted", &err) < 0)
		trex_log(TREX_LOG_ERROR, "slurm_record_failed", "job=%s code=%d", es.h->id(run->job),
			 err.code);
	trex_log(TREX_LOG_INFO, "slurm_submitted", "job=%s attempt=%u slurm_id=%s uid=%u",
		 es.h->id(run->job), run->attempt, run->slurm_id, run->uid);
	slurm_set_reason(run, "queued on Slurm");
	if (run->cancel)
		slurm_send_cancel(run);
	slurm_poll_start(run->leave ? 0 : UINT64_MAX);
}

/* After a crash (the job re-queued by recovery, its record still open):
 * squeue's answer says whether attempt N is on Slurm. Found: adopted, no
 * second submission. Gone with a status record: imported. Neither: it
 * never reached Slurm (or left no trace): a fresh attempt N+1. */
static void slurm_adopt_done(struct slurm_call *c)
{
	struct slurm_run *run = c->arg;
	if (c->status != 0 || c->sig) {
		/* the controller cannot say: never submit a duplicate blindly */
		slurm_fail(run, "Slurm could not be asked about the interrupted attempt");
		return;
	}
	const char *text = c->bufs[0].data ? c->bufs[0].data : "";
	size_t nl = strlen(run->name);
	const char *line = NULL;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		if (!strncmp(p, run->name, nl) && p[nl] == '|')
			line = p;
		p = e ? e + 1 : p + strlen(p);
	}
	struct job_run_spec s;
	es.h->spec(run->job, &s);
	char status[PATH_MAX];
	snprintf(status, sizeof(status), "%s/%s/a%u/result/status", s.d->cfg->slurm.stage_dir,
		 s.id, run->attempt);
	if (line || access(status, F_OK) == 0) {
		if (line)
			sscanf(line + nl + 1, "%31[0-9]", run->slurm_id);
		run->phase = SR_SUBMITTED;
		struct trex_err err = { 0 };
		slurm_record(run, "adopted", &err);
		trex_log(TREX_LOG_INFO, "slurm_adopted", "job=%s attempt=%u slurm_id=%s", s.id,
			 run->attempt, run->slurm_id);
		/* adopted: the record says submitted again, for the next crash */
		slurm_record(run, "submitted", &err);
		slurm_set_reason(run, "queued on Slurm");
		slurm_poll_start(UINT64_MAX);
		return;
	}
	trex_log(TREX_LOG_WARN, "slurm_attempt_lost", "job=%s attempt=%u", s.id, run->attempt);
	slurm_unlease(s.d->cfg, run->uid);
	if (run->attempt >= MONSLURM_ATTEMPTS_MAX) {
		slurm_fail(run, "too many Slurm attempts");
		return;
	}
	run->attempt++;
	if (slurm_lease(s.d->cfg, &run->uid) < 0) {
		slurm_fail(run, "no free Slurm pool uid");
		return;
	}
	monslurm_name(s.id, run->attempt, run->name, sizeof(run->name));
	slurm_submit(run);
}

static void slurm_start(struct job *j, const struct executor_host *h)
{
	es.h = h;
	struct job_run_spec s;
	es.h->spec(j, &s);
	es.d = s.d;
	const struct config *c = s.d->cfg;
	struct slurm_run *run = trex_calloc(1, sizeof(*run));
	if (!run) {
		es.h->failed(j, "out of memory");
		return;
	}
	run->job = j;
	int open_ = 0;
	unsigned last_uid = 0;
	unsigned last = slurm_last_attempt(s.dir, &open_, &last_uid);
	long pool_i = (long)last_uid - c->slurm.pool_uid_base;
	if (open_ && pool_i >= 0 && pool_i < c->slurm.pool_uid_count && pool_i < SLURM_POOL_MAX &&
	    !(es.leased[pool_i / 8] & (1u << (pool_i % 8)))) {
		/* the attempt a crash interrupted: is it on Slurm? */
		es.leased[pool_i / 8] |= (unsigned char)(1u << (pool_i % 8));
		run->uid = last_uid;
		run->attempt = last;
		monslurm_name(s.id, run->attempt, run->name, sizeof(run->name));
		run->next = es.runs;
		es.runs = run;
		*es.h->state(j) = run;
		struct monc_slurm_req q = { .op = MONSLURM_QUERY };
		struct trex_err err = { 0 };
		if (slurm_call(&q, slurm_adopt_done, run, &err) < 0)
			slurm_fail(run, "Slurm could not be asked about the interrupted attempt");
		return;
	}
	if (last >= MONSLURM_ATTEMPTS_MAX) {
		trex_free(run);
		es.h->failed(j, "too many Slurm attempts");
		return;
	}
	run->attempt = last + 1;
	if (slurm_lease(c, &run->uid) < 0) {
		trex_free(run);
		es.h->failed(j, "no free Slurm pool uid");
		return;
	}
	monslurm_name(s.id, run->attempt, run->name, sizeof(run->name));
	run->next = es.runs;
	es.runs = run;
	*es.h->state(j) = run;
	slurm_submit(run);
}

static void slurm_submit(struct slurm_run *run)
{
	struct job_run_spec s;
	es.h->spec(run->job, &s);
	run->phase = SR_SUBMITTING;
	/* recorded and audited before it is submitted: a crash in between
	 * leaves a name to look for, never a job nobody knows of */
	struct trex_err err = { 0 };
	if (slurm_record(run, "submitting", &err) < 0) {
		slurm_fail(run, "the Slurm attempt could not be recorded");
		return;
	}
	size_t nc = json_array_size(s.command);
	const char **cmd = trex_calloc(nc + 1, sizeof(*cmd));
	if (!cmd) {
		slurm_fail(run, "out of memory");
		return;
	}
	for (size_t i = 0; i < nc; i++)
		cmd[i] = json_string_value(json_array_get(s.command, i));
	const struct limits *l = s.limits;
	struct monc_slurm_req q = {
		.op = MONSLURM_SUBMIT, .job = s.id, .attempt = run->attempt, .uid = run->uid,
		.dataset = s.dataset, .runtime = s.runtime,
		.limits = { l->memory_mb, l->cpu_seconds, l->wall_seconds, l->pids, l->output_mb },
		.command = cmd, .n_command = nc,
	};
	int r = slurm_call(&q, slurm_submit_done, run, &err);
	trex_free(cmd);
	if (r < 0) {
		char reason[400];
		snprintf(reason, sizeof(reason), "could not submit to Slurm: %s", err.msg);
		slurm_fail(run, reason);
		return;
	}
	trex_log(TREX_LOG_INFO, "slurm_submitting", "job=%s attempt=%u name=%s uid=%u", s.id,
		 run->attempt, run->name, run->uid);
}

static int slurm_cancel(struct job *j, int sig, const struct executor_host *h)
{
	(void)sig;
	es.h = h;
	struct slurm_run *run = *es.h->state(j);
	if (!run)
		return 0; /* the run is back: the check is job.c's */
	struct job_run_spec s;
	es.h->spec(j, &s);
	if (!es.h->cancelled(j) && s.d->stopping && s.d->cfg->on_crash_requeue) {
		/* a restart loses no job: left running on Slurm, for the
		 * next start to adopt; ended on the loop's next turn, never
		 * inside the caller's walk over the running jobs */
		run->leave = 1;
		slurm_poll_start(0);
		return 1;
	}
	run->cancel = 1;
	if (run->phase == SR_SUBMITTED && !run->cancel_sent)
		slurm_send_cancel(run);
	/* the end comes through the poll: the status record of a cancelled
	 * run, or none */
	return 1;
}

const struct executor executor_slurm = { "slurm", slurm_start, slurm_cancel };
