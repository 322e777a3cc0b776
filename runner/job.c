/* A job's run. trexd never enters namespaces itself: it uv_spawns
 * trex-sandbox (the job), then trex-sandbox again around trex-check (the
 * outputs are untrusted input to the checker), reading stdout, stderr and
 * the status fd through bounded buffers. Each state change is committed
 * before the next step starts.
 *
 * A write the state filesystem refuses (full, or failing: trexd_retryable)
 * does not end the job: the step waits on the job's retry timer (100 ms,
 * doubling up to JOB_RETRY_MAX_MS) and is made again, from what it had
 * not written yet, so a line is never audited twice and nothing is
 * recorded as released before its check line is written. A job so waits
 * in the state it had (running or checking) until space returns; a
 * cancellation or trexd's stop ends the wait at once. */
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "access.h"
#include "adopt_end.h"
#include "alloc.h"
#include "buf.h"
#include "bundle.h"
#include "cleanup.h"
#include "esc.h"
#include "executor.h"
#include "fsutil.h"
#include "idcache.h"
#include "monclient.h"
#include "previous.h"
#include "log.h"
#include "manifest.h"
#include "metrics.h"
#include "release.h"
#include "repro.h"
#include "runrec.h"
#include "sched.h"
#include "trexd.h"

#define JOB_LOG_MAX (1u << 20)       /* bytes of job stdout/stderr kept */
#define JOB_STATUS_MAX (256u << 10)  /* status record */
#define JOB_REPORT_MAX (16u << 20)   /* trex-check report on stdout */
#define JOB_CHECK_ERR_MAX (64u << 10)
#define JOB_RETRY_FIRST_MS 100       /* first wait after a refused write */
#define JOB_RETRY_MAX_MS 2000        /* longest wait between two tries */

enum { JOB_OUT, JOB_ERR, JOB_STATUS, JOB_NPIPES };

struct job_proc {
	struct job *job;
	pid_t pid; /* the sandbox, started by the monitor (monclient.h) */
	uv_pipe_t pipes[JOB_NPIPES];
	struct trex_buf bufs[JOB_NPIPES];
	uint64_t totals[JOB_NPIPES];
	uint64_t spawn_ns; /* uv_hrtime() (CLOCK_MONOTONIC) at uv_spawn */
	int64_t exit_status;
	int term_signal;
	int pending; /* exit + open pipes still to hear from */
	int spawned;
	int spawn_failed; /* uv_spawn refused: its handles are closing */
	int adoptable; /* a run on_restart "adopt" leaves running at trexd's stop */
	int adopted;   /* a run an earlier trexd started: no pipes (adopt.c) */
	int exited;
	int eof[JOB_NPIPES];
	void (*finish)(struct job_proc *p);
};

struct job {
	struct trexd *d;
	const struct executor *exec; /* where the run happens (executor.h) */
	void *exec_state;
	struct job_row row;
	json_t *manifest;
	json_t *present;
	struct limits limits;
	char dir[PATH_MAX];
	struct job_proc run, check;
	struct job_proc *active;
	json_t *runrec;
	int open_handles;
	int aborting;
	int finished;
	int done_sent;
	char cancel_reason[160]; /* set by job_cancel: end as cancelled */
	/* the dataset's identifier index, found or built off the loop
	 * (job_ids_run): its first build reads the whole dataset */
	uv_work_t ids_work;
	const struct config *ids_cfg;
	const struct dataset *ids_ds;
	char ids_dir[PATH_MAX];
	int ids_r; /* idcache_get's answer */
	struct trex_err ids_err;
	/* the reproducibility record (repro.h), made on the same pool thread */
	char repro_policy[MON_NAME_MAX + 1];
	json_t *repro;
	struct trex_err repro_err;
	/* a step waiting to be made again after a refused write */
	uv_timer_t retry;
	int retry_open;
	unsigned retry_tries;
	void (*retry_step)(struct job *j);
	/* how far the steps after the run got: a step made again skips
	 * the writes it already made */
	unsigned logs_saved; /* bit JOB_OUT, bit JOB_ERR */
	int run_audited;
	int checking_stored;
	json_t *report;      /* the checker's report, kept for release_finish */
	char *report_text;
	struct release_plan plan;
	char end_state[32];
	char end_reason[512];
};

const char *job_id(const struct job *j)
{
	return j->row.id;
}

const char *job_project(const struct job *j)
{
	return j->row.project;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	for (int i = 0; i < JOB_NPIPES; i++) {
		trex_buf_free(&j->run.bufs[i]);
		trex_buf_free(&j->check.bufs[i]);
	}
	json_decref(j->manifest);
	json_decref(j->present);
	json_decref(j->runrec);
	json_decref(j->report);
	json_decref(j->repro);
	free(j->report_text); /* jansson's allocator */
	release_plan_free(&j->plan);
	store_job_free(&j->row);
	trex_free(j);
}

static void job_maybe_done(struct job *j)
{
	if (j->finished && j->open_handles == 0 && !j->done_sent) {
		j->done_sent = 1;
		sched_job_done(j->d, j);
	}
}

