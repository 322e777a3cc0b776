/* Human decisions on outputs: a checker releases or rejects an output the
 * disclosure check held for review, after looking at it through the
 * held-file route (approvals of strict-permit jobs are in approve.c).
 * Nobody decides on a job they submitted. Each decision is audited before
 * it is acknowledged, and a release re-signs the job's release manifest. */
#include "access.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "logs.h"
#include "release.h"
#include "sched.h"
#include "trexd.h"

static void review_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(review_decref)))

/* Separation of duties: the submitter never approves or reviews. */
int review_not_own(struct trexd *d, const struct caller *c, const struct job_row *row,
			  const char *what, struct http_response *resp)
{
	if (row->submitted_uid != c->uid && strcmp(row->submitted_name, c->name) != 0)
		return 0;
	json_t *f = json_pack("{s:s,s:s,s:s,s:I}", "job", row->id, "project", row->project,
			      "action", what, "uid", (json_int_t)c->uid);
	json_object_set_new(f, "user", json_string(c->name));
	struct trex_err err = { 0 };
	alog_event(d, "authz_failure", f, &err);
	json_decref(f);
	http_respond_error(resp, 403, "own_job", "%s %s was submitted by you; someone else must %s it",
			   "job", row->id, what);
	return -EACCES;
}

/* Who may read a held output or log and decide on it: a checker who is
 * not its submitter and does no research in its project (view_level
 * gives such a checker the researcher's view everywhere else: a held
 * table of a colleague's job is as much egress as one's own). */
int review_independent(struct trexd *d, const struct caller *c, const struct job_row *row,
		       struct http_response *resp)
{
	if (review_not_own(d, c, row, "review", resp) < 0)
		return -EACCES;
	if (view_level(c, row) == VIEW_FULL)
		return 0;
	json_t *f = json_pack("{s:s,s:s,s:s,s:I}", "job", row->id, "project", row->project,
			      "action", "review", "uid", (json_int_t)c->uid);
	json_object_set_new(f, "user", json_string(c->name));
	struct trex_err err = { 0 };
	alog_event(d, "authz_failure", f, &err);
	json_decref(f);
	http_respond_error(resp, 403, "conflict_of_interest",
			   "you do research in project %s: its held outputs and logs are reviewed"
			   " by checkers outside it", row->project);
	return -EACCES;
}

/* A decision that could not be recorded: 507 when the state filesystem is
 * full (the caller tries again once space returns: nothing of it was
 * kept), else 500. */
void review_failed(struct http_response *resp, const struct trex_err *err, const char *what)
{
	if (err->code == -ENOSPC || err->code == -EDQUOT)
		http_respond_error(resp, 507, "no_space",
				   "the state filesystem is full: the %s was not recorded; try again once space is freed",
				   what);
	else
		http_respond_error(resp, 500, "internal", "the %s could not be recorded: %s", what,
				   err->msg);
}

json_t *review_body(const struct http_request *req, struct http_response *resp)
{
	json_error_t jerr;
	json_t *b = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(b)) {
		json_decref(b);
		http_respond_error(resp, 400, "bad_request", "the body must be a JSON object");
		return NULL;
	}
	return b;
}

/* The stored output named `name`, or NULL. */
static json_t *review_output(json_t *outs, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
			return o;
	return NULL;
}

static int review_count(json_t *reviews, const char *name, const char *decision,
			const char *not_by)
{
	int n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(reviews, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0 &&
		    strcmp(json_string_value(json_object_get(v, "decision")), decision) == 0 &&
		    (!not_by || strcmp(json_string_value(json_object_get(v, "reviewer")), not_by) != 0))
			n++;
	return n;
}

/* Copy the held file (the exact bytes the checker saw) to the release area. */
static int review_release_file(struct trexd *d, const struct job_row *row, const char *name,
			       char sha[65], int64_t *size, struct trex_err *err)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/jobs/%s/checkin", d->cfg->state_dir, row->id);
	_cleanup_close_ int src = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return trex_err_set(err, -errno, "open %s", p);
	snprintf(p, sizeof(p), "%s/release/%s/%s", d->cfg->state_dir, row->project, row->id);
	if (trex_mkdir_p(p, 0755, err) < 0)
		return err->code;
	_cleanup_close_ int dst = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return trex_err_set(err, -errno, "open %s", p);
	return release_copy(src, name, dst, name, (uint64_t)d->cfg->limits_max.output_mb << 20,
			    sha, size, err);
}

