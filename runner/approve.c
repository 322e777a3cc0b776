/* POST /v1/jobs/{id}/approve: an approver approves a strict-permit job.
 * What is approved is the whole job, by its job_sha256 (common/jobdigest.h:
 * the stored manifest with every limit written out, the disclosure policy
 * and each file's SHA-256 and size), which the approver sends back after
 * looking at it (`trex approve` rebuilds the digest from what it shows).
 * The approval then covers that job under that permit: the same job
 * submitted again runs at once, any change to it waits for a new
 * approval. Nobody approves a job they submitted; the approval is audited
 * before it is recorded. */
#include "access.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "sched.h"
#include "trexd.h"

static int approve_hex64(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

void approve_route(struct trexd *d, const struct caller *c, const char *id,
		   const struct http_request *req, struct http_response *resp)
{
	if (roles_require(d, c, ROLE_APPROVER, "approving a job", resp) < 0)
		return;
	struct job_row row;
	if (roles_load_job(d, c, id, &row, resp) < 0)
		return;
	json_t *body = NULL;
	struct job_access acc;
	struct trex_err err = { 0 };
	char job_sha[65];
	if (review_not_own(d, c, &row, "approve", resp) < 0)
		goto out;
	if (!(body = review_body(req, resp)))
		goto out;
	const char *sha = json_string_value(json_object_get(body, "job_sha256"));
	if (!approve_hex64(sha) || json_object_size(body) != 1) {
		http_respond_error(resp, 400, "bad_request",
				   "the body must be {\"job_sha256\": \"<the job's job_sha256>\"}");
		goto out;
	}
	if (strcmp(row.state, "awaiting_approval") != 0 || sacc_get(d->store, id, &acc, &err) < 0) {
		http_respond_error(resp, 409, "not_awaiting_approval", "job %s is %s, not awaiting approval",
				   id, row.state);
		goto out;
	}
	int r = sacc_get_digest(d->store, id, job_sha, NULL, &err);
	if (r == -ENOENT) {
		http_respond_error(resp, 409, "not_awaiting_approval",
				   "job %s was stored by a trexd that did not record its job digest: cancel it and submit it again",
				   id);
		goto out;
	}
	if (r < 0) {
		http_respond_error(resp, 500, "internal", "the job's digest cannot be read");
		goto out;
	}
	/* the approver approves what they looked at, not whatever the job
	 * holds now */
	if (strcmp(sha, job_sha) != 0) {
		http_respond_error(resp, 409, "job_mismatch", "job %s has job_sha256 %s, not %s", id,
				   job_sha, sha);
		goto out;
	}
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "job", id, "project", row.project,
			      "permit_id", acc.permit_id, "job_sha256", job_sha, "bundle_sha256",
			      acc.bundle_sha256, "approver", c->name);
	r = f ? alog_event(d, "approval", f, &err) : -ENOMEM;
	json_decref(f);
	/* the approval and the job's new state together, or neither (a
	 * full disk): the approver can approve again */
	if (r == 0 && (r = store_begin(d->store, &err)) == 0) {
		r = sacc_put_approval(d->store, acc.permit_id, job_sha, c->name, &err);
		if (r == 0)
			r = store_set_state(d->store, id, "queued", "", NULL, NULL, &err);
		if (r == 0)
			r = store_commit(d->store, &err);
		if (r < 0)
			store_rollback(d->store);
	}
	if (r < 0) {
		trex_log(TREX_LOG_ERROR, "approval_failed", "job=%s code=%d", id, err.code);
		review_failed(resp, &err, "approval");
		goto out;
	}
	json_t *ans = json_pack("{s:s,s:s,s:s,s:s}", "id", id, "state", "queued", "approved_by",
				c->name, "job_sha256", job_sha);
	http_respond_json(resp, 200, ans);
	json_decref(ans);
	sched_kick(d);
out:
	json_decref(body);
	store_job_free(&row);
}