static void job_handle_closed(uv_handle_t *h)
{
	struct job_proc *p = h->data;
	struct job *j = p->job;
	j->open_handles--;
	job_maybe_done(j);
}

static void job_timer_closed(uv_handle_t *h)
{
	struct job *j = h->data;
	j->retry_open = 0;
	j->open_handles--;
	job_maybe_done(j);
}

/* The job has its final state in the store (or trexd gave up on it while
 * stopping); it is over once its handles are closed. */
static void job_finish(struct job *j)
{
	j->finished = 1;
	if (j->retry_open && !uv_is_closing((uv_handle_t *)&j->retry))
		uv_close((uv_handle_t *)&j->retry, job_timer_closed);
	job_maybe_done(j);
}

static void job_retry_fire(uv_timer_t *t)
{
	struct job *j = t->data;
	void (*step)(struct job *) = j->retry_step;
	j->retry_step = NULL;
	if (!step)
		return;
	step(j);
	/* the step got past its write: the next refusal waits briefly again */
	if (!j->retry_step)
		j->retry_tries = 0;
}

/* Make `step` again later: the state filesystem refused one of its writes
 * with `code` (trexd_retryable). The job keeps its slot and its state. */
static void job_retry_later(struct job *j, void (*step)(struct job *), const char *what,
			    int code)
{
	if (!j->retry_open) {
		uv_timer_init(j->d->loop, &j->retry);
		j->retry.data = j;
		j->retry_open = 1;
		j->open_handles++;
	}
	unsigned shift = j->retry_tries < 8 ? j->retry_tries : 8;
	uint64_t ms = (uint64_t)JOB_RETRY_FIRST_MS << shift;
	if (ms > JOB_RETRY_MAX_MS)
		ms = JOB_RETRY_MAX_MS;
	j->retry_tries++;
	j->retry_step = step;
	/* each of the first tries, then about once a minute */
	if (j->retry_tries <= 8 || j->retry_tries % 30 == 0)
		trex_log(TREX_LOG_WARN, "job_retry", "job=%s step=%s code=%d try=%u delay_ms=%llu",
			 j->row.id, what, code, j->retry_tries, (unsigned long long)ms);
	uv_timer_start(&j->retry, job_retry_fire, ms, 0);
}

static void job_end(struct job *j, const char *state, const char *reason);

/* A step whose write failed with r: made again later when the state
 * filesystem may give room, else the job fails with "WHAT: the error".
 * 1 when the caller stops there, 0 when r is no error. */
static int job_step_failed(struct job *j, void (*step)(struct job *), const char *name, int r,
			   int retry, const char *what, const struct trex_err *err)
{
	char msg[400];

	if (r >= 0)
		return 0;
	if (retry) {
		job_retry_later(j, step, name, r);
		return 1;
	}
	snprintf(msg, sizeof(msg), "%s: %s", what, err->msg);
	job_end(j, "failed", msg);
	return 1;
}

/* Record the final state j->end_state; tried again while the store
 * refuses it, except when trexd is stopping: then the job is left as it
 * is in the store (running or checking), for start-up recovery. */
static void job_end_try(struct job *j)
{
	struct trex_err err = { 0 };
	_cleanup_free_ char *run = j->runrec ? json_dumps(j->runrec, JSON_COMPACT) : NULL;
	if (store_set_state(j->d->store, j->row.id, j->end_state, j->end_reason, run, NULL,
			    &err) < 0) {
		if (trexd_retryable(err.code) && !j->d->stopping) {
			job_retry_later(j, job_end_try, "end", err.code);
			return;
		}
		trex_log(TREX_LOG_ERROR, "store_failed", "job=%s code=%d", j->row.id, err.code);
	}
	/* a release cut short left copies no store record lists: they go */
	if (j->plan.rows) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/release/%s/%s", j->d->cfg->state_dir, j->row.project,
			 j->row.id);
		bundle_remove(p);
	}
	trex_log(TREX_LOG_INFO, "job_finished", "job=%s state=%s", j->row.id, j->end_state);
	job_finish(j);
}

static void job_end(struct job *j, const char *state, const char *reason)
{
	snprintf(j->end_state, sizeof(j->end_state), "%s", state);
	snprintf(j->end_reason, sizeof(j->end_reason), "%s", reason);
	job_end_try(j);
}

/* A cancelled job, or one trexd's stop interrupted at `when`. With
 * on_crash "requeue" a stop does not fail the job: it stays running in
 * the store, as after a crash, and the next start's recovery removes
 * what the attempt wrote and queues it again (a restart, an upgrade,
 * loses no job). */