/* Take back a copy review_release_file made for a decision that was not
 * recorded. */
static void review_unrelease_file(struct trexd *d, const struct job_row *row, const char *name)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/release/%s/%s", d->cfg->state_dir, row->project, row->id);
	_cleanup_close_ int dir = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir >= 0 && unlinkat(dir, name, 0) < 0 && errno != ENOENT)
		trex_log(TREX_LOG_WARN, "release_undo_failed", "job=%s code=%d", row->id, -errno);
}

/* New job state once every held output has a decision. */
static int review_restate(struct trexd *d, const char *id, struct trex_err *err)
{
	_cleanup_json_ json_t *outs = NULL;
	if (store_list_outputs(d->store, id, 0, &outs, err) < 0)
		return err->code;
	size_t released = 0, held = 0, rejected = 0, i;
	json_t *o;
	json_array_foreach(outs, i, o) {
		const char *v = json_string_value(json_object_get(o, "verdict"));
		if (json_is_true(json_object_get(o, "released")))
			released++;
		else if (strcmp(v, "review") == 0)
			held++;
		else if (strcmp(v, "rejected") == 0)
			rejected++;
	}
	char reason[256];
	const char *state = release_state(json_array_size(outs), released, held, reason,
					  sizeof(reason));
	if (strcmp(state, "blocked") == 0 && rejected > 0)
		state = "rejected";
	return store_set_state(d->store, id, state, reason, NULL, NULL, err);
}

void review_decide(struct trexd *d, const struct caller *c, const char *id,
		   const struct http_request *req, struct http_response *resp)
{
	if (roles_require(d, c, ROLE_CHECKER, "reviewing an output", resp) < 0)
		return;
	struct job_row row;
	if (roles_load_job(d, c, id, &row, resp) < 0)
		return;
	_cleanup_json_ json_t *body = NULL, *outs = NULL, *reviews = NULL;
	struct trex_err err = { 0 };
	if (review_independent(d, c, &row, resp) < 0 || !(body = review_body(req, resp)))
		goto out;
	if (json_object_get(body, "log")) {
		logs_review(d, c, &row, body, resp);
		goto out;
	}
	const char *name = NULL, *decision = NULL, *reason = NULL;
	json_error_t jerr;
	if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s,s:s,s:s}", "name", &name, "decision",
			   &decision, "reason", &reason) < 0 ||
	    (strcmp(decision, "release") != 0 && strcmp(decision, "reject") != 0) ||
	    !*reason || strlen(reason) > 2000) {
		http_respond_error(resp, 400, "bad_request",
				   "the body must be {\"name\", \"decision\": \"release\"|\"reject\", \"reason\": non-empty text}");
		goto out;
	}
	if (store_list_outputs(d->store, id, 0, &outs, &err) < 0 ||
	    sacc_reviews(d->store, id, &reviews, &err) < 0) {
		http_respond_error(resp, 500, "internal", "%s", err.msg);
		goto out;
	}
	json_t *o = review_output(outs, name);
	if (!o || strcmp(json_string_value(json_object_get(o, "verdict")), "review") != 0 ||
	    json_is_true(json_object_get(o, "released"))) {
		http_respond_error(resp, 409, "not_held", "job %s has no output \"%.200s\" held for review",
				   id, name);
		goto out;
	}
	if (review_count(reviews, name, "release", NULL) > 0 &&
	    review_count(reviews, name, "release", c->name) == 0) {
		http_respond_error(resp, 409, "already_reviewed",
				   "you already decided on \"%.200s\"; a second checker must", name);
		goto out;
	}
	/* two-checker rule: the first "release" is recorded, the second by a
	 * different checker releases */
	int release_now = strcmp(decision, "release") == 0 &&
			  (!d->cfg->access.two_checkers ||
			   review_count(reviews, name, "release", c->name) > 0);
	char sha[65] = "";
	int64_t size = -1;
	/* the copy first: on a full disk it fails before anything is
	 * recorded. It is not released until the store says so, which
	 * comes after the review and release lines */
	int r = release_now ? review_release_file(d, &row, name, sha, &size, &err) : 0;
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "job", id, "project", row.project,
			      "file", name, "decision", decision, "reason", reason, "reviewer",
			      c->name);
	if (r == 0)
		r = f ? alog_event(d, "review", f, &err) : trex_err_setx(&err, -ENOMEM, "out of memory");
	json_decref(f);
	if (r == 0 && release_now) {
		json_t *rf = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "job", id, "project",
				       row.project, "file", name, "sha256", sha, "size",
				       (json_int_t)size, "by", "review");
		r = rf ? alog_event(d, "release", rf, &err) : trex_err_setx(&err, -ENOMEM, "out of memory");
		json_decref(rf);
	}
	/* the decision, the output and the job's state together, or nothing
	 * (a full disk): the checker can decide again */
	if (r == 0 && (r = store_begin(d->store, &err)) == 0) {
		r = sacc_put_review(d->store, id, name, decision, reason, c->name, &err);
		if (r == 0 && release_now)
			r = sacc_release_output(d->store, id, name, size, sha, "review", &err);
		else if (r == 0 && strcmp(decision, "reject") == 0)
			r = sacc_release_output(d->store, id, name, 0, NULL, "rejected", &err);
		if (r == 0)
			r = review_restate(d, id, &err);
		if (r == 0)
			r = store_commit(d->store, &err);
		if (r < 0)
			store_rollback(d->store);
	}
	if (r < 0) {
		/* a copy no store record lists is not left in the release area */
		if (release_now && sha[0])
			review_unrelease_file(d, &row, name);
		trex_log(TREX_LOG_ERROR, "review_failed", "job=%s code=%d", id, err.code);
		review_failed(resp, &err, "review");
		goto out;
	}
	json_t *man = NULL;
	struct trex_err merr = { 0 };
	if (release_now && relman_build(d, id, &man, &merr) < 0)
		trex_log(TREX_LOG_ERROR, "release_manifest_failed", "job=%s code=%d", id, merr.code);
	json_decref(man);
	json_t *ans = json_pack("{s:s,s:s,s:s,s:b}", "id", id, "name", name, "decision",
				decision, "released", release_now);
	http_respond_json(resp, 200, ans);
	json_decref(ans);
