/* POST /v1/jobs after validation: uv_queue_work runs the disk writes on a
 * libuv pool thread against trexd's second SQLite connection (d->wstore),
 * one submission at a time (submit_lock: that connection and its cached
 * statements are not shared); the audit log has its own lock. The loop
 * learns of the write (store_note_write) before it answers, so the cached
 * job documents (jobdoc.c) never go stale. */
#include "submit.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "bundle.h"
#include "hash.h"
#include "jobdigest.h"
#include "log.h"
#include "sched.h"

struct submit_work {
	uv_work_t work;
	struct trexd *d;
	struct http_deferred *defer;
	json_t *files;
	struct manifest m;
	char *mtext;
	struct permit_decision pd;
	char sha[TREX_SHA256_HEX_LEN + 1];     /* bundle_sha256: the upload's files */
	json_t *digests;                       /* each file's {sha256, size} */
	char job_sha[TREX_SHA256_HEX_LEN + 1]; /* job_sha256 (common/jobdigest.h) */
	struct job_row row;
	char name[256]; /* the caller's name: the caller struct is the loop's */
	uid_t uid;
	uint64_t t0; /* uv_hrtime() at the deferral: api_answered */
	char dir[PATH_MAX];
	int status; /* the answer: 201, or an error with code and message */
	const char *code;
	struct trex_err err;
};

static pthread_mutex_t submit_lock = PTHREAD_MUTEX_INITIALIZER;

/* The job, how it may run (permit, policy, bundle hash, job digest) and
 * the audit line with the log's new head, in one transaction: the
 * scheduler, reading through the loop's connection, cannot see the job
 * before its permit record, and an audit failure leaves no job behind.
 * Under a strict permit the job runs only when this exact job was
 * approved before (approvals are read in the same transaction). */
static int submit_store(struct submit_work *w)
{
	struct store *s = w->d->wstore;
	int r = store_begin(s, &w->err);
	if (r < 0)
		return r;
	if (w->pd.strict) {
		r = sacc_approved(s, w->pd.permit_id, w->job_sha, &w->err);
		w->row.state = r == 1 ? NULL : "awaiting_approval";
		r = r < 0 ? r : 0;
	}
	if (r == 0)
		r = store_put_job(s, &w->row, &w->err);
	char *ftext = r == 0 ? json_dumps(w->digests, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (r == 0)
		r = ftext ? sacc_put_digest(s, w->row.id, w->job_sha, ftext, &w->err)
			  : trex_err_setx(&w->err, -ENOMEM, "out of memory");
	free(ftext); /* jansson's allocator */
	if (r == 0 && w->pd.permit_id[0]) {
		struct job_access acc = { .strict = w->pd.strict };
		snprintf(acc.permit_id, sizeof(acc.permit_id), "%s", w->pd.permit_id);
		snprintf(acc.policy, sizeof(acc.policy), "%s", w->pd.policy);
		snprintf(acc.bundle_sha256, sizeof(acc.bundle_sha256), "%s", w->sha);
		r = sacc_put(s, w->row.id, &acc, &w->err);
	}
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s}", "job", w->row.id,
			      "project", w->row.project, "dataset", w->row.dataset, "runtime",
			      w->row.runtime, "user", w->name, "uid", (json_int_t)w->uid,
			      "permit_id", w->pd.permit_id, "bundle_sha256", w->sha, "job_sha256",
			      w->job_sha, "state", w->row.state ? w->row.state : "queued");
	if (r == 0)
		r = f ? alog_event_in(w->d, s, "job_submitted", f, &w->err) : -ENOMEM;
	json_decref(f);
	if (r == 0)
		r = store_commit(s, &w->err);
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	return 0;
}

static void submit_fail(struct submit_work *w, int status, const char *code)
{
	w->status = status;
	w->code = code;
}

static void submit_run(uv_work_t *work)
{
	struct submit_work *w = work->data;
	if (bundle_write(w->dir, w->files, w->digests, &w->err) < 0) {
		bundle_remove(w->dir);
		if (w->err.code == -ENOSPC || w->err.code == -EDQUOT)
			submit_fail(w, 507, "no_space");
		else if (w->err.code == -EINVAL)
			submit_fail(w, 400, "bad_request");
		else
			submit_fail(w, 500, "internal");
		return;
	}
	/* what an approver approves: the job as stored, with the files as
	 * written (bundle_write hashed the decoded bytes) */
	json_t *canon = jobdigest_canonical(w->m.json, w->digests,
					    w->pd.permit_id[0] ? w->pd.policy : NULL);
	int hr = canon ? jobdigest_sha256(canon, w->job_sha, &w->err)
		       : trex_err_setx(&w->err, -ENOMEM, "out of memory");
	json_decref(canon);
	if (hr < 0) {
		bundle_remove(w->dir);
		submit_fail(w, 500, "internal");
		return;
	}
	pthread_mutex_lock(&submit_lock);
	int r = submit_store(w);
	pthread_mutex_unlock(&submit_lock);
	if (r < 0) {
		bundle_remove(w->dir);
		submit_fail(w, r == -ENOSPC || r == -EDQUOT ? 507 : 500,
			    r == -ENOSPC || r == -EDQUOT ? "no_space" : "internal");
	}
}