static void job_end_aborted(struct job *j, const char *when)
{
	char reason[160];
	if (!j->cancel_reason[0] && j->d->stopping && j->d->cfg->on_crash_requeue) {
		if (j->plan.rows) {
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "%s/release/%s/%s", j->d->cfg->state_dir,
				 j->row.project, j->row.id);
			bundle_remove(p);
		}
		/* a run that ended and that this trexd already took up is not
		 * adopted again: its audit line may be written, the job runs
		 * again from its start, as without adoption */
		if (j->run.adoptable && j->run.exited) {
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "%s/adopt/status", j->dir);
			unlink(p);
		}
		trex_log(TREX_LOG_INFO, "job_left_for_requeue", "job=%s while=\"%s\"", j->row.id,
			 when);
		job_finish(j);
		return;
	}
	snprintf(reason, sizeof(reason), "trexd stopped while %s", when);
	job_end(j, j->cancel_reason[0] ? "cancelled" : "failed",
		j->cancel_reason[0] ? j->cancel_reason : reason);
}

static void job_close_proc(struct job_proc *p)
{
	if (p->spawned) {
		p->spawned = 0;
		for (int i = 0; i < JOB_NPIPES && !p->adopted; i++)
			if (!uv_is_closing((uv_handle_t *)&p->pipes[i]))
				uv_close((uv_handle_t *)&p->pipes[i], job_handle_closed);
	}
}

static void job_proc_step(struct job_proc *p)
{
	if (--p->pending > 0)
		return;
	struct job *j = p->job;
	j->active = NULL;
	job_close_proc(p);
	p->finish(p);
}

static void job_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char scratch[65536]; /* loop thread only; data is copied out at once */
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(scratch, sizeof(scratch));
}

static void job_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct job_proc *p = s->data;
	int i = (int)((uv_pipe_t *)s - p->pipes);
	if (nread < 0) {
		uv_read_stop(s);
		p->eof[i] = 1;
		job_proc_step(p);
		return;
	}
	p->totals[i] += (uint64_t)nread;
	struct trex_buf *b = &p->bufs[i];
	/* keep what fits under the cap; the rest is counted, not kept */
	size_t room = b->max > b->len ? b->max - b->len : 0;
	size_t n = (size_t)nread < room ? (size_t)nread : room;
	if (n)
		trex_buf_append(b, buf->base, n);
}

/* Stop waiting for the pipes of an exited process. Only on abort: a
 * leftover process holding a pipe cannot outlive trex-sandbox (it owns the
 * job's pid namespace), but shutdown must not depend on it. */
static void job_proc_drain(struct job_proc *p)
{
	for (int i = 0; i < JOB_NPIPES && p->pending > 1; i++) {
		if (!p->eof[i]) {
			p->eof[i] = 1;
			uv_read_stop((uv_stream_t *)&p->pipes[i]);
			p->pending--;
		}
	}
	job_proc_step(p);
}

/* The monitor saw the sandbox end (monc_exit_fn). */
static void job_exited(void *arg, int64_t status, int sig)
{
	struct job_proc *p = arg;
	p->exit_status = status;
	p->term_signal = sig;
	p->exited = 1;
	if (p->job->aborting)
		job_proc_drain(p);
	else
		job_proc_step(p);
}

/* What the monitor is asked to start: the job's run, or its check. */
struct job_spawn_req {
	int check;
	/* run */
	const char *dataset, *runtime;
	const struct limits *limits;
	json_t *command;
	/* check */
	long output_mb;
	const char *ids_key;
	int previous;
	json_t *files;
};

static int job_spawn(struct job *j, struct job_proc *p, const struct job_spawn_req *q,
		     const size_t caps[JOB_NPIPES], void (*finish)(struct job_proc *),
		     struct trex_err *err)
{
	uv_loop_t *loop = j->d->loop;
	memset(p->totals, 0, sizeof(p->totals));
	p->job = j;
	p->finish = finish;
	/* the pipes are made here and their write ends handed to the
	 * monitor, which gives them to trex-sandbox as fds 1, 2 and 3 */
	int rd[JOB_NPIPES], wr[JOB_NPIPES], r = 0, n = 0;
	for (; n < JOB_NPIPES; n++) {
		int pfd[2];
		if (pipe2(pfd, O_CLOEXEC) < 0) {
			r = trex_err_set(err, -errno, "pipe");
			break;
		}
		rd[n] = pfd[0];
		wr[n] = pfd[1];
	}
	if (r < 0) {
		for (int i = 0; i < n; i++) {
			close(rd[i]);
			close(wr[i]);
		}
		return r;
	}
	for (int i = 0; i < JOB_NPIPES; i++) {
		trex_buf_init(&p->bufs[i], caps[i]);
		uv_pipe_init(loop, &p->pipes[i], 0);
		p->pipes[i].data = p;
		j->open_handles++;
		/* an opened read end is the handle's, closed with it */
		if (r < 0 || uv_pipe_open(&p->pipes[i], rd[i]) < 0) {
			close(rd[i]);
			if (r == 0)
				r = trex_err_setx(err, -EIO, "pipe");
		}
	}
	p->spawn_ns = uv_hrtime();
	p->spawned = 1;
	if (r == 0 && q->check) {
		size_t nf = json_array_size(q->files);
		const char **files = trex_calloc(nf + 1, sizeof(*files));
		for (size_t i = 0; files && i < nf; i++)
			files[i] = json_string_value(json_array_get(q->files, i));
		r = files ? monc_spawn_check(j->row.id, q->output_mb, q->ids_key, q->previous, files,
					     nf, wr, job_exited, p, &p->pid, err)
			  : trex_err_setx(err, -ENOMEM, "out of memory");
		trex_free(files);
	} else if (r == 0) {
		size_t nc = json_array_size(q->command);
		const char **cmd = trex_calloc(nc + 1, sizeof(*cmd));
		const struct limits *l = q->limits;
		const long lim[MON_NLIMITS] = { l->memory_mb, l->cpu_seconds, l->wall_seconds,
						l->pids, l->output_mb };
		for (size_t i = 0; cmd && i < nc; i++)
			cmd[i] = json_string_value(json_array_get(q->command, i));
		r = cmd ? monc_spawn_run(j->row.id, q->dataset, q->runtime, lim, cmd, nc, wr,
					 job_exited, p, &p->pid, err)
			: trex_err_setx(err, -ENOMEM, "out of memory");
		trex_free(cmd);
	}
	for (int i = 0; i < JOB_NPIPES; i++)
		close(wr[i]);
	if (r < 0) {
		p->spawn_failed = 1;
		job_close_proc(p);
		return trex_err_prefix(err, "could not start the sandbox");
	}
	p->pending = 1 + JOB_NPIPES;
	p->exited = 0;
	for (int i = 0; i < JOB_NPIPES; i++) {
		p->eof[i] = 0;
		if (uv_read_start((uv_stream_t *)&p->pipes[i], job_alloc, job_read) < 0) {
			p->eof[i] = 1;
			p->pending--;
		}
	}
	j->active = p;
	return 0;
}

