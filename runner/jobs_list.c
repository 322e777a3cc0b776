/* GET /v1/jobs?state=&project=&user=&since=&limit=&cursor=. Parameters are
 * strict (an unknown name or a bad value is 400 bad_parameter naming it),
 * so a mistyped filter never silently lists everything. */
#include "jobs_list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "http_query.h"
#include "store_list.h"
#include "view.h"

static const char *const jobs_list_states[] = {
	"awaiting_approval", "queued", "running", "checking", "released",
	"partially_released", "held", "blocked", "rejected", "failed", "timed_out",
	"cancelled", "refused", NULL,
};

static int jobs_list_state_ok(const char *s)
{
	for (size_t i = 0; jobs_list_states[i]; i++)
		if (strcmp(s, jobs_list_states[i]) == 0)
			return 1;
	return 0;
}

/* user names as the config allows them (and peer names from the password
 * database): 1 to 64 bytes, no space, control character, quote or '/' */
static int jobs_list_user_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '"' || s[i] == '/')
			return 0;
	return n > 0 && n <= 64;
}

/* project names as in manifests */
static int jobs_list_name_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 64 && s[0] != '.' && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* "2026-11-29T10:00:00Z", or a day "2026-11-29" (its midnight UTC): the
 * store's created_at form, so comparing text compares times. */
static int jobs_list_since(char *s, size_t size)
{
	static const char full[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t n = strlen(s);
	if (n == 10 && size > 20) {
		memcpy(s + 10, "T00:00:00Z", 11);
		n = 20;
	}
	if (n != 20)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (full[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != full[i])
			return 0;
	return 1;
}

static int jobs_list_param(const struct http_request *req, const char *name, char *buf,
			   size_t size, struct http_response *resp)
{
	struct trex_err err = { 0 };
	int r = http_query_get(req, name, buf, size, &err);
	if (r < 0)
		http_respond_error(resp, 400, "bad_parameter", "%s", err.msg);
	return r;
}

/* A listed job: its summary, as every caller sees it (view.h). */
static json_t *jobs_list_item(const struct job_row *row)
{
	return view_summary(row, 4096);
}

void jobs_list_serve(struct trexd *d, const struct caller *c, const struct http_request *req,
		     struct http_response *resp)
{
	static const char *const known[] = { "state", "project", "user", "since", "limit",
					     "cursor", NULL };
	struct trex_err err = { 0 };
	if (http_query_check(req, known, &err) < 0) {
		http_respond_error(resp, 400, "bad_parameter", "%s (known: state, project, user,"
				   " since, limit, cursor)", err.msg);
		return;
	}
	char state[32], project[80], user[80], since[32], limit[16], cursor[CURSOR_LEN + 8];
	int has_state, has_project, has_user, has_since, has_limit, has_cursor;
	if ((has_state = jobs_list_param(req, "state", state, sizeof(state), resp)) < 0 ||
	    (has_project = jobs_list_param(req, "project", project, sizeof(project), resp)) < 0 ||
	    (has_user = jobs_list_param(req, "user", user, sizeof(user), resp)) < 0 ||
	    (has_since = jobs_list_param(req, "since", since, sizeof(since), resp)) < 0 ||
	    (has_limit = jobs_list_param(req, "limit", limit, sizeof(limit), resp)) < 0 ||
	    (has_cursor = jobs_list_param(req, "cursor", cursor, sizeof(cursor), resp)) < 0)
		return;
	if (has_state && !jobs_list_state_ok(state)) {
		http_respond_error(resp, 400, "bad_parameter", "state \"%s\" is not a job state"
				   " (awaiting_approval, queued, running, checking, released,"
				   " partially_released, held, blocked, rejected, failed,"
				   " timed_out, cancelled, refused)", state);
		return;
	}
	if (has_project && !jobs_list_name_ok(project)) {
		http_respond_error(resp, 400, "bad_parameter", "project must be 1 to 64 letters,"
				   " digits, '.', '_' or '-', not starting with '.' or '-'");
		return;
	}
	if (has_user && !jobs_list_user_ok(user)) {
		http_respond_error(resp, 400, "bad_parameter", "user must be a user name: 1 to 64"
				   " bytes without space, control character, '\"' or '/'");
		return;
	}
	if (has_since && !jobs_list_since(since, sizeof(since))) {
		http_respond_error(resp, 400, "bad_parameter", "since must be a UTC time"
				   " 2026-11-29T10:00:00Z or a day 2026-11-29");
		return;
	}
	long n = JOBS_LIST_DEFAULT;
	if (has_limit) {
		char *e = NULL;
		errno = 0;
		n = strtol(limit, &e, 10);
		if (!limit[0] || *e || errno || n < 1 || n > JOBS_LIST_MAX) {
			http_respond_error(resp, 400, "bad_parameter",
					   "limit must be an integer from 1 to %d", JOBS_LIST_MAX);
			return;
		}
	}
	/* the cursor is bound to the filters; `since` in its full form so
	 * "2026-11-29" and "2026-11-29T00:00:00Z" page alike */
	char filters[256];
	snprintf(filters, sizeof(filters), "state=%s\nproject=%s\nuser=%s\nsince=%s",
		 has_state ? state : "", has_project ? project : "", has_user ? user : "",
		 has_since ? since : "");
	struct store_list_query q = {
		.state = has_state ? state : NULL,
		.project = has_project ? project : NULL,
		.user = has_user ? user : NULL,
		.since = has_since ? since : NULL,
		.limit = (size_t)n,
		.all = (c->roles & (ROLE_APPROVER | ROLE_CHECKER | ROLE_OPERATOR | ROLE_AUDITOR)) != 0,
		.uid = c->uid,
		.projects = c->user ? c->user->projects : NULL,
		.n_projects = c->user ? c->user->n_projects : 0,
	};
	if (has_cursor && cursor_decode(cursor, filters, &q.before, &err) < 0) {
		http_respond_error(resp, 400, "bad_cursor", "%s", err.msg);
		return;
	}
	json_t *jobs = NULL;
	int64_t next = 0;
	if (store_list_jobs(d->store, &q, jobs_list_item, &jobs, &next, &err) < 0) {
		http_respond_error(resp, 500, "internal", "%s", err.msg);
		return;
	}
	char token[CURSOR_LEN + 1];
	if (next)
		cursor_encode(next, filters, token);
	json_t *j = json_pack("{s:o,s:s?}", "jobs", jobs, "next", next ? token : NULL);
	http_respond_json(resp, j ? 200 : 500, j);
	json_decref(j);
}
