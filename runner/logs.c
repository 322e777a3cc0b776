/* Logs are never released by the automatic check (trex-check holds free
 * text for review): a checker's decision releases each, with the
 * two-checker rule when configured. Decisions are rows of log_reviews
 * (store.c migration 4), audited before they are acknowledged. */
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "alloc.h"
#include "cleanup.h"
#include "fsutil.h"
#include "hash.h"
#include "log.h"

#define LOGS_MAX (1u << 20) /* job.c keeps at most this much of each */

static const char *const logs_names[] = { "stdout", "stderr" };

static int logs_name_ok(const char *name)
{
	return strcmp(name, "stdout") == 0 || strcmp(name, "stderr") == 0;
}

int logs_job_ended(const char *state)
{
	static const char *const live[] = { "awaiting_approval", "queued", "running", "checking" };
	for (size_t i = 0; i < TREX_ARRAY_LEN(live); i++)
		if (strcmp(state, live[i]) == 0)
			return 0;
	return 1;
}

static void logs_path(const struct trexd *d, const char *id, const char *name, char *p,
		      size_t len)
{
	snprintf(p, len, "%s/jobs/%s/logs/%s", d->cfg->state_dir, id, name);
}

const char *logs_state(struct store *s, const char *id, const char *name)
{
	static const char sql[] = "SELECT decision FROM log_reviews"
				  " WHERE job = ?1 AND name = ?2 AND final = 1";
	sqlite3_stmt *st = NULL;
	struct trex_err err = { 0 };
	if (store_stmt(s, sql, &st, &err) < 0)
		return "held";
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	const char *state = "held";
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		state = v && strcmp(v, "release") == 0 ? "released" : "rejected";
	}
	store_stmt_done(s, st);
	return state;
}

void logs_states(struct store *s, const char *id, const char *states[2])
{
	static const char sql[] = "SELECT name, decision FROM log_reviews"
				  " WHERE job = ?1 AND final = 1";
	sqlite3_stmt *st = NULL;
	struct trex_err err = { 0 };
	states[0] = states[1] = "held";
	if (store_stmt(s, sql, &st, &err) < 0)
		return;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		int i = name && strcmp(name, "stdout") == 0 ? 0 : name && strcmp(name, "stderr") == 0 ? 1 : -1;
		if (i >= 0)
			states[i] = v && strcmp(v, "release") == 0 ? "released" : "rejected";
	}
	store_stmt_done(s, st);
}

/* Release votes on a log by checkers other than `not_by` (NULL: all). */
static int logs_votes(struct store *s, const char *id, const char *name, const char *not_by,
		      struct trex_err *err)
{
	static const char sql[] = "SELECT count(*) FROM log_reviews WHERE job = ?1 AND name = ?2"
				  " AND decision = 'release' AND (?3 IS NULL OR reviewer <> ?3)";
	sqlite3_stmt *st = NULL;
	if (store_stmt(s, sql, &st, err) < 0)
		return err->code;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (not_by)
		sqlite3_bind_text(st, 3, not_by, -1, SQLITE_TRANSIENT);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	store_stmt_done(s, st);
	return n < 0 ? trex_err_setx(err, -EIO, "store: count log reviews") : n;
}

static int logs_put(struct store *s, const char *id, const char *name, const char *decision,
		    const char *reason, const char *reviewer, int final, int64_t size,
		    const char *sha, struct trex_err *err)
{
	static const char sql[] = "INSERT INTO log_reviews (job, name, decision, reason, reviewer,"
				  " at, final, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *st = NULL;
	if (store_stmt(s, sql, &st, err) < 0)
		return err->code;
	char now[32];
	store_now(now);
	const char *text[] = { id, name, decision, reason, reviewer, now };
	for (int i = 0; i < 6; i++)
		sqlite3_bind_text(st, i + 1, text[i], -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, final);
	if (sha) {
		sqlite3_bind_int64(st, 8, size);
		sqlite3_bind_text(st, 9, sha, -1, SQLITE_TRANSIENT);
	}
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return trex_err_setx(err, rc == SQLITE_FULL ? -ENOSPC : -EIO,
				     "store: record a log review");
	return 0;
}