static int job_save_log(struct job *j, const char *name, struct trex_buf *b)
{
	char p[PATH_MAX];
	struct trex_err err = { 0 };
	snprintf(p, sizeof(p), "%s/logs", j->dir);
	_cleanup_close_ int dir = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	return trex_write_file_atomic(dir, name, b->data ? b->data : "", b->len, 0600, &err);
}

static void job_checked(struct job_proc *p);
static void job_find_ids(struct job *j);

static int job_start_check(struct job *j, struct trex_err *err)
{
	const struct config *c = j->d->cfg;
	/* the dataset's identifier index, outside the job's reach (checkin is
	 * filled from what the job wrote) */
	if (j->ids_r < 0) {
		*err = j->ids_err;
		return j->ids_r;
	}
	/* tables released earlier for the project: the differencing rule */
	char prev_dir[PATH_MAX];
	int have_prev = previous_prepare(c, j->row.project, j->dir, prev_dir, sizeof(prev_dir), err);
	if (have_prev < 0)
		return have_prev;
	/* the monitor builds the command line from its configuration: it
	 * is told the index's name under STATE/idindex and whether the
	 * job's previous/ folder is to be bound */
	const char *ids_key = NULL;
	if (j->ids_r == 0) {
		const char *slash = strrchr(j->ids_dir, '/');
		ids_key = slash ? slash + 1 : j->ids_dir;
	}
	struct job_spawn_req q = { .check = 1, .output_mb = j->limits.output_mb,
				   .ids_key = ids_key, .previous = have_prev == 0,
				   .files = j->present };
	static const size_t caps[JOB_NPIPES] = { JOB_REPORT_MAX, JOB_CHECK_ERR_MAX,
						 JOB_STATUS_MAX };
	return job_spawn(j, &j->check, &q, caps, job_checked, err);
}

static void job_release(struct job *j);

/* After the run: its logs, its audit line, its verdict, then (a run that
 * succeeded) the state checking and the declared outputs copied for the
 * checker. Made again from where it stopped when a write is refused. */