static void submit_free(struct submit_work *w)
{
	json_decref(w->files);
	json_decref(w->digests);
	free(w->mtext); /* jansson's allocator */
	manifest_release(&w->m);
	trex_free(w);
}

static void submit_done(uv_work_t *work, int status)
{
	struct submit_work *w = work->data;
	struct trexd *d = w->d;
	struct http_response resp = { 0 };
	/* the other connection wrote: caches and event subscribers learn it */
	store_note_write(d->store, status == 0 && w->status == 201 ? w->row.id : NULL);
	/* the checkpoint the submission's audit line made due */
	alog_checkpoint_due(d);
	if (status < 0) { /* cancelled: the loop is closing */
		http_respond_error(&resp, 503, "unavailable", "trexd is stopping");
	} else if (w->status == 201) {
		trex_log(TREX_LOG_INFO, "job_submitted", "job=%s project=%s uid=%u files=%zu",
			 w->row.id, w->row.project, (unsigned)w->uid, json_object_size(w->files));
		json_t *ans = json_pack("{s:s,s:s,s:s,s:s}", "id", w->row.id, "state",
					w->row.state ? w->row.state : "queued", "bundle_sha256",
					w->sha, "job_sha256", w->job_sha);
		http_respond_json(&resp, 201, ans);
		json_decref(ans);
		sched_kick(d);
	} else {
		trex_log(TREX_LOG_ERROR, "submission_failed", "job=%s status=%d code=%d",
			 w->row.id, w->status, w->err.code);
		if (w->status == 507)
			http_respond_error(&resp, 507, "no_space", "the state filesystem is full: %s",
					   w->err.msg);
		else if (w->status == 400)
			http_respond_error(&resp, 400, w->code, "%s", w->err.msg);
		else
			http_respond_error(&resp, w->status, w->code, "could not store the job: %s",
					   w->err.msg);
	}
	api_answered(API_SUBMIT, "POST", resp.status, w->uid, resp.status == 201 ? w->row.id : NULL,
		     w->t0);
	http_deferred_answer(w->defer, &resp);
	submit_free(w);
}

void submit_start(struct trexd *d, const struct caller *c, const struct http_request *req,
		  json_t *files, struct manifest *m, const struct permit_decision *pd,
		  const char *sha, const struct job_row *row, struct http_response *resp)
{
	struct submit_work *w = trex_calloc(1, sizeof(*w));
	if (!w) {
		json_decref(files);
		manifest_release(m);
		http_respond_error(resp, 500, "internal", "out of memory");
		return;
	}
	w->d = d;
	w->files = files;
	w->m = *m;
	memset(m, 0, sizeof(*m));
	w->pd = *pd;
	snprintf(w->sha, sizeof(w->sha), "%s", sha);
	snprintf(w->name, sizeof(w->name), "%s", c->name);
	w->uid = req->uid;
	w->t0 = uv_hrtime();
	w->work.data = w;
	w->status = 201;
	snprintf(w->dir, sizeof(w->dir), "%s/jobs/%s", d->cfg->state_dir, row->id);
	w->digests = json_object();
	w->mtext = json_dumps(w->m.json, JSON_COMPACT | JSON_SORT_KEYS);
	w->row = *row;
	w->row.project = (char *)w->m.project;
	w->row.dataset = (char *)w->m.dataset;
	w->row.runtime = (char *)w->m.runtime;
	w->row.manifest = w->mtext;
	w->row.submitted_uid = req->uid;
	w->row.submitted_name = w->name; /* the configured name when users are */
	if (!w->mtext || !w->digests || !(w->defer = http_defer(req))) {
		submit_free(w);
		http_respond_error(resp, 500, "internal", "out of memory");
		return;
	}
	int r = uv_queue_work(d->loop, &w->work, submit_run, submit_done);
	if (r < 0) {
		http_deferred_cancel(w->defer);
		submit_free(w);
		http_respond_error(resp, 500, "internal", "uv_queue_work: %s", uv_strerror(r));
	}
}