size_t logs_tail(const struct trexd *d, const char *id, const char *const states[2],
		 enum view_level level, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, ",\"logs\":[");
	for (size_t i = 0; i < TREX_ARRAY_LEN(logs_names); i++) {
		char p[PATH_MAX];
		struct stat st;
		logs_path(d, id, logs_names[i], p, sizeof(p));
		if (stat(p, &st) < 0)
			continue;
		char size_text[32] = "null";
		if (view_log_size(level, states[i]))
			snprintf(size_text, sizeof(size_text), "%lld", (long long)st.st_size);
		n += (size_t)snprintf(buf + n, size - n,
				      "%s{\"name\":\"%s\",\"size\":%s,\"state\":\"%s\"}",
				      buf[n - 1] == '[' ? "" : ",", logs_names[i], size_text,
				      states[i]);
	}
	n += (size_t)snprintf(buf + n, size - n, "]}\n");
	return n;
}

void logs_list(struct trexd *d, const struct caller *c, const char *id,
	       struct http_response *resp)
{
	struct job_row row;
	if (roles_load_job(d, c, id, &row, resp) < 0)
		return;
	json_t *logs = json_array();
	enum view_level level = view_level(c, &row);
	const char *states[2];
	logs_states(d->store, id, states);
	for (size_t i = 0; logs && i < TREX_ARRAY_LEN(logs_names); i++) {
		char p[PATH_MAX];
		struct stat st;
		logs_path(d, id, logs_names[i], p, sizeof(p));
		if (stat(p, &st) == 0)
			json_array_append_new(logs, json_pack("{s:s,s:o,s:s}", "name", logs_names[i],
							      "size", view_log_size(level, states[i])
								      ? json_integer((json_int_t)st.st_size)
								      : json_null(),
							      "state", states[i]));
	}
	json_t *j = logs ? json_pack("{s:s,s:s,s:o}", "id", id, "state", row.state, "logs", logs)
			 : NULL;
	http_respond_json(resp, j ? 200 : 500, j);
	json_decref(j);
	store_job_free(&row);
}

static int logs_own(const struct caller *c, const struct job_row *row)
{
	return row->submitted_uid == c->uid || strcmp(row->submitted_name, c->name) == 0;
}

void logs_get(struct trexd *d, const struct caller *c, const char *id, const char *name,
	      struct http_response *resp)
{
	if (roles_require(d, c, ROLE_RESEARCHER | ROLE_CHECKER, "reading a job's log", resp) < 0)
		return;
	struct job_row row;
	if (roles_load_job(d, c, id, &row, resp) < 0)
		return;
	struct trex_err err = { 0 };
	char p[PATH_MAX];
	logs_path(d, id, name, p, sizeof(p));
	const char *state = logs_state(d->store, id, name);
	/* a checker reads a held log to review it, never one of their own
	 * jobs (a researcher who is also a checker gets no way around the
	 * review) */
	int review_view = (c->roles & ROLE_CHECKER) && !logs_own(c, &row) &&
			  view_level(c, &row) == VIEW_FULL && strcmp(state, "held") == 0;
	if (!logs_job_ended(row.state)) {
		http_respond_error(resp, 409, "job_not_finished",
				   "job %s is %s: its %s log is kept when it ends and released"
				   " after a checker's review", id, row.state, name);
		goto out;
	}
	struct stat st;
	if (stat(p, &st) < 0) {
		http_respond_error(resp, 404, "not_found", "job %s has no %s log (it did not run)",
				   id, name);
		goto out;
	}
	if (strcmp(state, "rejected") == 0) {
		http_respond_error(resp, 403, "log_rejected",
				   "a checker rejected the %s log of job %s: it is never released",
				   name, id);
		goto out;
	}
	if (strcmp(state, "held") == 0 && !review_view) {
		http_respond_error(resp, 409, "log_held",
				   "the %s log of job %s is held for review: a checker must release it",
				   name, id);
		goto out;
	}
	if (strcmp(state, "released") == 0 && !(c->roles & ROLE_RESEARCHER) && !review_view) {
		roles_require(d, c, ROLE_RESEARCHER, "downloading a released log", resp);
		goto out;
	}
	json_t *f = json_pack("{s:s,s:s,s:s,s:s}", "job", id, "project", row.project, "log",
			      name, review_view ? "checker" : "user", c->name);
	int r = f ? alog_event(d, review_view ? "held_view" : "download", f, &err) : -ENOMEM;
	json_decref(f);
	if (r < 0) {
		http_respond_error(resp, 500, "internal", "the read could not be audited");
		goto out;
	}
	char *data = NULL;
	size_t len = 0;
	if (trex_read_file(AT_FDCWD, p, LOGS_MAX + 1, &data, &len, &err) < 0) {
		trex_log(TREX_LOG_ERROR, "log_read_failed", "job=%s log=%s", id, name);
		http_respond_error(resp, 500, "internal", "the %s log cannot be read", name);
		goto out;
	}
	resp->status = 200;
	resp->content_type = "text/plain";
	resp->body = data;
	resp->len = len;
out:
	store_job_free(&row);
}