static void job_after_run(struct job *j)
{
	static const char *const log_names[] = { [JOB_OUT] = "stdout", [JOB_ERR] = "stderr" };
	for (int i = JOB_OUT; i <= JOB_ERR; i++) {
		if (j->logs_saved & (1u << i))
			continue;
		int r = job_save_log(j, log_names[i], &j->run.bufs[i]);
		if (r < 0 && trexd_retryable(r) && !j->aborting) {
			job_retry_later(j, job_after_run, "save_logs", r);
			return;
		}
		if (r < 0)
			trex_log(TREX_LOG_WARN, "log_save_failed", "job=%s log=%s code=%d", j->row.id,
				 log_names[i], r);
		j->logs_saved |= 1u << i;
	}
	/* the run and its resource usage, before anything is checked */
	if (!j->run_audited) {
		json_t *af = json_pack("{s:s,s:s,s:O}", "job", j->row.id, "project",
				       j->row.project, "run", j->runrec);
		struct trex_err aerr = { 0 };
		int ar = af ? alog_event(j->d, "run", af, &aerr) : -ENOMEM;
		json_decref(af);
		if (ar < 0 && trexd_retryable(ar) && !j->aborting) {
			job_retry_later(j, job_after_run, "audit_run", ar);
			return;
		}
		if (ar < 0 && !j->aborting) {
			job_end(j, "failed", "the run could not be audited");
			return;
		}
		j->run_audited = ar == 0;
	}
	if (j->aborting) {
		job_end_aborted(j, "the job was running");
		return;
	}
	char reason[512];
	const char *state = runrec_verdict(j->runrec, j->limits.wall_seconds,
					    j->limits.cpu_seconds, j->limits.memory_mb,
					    j->limits.output_mb, reason, sizeof(reason));
	if (state) {
		job_end(j, state, reason);
		return;
	}
	struct trex_err err = { 0 };
	if (!j->checking_stored) {
		_cleanup_free_ char *run = json_dumps(j->runrec, JSON_COMPACT);
		int r = store_set_state(j->d->store, j->row.id, "checking", "", run, NULL, &err);
		if (job_step_failed(j, job_after_run, "checking", r, trexd_retryable(r),
				    "output check could not start", &err))
			return;
		j->checking_stored = 1;
	}
	if (!j->present) {
		int r = release_collect(j->d, j->dir, j->manifest, &j->present, &err);
		if (job_step_failed(j, job_after_run, "collect", r, trexd_retryable(r),
				    "output check could not start", &err))
			return;
	}
	/* nothing declared was produced: nothing to check, every output is
	 * "not produced" */
	if (json_array_size(j->present) == 0) {
		j->report = json_pack("{s:[]}", "files");
		if (!j->report) {
			job_end(j, "failed", "out of memory");
			return;
		}
		job_release(j);
		return;
	}
	job_find_ids(j);
}

static void job_ran(struct job_proc *p)
{
	struct job *j = p->job;
	j->runrec = runrec_parse(p->bufs[JOB_STATUS].data ? p->bufs[JOB_STATUS].data : "",
				     p->bufs[JOB_STATUS].len);
	if (!j->runrec) {
		job_end(j, "failed", "out of memory");
		return;
	}
	if (!json_object_get(j->runrec, "exit_code"))
		json_object_set_new(j->runrec, "exit_code",
				    json_integer(p->term_signal ? 128 + p->term_signal
								: p->exit_status));
	/* spawn to the job's execve, both on CLOCK_MONOTONIC (uv_hrtime);
	 * the timestamp itself means nothing to a user and is not kept */
	json_int_t started = json_integer_value(json_object_get(j->runrec, "started_ns"));
	if (started > 0 && (uint64_t)started >= p->spawn_ns)
		metrics_observe_sandbox_start((uint64_t)started - p->spawn_ns);
	json_object_del(j->runrec, "started_ns");
	metrics_observe_job_run(uv_hrtime() - p->spawn_ns);
	json_object_set_new(j->runrec, "stdout_bytes", json_integer((json_int_t)p->totals[JOB_OUT]));
	json_object_set_new(j->runrec, "stderr_bytes", json_integer((json_int_t)p->totals[JOB_ERR]));
	trex_log(TREX_LOG_INFO, "job_ran", "job=%s exit=%lld signal=%d", j->row.id,
		 (long long)p->exit_status, p->term_signal);
	job_after_run(j);
}

static void job_ids_run(uv_work_t *w)
{
	struct job *j = w->data;
	j->ids_r = idcache_get(j->ids_cfg, j->ids_ds, j->ids_dir, sizeof(j->ids_dir),
			       &j->ids_err);
	json_decref(j->repro);
	j->repro = NULL;
	if (repro_build(j->ids_cfg, j->row.runtime, j->row.dataset, j->repro_policy, &j->limits,
			j->ids_r == 0 ? j->ids_dir : NULL, &j->repro, &j->repro_err) < 0)
		j->repro = NULL;
}

/* The record goes with the job once its outputs are checked; a record
 * that could not be made (a runtime whose probe would not start) leaves
 * the manifest without one, as for a job from before it existed. */
