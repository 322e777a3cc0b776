/* POST /v1/jobs/{id}/cancel. A queued job is cancelled in the store at
 * once; a running or checking one is cancelled through its sandbox
 * (SIGTERM: trex-sandbox kills the job's pid namespace and cleans up; the
 * scheduler's shutdown grace does not apply, the sandbox's own does) and
 * reaches the state `cancelled` when its handles close, so the answer is
 * 202. Only the submitter or an operator may cancel; a caller who may not
 * see the job gets the same 404 as for a job that does not exist. */
#include "cancel.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "access.h"
#include "job.h"
#include "log.h"
#include "sched.h"
#include "store.h"

static void cancel_answer(struct http_response *resp, int status, const char *id,
			  const char *state)
{
	json_t *j = json_pack("{s:s,s:s}", "id", id, "state", state);
	http_respond_json(resp, status, j);
	json_decref(j);
}

void cancel_job(struct trexd *d, const struct caller *c, const char *id,
		struct http_response *resp)
{
	struct job_row row;
	struct trex_err err = { 0 };
	int r = store_get_job(d->store, id, &row, &err);
	if (r == -ENOENT || (r == 0 && !roles_may_see(d, c, &row))) {
		if (r == 0)
			store_job_free(&row);
		http_respond_error(resp, 404, "not_found", "no job %s", id);
		return;
	}
	if (r < 0) {
		http_respond_error(resp, 500, "internal", "%s", err.msg);
		return;
	}
	if (row.submitted_uid != c->uid && !(c->roles & ROLE_OPERATOR)) {
		http_respond_error(resp, 403, "forbidden",
				   "only the submitter or an operator may cancel a job");
		goto out;
	}
	char reason[160];
	snprintf(reason, sizeof(reason), "cancelled by %.100s", c->name ? c->name : "?");
	if (strcmp(row.state, "queued") == 0 || strcmp(row.state, "awaiting_approval") == 0) {
		if (store_set_state(d->store, id, "cancelled", reason, NULL, NULL, &err) < 0) {
			if (err.code == -ENOSPC)
				http_respond_error(resp, 507, "no_space",
						   "the state filesystem is full: the job is still %s; try again once space is freed",
						   row.state);
			else
				http_respond_error(resp, 500, "internal", "%s", err.msg);
			goto out;
		}
		trex_log(TREX_LOG_INFO, "job_cancelled", "job=%s was=%s", id, row.state);
		cancel_answer(resp, 200, id, "cancelled");
		goto out;
	}
	struct job *j = sched_find(d, id);
	if (j && (strcmp(row.state, "running") == 0 || strcmp(row.state, "checking") == 0)) {
		job_cancel(j, reason);
		trex_log(TREX_LOG_INFO, "job_cancelling", "job=%s was=%s", id, row.state);
		cancel_answer(resp, 202, id, "cancelling");
		goto out;
	}
	http_respond_error(resp, 409, "not_cancellable", "the job is %s", row.state);
out:
	store_job_free(&row);
}