out:
	store_job_free(&row);
}

void review_held_file(struct trexd *d, const struct caller *c, const char *id,
		      const char *name, struct http_response *resp)
{
	if (roles_require(d, c, ROLE_CHECKER, "reading a held output", resp) < 0)
		return;
	struct job_row row;
	if (roles_load_job(d, c, id, &row, resp) < 0)
		return;
	_cleanup_json_ json_t *outs = NULL;
	_cleanup_close_ int dir = -1;
	if (review_independent(d, c, &row, resp) < 0)
		goto out;
	struct trex_err err = { 0 };
	json_t *o = NULL;
	if (store_list_outputs(d->store, id, 0, &outs, &err) == 0)
		o = review_output(outs, name);
	if (!o || strcmp(json_string_value(json_object_get(o, "verdict")), "review") != 0) {
		http_respond_error(resp, 404, "not_found", "no output \"%.200s\" held for review in job %s",
				   name, id);
		goto out;
	}
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/jobs/%s/checkin", d->cfg->state_dir, id);
	dir = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char *data = NULL;
	size_t len = 0;
	/* checkin holds copies trexd made, but a name is still resolved
	 * beneath it only */
	if (dir < 0 || trex_read_file(dir, name, (size_t)d->cfg->limits_max.output_mb << 20,
				      &data, &len, &err) < 0) {
		http_respond_error(resp, 500, "internal", "the held file cannot be read");
		goto out;
	}
	json_t *f = json_pack("{s:s,s:s,s:s,s:s}", "job", id, "project", row.project, "file",
			      name, "checker", c->name);
	int r = f ? alog_event(d, "held_view", f, &err) : -ENOMEM;
	json_decref(f);
	if (r < 0) {
		trex_free(data);
		http_respond_error(resp, 500, "internal", "the access could not be audited");
		goto out;
	}
	resp->status = 200;
	resp->content_type = "application/octet-stream";
	resp->body = data;
	resp->len = len;
out:
	store_job_free(&row);
}