static int job_put_repro(struct job *j, struct trex_err *err)
{
	if (!j->repro) {
		if (j->ids_ds)
			trex_log(TREX_LOG_WARN, "repro_record_missing", "job=%s code=%d", j->row.id,
				 j->repro_err.code);
		return 0;
	}
	char *text = json_dumps(j->repro, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	int r = text ? sacc_put_repro(j->d->store, j->row.id, text, err)
		     : trex_err_setx(err, -ENOMEM, "out of memory");
	free(text);
	return r;
}

static void job_ids_done(uv_work_t *w, int status)
{
	struct job *j = w->data;
	struct trex_err err = { 0 };
	if (status < 0) /* cancelled: never ran */
		j->ids_r = trex_err_setx(&j->ids_err, -ECANCELED, "trexd is stopping");
	if (j->aborting) {
		job_end_aborted(j, "the outputs were checked");
		return;
	}
	int r = job_put_repro(j, &err);
	if (r == 0)
		r = job_start_check(j, &err);
	/* the index or the previous tables could not be written: found (or
	 * built) again, later. Not a failed spawn (its handles are still
	 * closing), nor an index build that failed for another reason than
	 * space (made again, it would fail again, over the whole dataset) */
	int retry = !j->check.spawn_failed &&
		    (j->ids_r < 0 ? r == -ENOSPC || r == -EDQUOT : trexd_retryable(r));
	job_step_failed(j, job_find_ids, "start_check", r, retry, "output check could not start",
			&err);
}

/* The check needs the dataset's identifier index: a pool thread finds it
 * or builds it, then job_ids_done starts the check on the loop. The job
 * stays alive meanwhile (not finished); a cancel only marks it. */
static void job_find_ids(struct job *j)
{
	j->ids_cfg = j->d->cfg; /* kept until exit even across reloads */
	/* the pack the outputs are checked with (release_collect's choice) */
	struct job_access acc;
	struct trex_err aerr = { 0 };
	snprintf(j->repro_policy, sizeof(j->repro_policy), "%s",
		 sacc_get(j->d->store, j->row.id, &acc, &aerr) == 0 ? acc.policy : j->ids_cfg->policy);
	j->ids_ds = config_dataset(j->ids_cfg, j->row.dataset);
	j->ids_r = 1;
	j->ids_work.data = j;
	/* every dataset has category domains, with or without id_columns */
	if (!j->ids_ds) { /* nothing to find */
		job_ids_done(&j->ids_work, 0);
		return;
	}
	/* never on the loop: a build's end is read there (monclient.c) */
	if (uv_queue_work(j->d->loop, &j->ids_work, job_ids_run, job_ids_done) < 0) {
		j->ids_r = trex_err_setx(&j->ids_err, -EAGAIN, "no worker thread for the index");
		job_ids_done(&j->ids_work, 0);
	}
}

/* Release what the check let out (release.c): made again with the same
 * plan while the state filesystem refuses a copy, the check line or the
 * final commit. */
static void job_release(struct job *j)
{
	if (j->aborting) {
		job_end_aborted(j, "the outputs were checked");
		return;
	}
	struct trex_err err = { 0 };
	int r = release_finish(j->d, j->row.id, j->row.project, j->dir, j->manifest, j->present,
			       j->report, j->report_text, &j->plan, &err);
	if (job_step_failed(j, job_release, "release", r, trexd_retryable(r), "release failed", &err))
		return;
	job_finish(j);
}

static void job_checked(struct job_proc *p)
{
	struct job *j = p->job;
	metrics_observe_check(uv_hrtime() - p->spawn_ns);
	if (j->aborting) {
		job_end_aborted(j, "the outputs were checked");
		return;
	}
	json_t *st = runrec_parse(p->bufs[JOB_STATUS].data ? p->bufs[JOB_STATUS].data : "",
				      p->bufs[JOB_STATUS].len);
	const char *result = json_string_value(json_object_get(st, "result"));
	char msg[512];
	if (p->exit_status != 0 || p->term_signal || (result && strcmp(result, "exit") != 0)) {
		struct trex_buf *e = &p->bufs[JOB_ERR];
		if (result && strcmp(result, "setup_failed") == 0) {
			const char *stage = json_string_value(json_object_get(st, "failed_stage"));
			const char *error = json_string_value(json_object_get(st, "error"));
			/* set up before trex-check read any output */
			snprintf(msg, sizeof(msg), "output check failed: sandbox setup failed: %s: %s",
				 stage ? stage : "unknown", error ? error : "no message");
		} else {
			/* its stderr may quote what it parsed: the reason says
			 * where only, the checker's own words stay in the run
			 * record for checkers (runrec.h) */
			runrec_check_failed(j->runrec,
					    p->term_signal ? 128 + p->term_signal : p->exit_status,
					    e->data, e->len, manifest_outputs(j->manifest), msg,
					    sizeof(msg));
		}
		json_decref(st);
		job_end(j, "failed", msg);
		return;
	}
	json_decref(st);
	json_error_t jerr;
	struct trex_buf *out = &p->bufs[JOB_OUT];
	json_t *report = out->data ? json_loadb(out->data, out->len, 0, &jerr) : NULL;
	if (!json_is_object(report) || p->totals[JOB_OUT] > out->len) {
		json_decref(report);
		job_end(j, "failed", "output check produced no valid report");
		return;
	}
	j->report = report;
	j->report_text = json_dumps(report, JSON_COMPACT);
	if (!j->report_text) {
		job_end(j, "failed", "out of memory");
		return;
	}
	job_release(j);
}

static void job_ran_cb(struct job_proc *p)
{
	job_ran(p);
}

int job_prepare(struct trexd *d, const char *id, struct job **out, struct trex_err *err)
{
	const struct config *c = d->cfg;
	struct job *j = trex_calloc(1, sizeof(*j));
	if (!j)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	j->d = d;
	int r = store_get_job(d->store, id, &j->row, err);
	if (r < 0) {
		job_free(j);
		return r;
	}
	json_error_t jerr;
	j->manifest = json_loads(j->row.manifest, 0, &jerr);
	const struct dataset *ds = config_dataset(c, j->row.dataset);
	const struct runtime *rt = config_runtime(c, j->row.runtime);
	if (!j->manifest || !ds || !rt) {
		r = trex_err_setx(err, -EINVAL, !j->manifest ? "stored manifest unreadable"
						: !ds ? "dataset %s is no longer configured"
						      : "runtime %s is no longer configured",
				  !ds ? j->row.dataset : j->row.runtime);
		job_free(j);
		return r;
	}
	/* limits: the manifest's, over the defaults, as validated at submission */
	j->limits = c->limits_default;
	json_t *l = json_object_get(j->manifest, "limits");
	long *f[] = { &j->limits.memory_mb, &j->limits.cpu_seconds, &j->limits.wall_seconds,
		      &j->limits.pids, &j->limits.output_mb };
	const char *names[] = { "memory_mb", "cpu_seconds", "wall_seconds", "pids", "output_mb" };
	for (size_t i = 0; i < 5; i++)
		if (json_is_integer(json_object_get(l, names[i])))
			*f[i] = (long)json_integer_value(json_object_get(l, names[i]));
	snprintf(j->dir, sizeof(j->dir), "%s/jobs/%s", c->state_dir, id);
	/* adopt: where a run that may outlive trexd records its end
	 * (runner/adopt.c), the service user's, 0700 like the rest */
	static const char *const subs[] = { "stage", "checkin", "checked", "logs", "adopt" };
	for (size_t i = 0; i < TREX_ARRAY_LEN(subs); i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", j->dir, subs[i]);
		/* checkin is the checker's /job: readable by the sandbox's
		 * unprivileged uid (jobs/<id> itself stays 0700 on the host) */
		if (mkdir(p, i == 1 ? 0755 : 0700) < 0 && errno != EEXIST) {
			r = trex_err_set(err, -errno, "mkdir %s", p);
			job_free(j);
			return r;
		}
	}
	*out = j;
	return 0;
}

static const struct executor job_local;
static const struct executor_host job_host;

void job_launch(struct job *j)
{
	j->exec = config_slurm_routes(j->d->cfg, j->row.dataset, &j->limits) ? &executor_slurm
										: &job_local;
	trex_log(TREX_LOG_INFO, "job_executor", "job=%s executor=%s", j->row.id, j->exec->name);
	j->exec->start(j, &job_host);
}

/* The local executor: trex-sandbox on this host, through the monitor. */
static void job_local_start(struct job *j, const struct executor_host *h)
{
	(void)h;
	struct trexd *d = j->d;
	const struct config *c = d->cfg;
	const char *id = j->row.id;
	/* read before the store said running: when it entered the queue */
	metrics_observe_queue_wait(j->row.updated_at);
	/* job_prepare found both, in the same turn of the loop */
	const struct dataset *ds = config_dataset(c, j->row.dataset);
	const struct runtime *rt = config_runtime(c, j->row.runtime);
	struct trex_err err = { 0 };
	if (!ds || !rt) {
		job_end(j, "failed", !ds ? "the dataset is no longer configured"
					 : "the runtime is no longer configured");
		return;
	}
	struct job_spawn_req q = { .dataset = ds->name, .runtime = rt->name,
				   .limits = &j->limits,
				   .command = json_object_get(j->manifest, "command") };
	static const size_t caps[JOB_NPIPES] = { JOB_LOG_MAX, JOB_LOG_MAX, JOB_STATUS_MAX };
	int r = job_spawn(j, &j->run, &q, caps, job_ran_cb, &err);
	if (r < 0) {
		/* handles may be closing: the job ends through the normal path */
		job_end(j, "failed", err.msg);
		return;
	}
	j->run.adoptable = c->on_restart_adopt;
	trex_log(TREX_LOG_INFO, "job_started", "job=%s project=%s pid=%d", id, j->row.project,
		 (int)j->run.pid);
}

/* An adopted run ended (its pidfd, through the monitor, or before trexd
 * started): its logs, record and exit from its adopt folder, then on as
 * job_ran goes for a run trexd watched. */
static void job_adopt_ended(struct job_proc *p)
{
	struct job *j = p->job;
	struct adopt_end e;
	struct trex_err err = { 0 };
	if (j->aborting) {
		job_end_aborted(j, "the job was running");
		return;
	}
	if (adopt_end_read(j->dir, &e, &err) < 0) {
		/* its message names a file and a field, never their bytes */
		trex_log(TREX_LOG_ERROR, "adopt_status_refused", "job=%s error=\"%s\"", j->row.id,
			 err.msg);
		job_end(j, "failed", "trexd restarted and the adopted run left no valid status");
		return;
	}
	struct { const char *data; size_t len; uint64_t total; } in[JOB_NPIPES] = {
		[JOB_OUT] = { e.out, e.out_len, e.out_total },
		[JOB_ERR] = { e.err, e.err_len, e.err_total },
		[JOB_STATUS] = { e.record, e.record_len, e.record_len },
	};
	for (int i = 0; i < JOB_NPIPES; i++) {
		trex_buf_reset(&p->bufs[i]);
		if (in[i].len)
			trex_buf_append(&p->bufs[i], in[i].data, in[i].len);
		p->totals[i] = in[i].total;
	}
	p->exit_status = e.exit_status;
	p->term_signal = e.term_signal;
	adopt_end_free(&e);
	job_ran(p);
}

int job_adopt(struct trexd *d, const char *id, pid_t pid, struct job **out,
	      struct trex_err *err)
{
	int r = job_prepare(d, id, out, err);
	if (r < 0)
		return r;
	struct job_proc *p = &(*out)->run;
	static const size_t caps[JOB_NPIPES] = { JOB_LOG_MAX, JOB_LOG_MAX, JOB_STATUS_MAX };
	p->job = *out;
	p->finish = job_adopt_ended;
	p->pid = pid;
	p->adopted = p->adoptable = 1;
	p->spawn_ns = uv_hrtime();
	for (int i = 0; i < JOB_NPIPES; i++) {
		trex_buf_init(&p->bufs[i], caps[i]);
		p->eof[i] = 1;
	}
	return 0;
}

void job_adopt_launch(struct job *j)
{
	struct job_proc *p = &j->run;
	if (p->pid > 0) {
		/* the monitor's MON_EXITED, once its pidfd says so */
		p->spawned = 1;
		p->pending = 1;
		j->active = p;
		if (monc_watch_pid(p->pid, job_exited, p) == 0)
			return;
		p->spawned = 0;
		j->active = NULL;
		job_end(j, "failed", "trexd restarted and could not watch the adopted run");
		return;
	}
	p->exited = 1;
	job_adopt_ended(p);
}

void job_cancel(struct job *j, const char *reason)
{
	snprintf(j->cancel_reason, sizeof(j->cancel_reason), "%s", reason);
	job_abort(j, SIGTERM);
}

void job_abort(struct job *j, int sig)
{
	j->aborting = 1;
	/* a step waiting for space is made now: it ends the job */
	if (j->retry_step)
		uv_timer_start(&j->retry, job_retry_fire, 0, 0);
	if (j->exec && j->exec->cancel(j, sig, &job_host))
		return;
	struct job_proc *p = j->active;
	if (!p || !p->spawned)
		return;
	/* trexd stops (after its drain): a run on_restart "adopt" started
	 * goes on without it, for the next start to adopt (adopt.c); the
	 * job stays running in the store */
	if (p == &j->run && p->adoptable && !p->exited && j->d->stopping && !j->cancel_reason[0]) {
		monc_unwatch(p->pid);
		j->active = NULL;
		job_close_proc(p);
		trex_log(TREX_LOG_INFO, "job_left_running", "job=%s pid=%d", j->row.id, (int)p->pid);
		job_finish(j);
		return;
	}
	if (p->exited)
		job_proc_drain(p);
	else {
		struct trex_err err = { 0 };
		if (monc_kill(p->pid, sig, &err) < 0)
			trex_log(TREX_LOG_WARN, "job_kill_failed", "job=%s error=\"%s\"", j->row.id,
				 err.msg);
	}
}

static int job_local_cancel(struct job *j, int sig, const struct executor_host *h)
{
	(void)j;
	(void)sig;
	(void)h;
	return 0; /* job_abort signals the local sandbox itself */
}

static const struct executor job_local = { "local", job_local_start, job_local_cancel };

static void job_run_spec(const struct job *j, struct job_run_spec *s)
{
	*s = (struct job_run_spec){ .d = j->d, .id = j->row.id, .project = j->row.project,
				    .dataset = j->row.dataset, .runtime = j->row.runtime,
				    .dir = j->dir, .limits = &j->limits,
				    .command = json_object_get(j->manifest, "command") };
}

static void **job_exec_state(struct job *j)
{
	return &j->exec_state;
}

static int job_cancelled(const struct job *j)
{
	return j->cancel_reason[0] != '\0';
}

static void job_run_ended(struct job *j, const char *status, size_t status_len, const char *out,
		   size_t out_len, uint64_t out_total, const char *errtext, size_t err_len,
		   uint64_t err_total)
{
	struct job_proc *p = &j->run;
	const char *in[JOB_NPIPES] = { out, errtext, status };
	size_t len[JOB_NPIPES] = { out_len, err_len, status_len };
	static const size_t caps[JOB_NPIPES] = { JOB_LOG_MAX, JOB_LOG_MAX, JOB_STATUS_MAX };
	for (int i = 0; i < JOB_NPIPES; i++) {
		trex_buf_init(&p->bufs[i], caps[i]);
		if (len[i])
			trex_buf_append(&p->bufs[i], in[i], len[i] < caps[i] ? len[i] : caps[i]);
	}
	p->job = j;
	p->totals[JOB_OUT] = out_total;
	p->totals[JOB_ERR] = err_total;
	p->exit_status = 0;
	p->term_signal = 0;
	/* another host's clock: no start-up figure from it */
	p->spawn_ns = UINT64_MAX;
	job_ran(p);
}

static void job_run_failed(struct job *j, const char *reason)
{
	if (j->aborting) {
		job_end_aborted(j, "the job was running");
		return;
	}
	job_end(j, "failed", reason);
}

static const struct executor_host job_host = { job_id, job_run_spec, job_exec_state,
					       job_cancelled, job_run_ended, job_run_failed };