void logs_review(struct trexd *d, const struct caller *c, const struct job_row *row,
		 json_t *body, struct http_response *resp)
{
	const char *name = NULL, *decision = NULL, *reason = NULL;
	json_error_t jerr;
	struct trex_err err = { 0 };
	const char *id = row->id;
	if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s,s:s,s:s}", "log", &name, "decision",
			   &decision, "reason", &reason) < 0 || !logs_name_ok(name) ||
	    (strcmp(decision, "release") != 0 && strcmp(decision, "reject") != 0) || !*reason ||
	    strlen(reason) > 2000) {
		http_respond_error(resp, 400, "bad_request",
				   "the body must be {\"log\": \"stdout\"|\"stderr\", \"decision\":"
				   " \"release\"|\"reject\", \"reason\": non-empty text}");
		return;
	}
	char p[PATH_MAX];
	struct stat st;
	logs_path(d, id, name, p, sizeof(p));
	if (!logs_job_ended(row->state) || stat(p, &st) < 0 ||
	    strcmp(logs_state(d->store, id, name), "held") != 0) {
		http_respond_error(resp, 409, "not_held", "job %s has no %s log held for review",
				   id, name);
		return;
	}
	int mine = logs_votes(d->store, id, name, NULL, &err);
	int others = mine < 0 ? mine : logs_votes(d->store, id, name, c->name, &err);
	if (mine < 0 || others < 0) {
		http_respond_error(resp, 500, "internal", "%s", err.msg);
		return;
	}
	mine -= others;
	if (mine > 0) {
		http_respond_error(resp, 409, "already_reviewed",
				   "you already decided on the %s log; a second checker must", name);
		return;
	}
	int release = strcmp(decision, "release") == 0;
	int final = !release || !d->cfg->access.two_checkers || others > 0;
	/* the hash of what is released, for the audit trail */
	char sha[TREX_SHA256_HEX_LEN + 1] = "";
	char *data = NULL;
	size_t len = 0;
	if (release && final) {
		if (trex_read_file(AT_FDCWD, p, LOGS_MAX + 1, &data, &len, &err) < 0 ||
		    trex_sha256_hex(data, len, sha) < 0) {
			trex_free(data);
			http_respond_error(resp, 500, "internal", "the %s log cannot be read", name);
			return;
		}
		trex_free(data);
	}
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "job", id, "project", row->project,
			      "log", name, "decision", decision, "reason", reason, "reviewer",
			      c->name);
	if (f && release && final) {
		json_object_set_new(f, "sha256", json_string(sha));
		json_object_set_new(f, "size", json_integer((json_int_t)len));
	}
	int r = f ? alog_event(d, "log_review", f, &err) : -ENOMEM;
	json_decref(f);
	if (r == 0)
		r = logs_put(d->store, id, name, decision, reason, c->name, final, (int64_t)len,
			     release && final ? sha : NULL, &err);
	if (r < 0) {
		trex_log(TREX_LOG_ERROR, "log_review_failed", "job=%s log=%s code=%d", id, name, r);
		http_respond_error(resp, err.code == -ENOSPC ? 507 : 500,
				   err.code == -ENOSPC ? "no_space" : "internal",
				   "the review could not be recorded: %s", err.msg);
		return;
	}
	json_t *ans = json_pack("{s:s,s:s,s:s,s:b}", "id", id, "log", name, "decision", decision,
				"released", release && final);
	http_respond_json(resp, 200, ans);
	json_decref(ans);
}
