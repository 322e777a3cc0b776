/* The checker's queue. trex list --state held misses most of what waits
 * for a checker: a job whose table was released may still hold another
 * table, and every job that ran holds its logs. This lists the held
 * things themselves, from the store: outputs with verdict "review" not
 * released, and logs with no final decision. */
#include "queue.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "alloc.h"
#include "logs.h"
#include "store.h"
#include "view.h"

static void queue_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(queue_decref)))

static const char *queue_col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? v : "";
}

/* The caller's own job: never theirs to decide (review_not_own). */
static int queue_own(const struct caller *c, uid_t uid, const char *name)
{
	return uid == c->uid || (c->name && strcmp(name, c->name) == 0);
}

/* The job columns every item starts from. */
#define QUEUE_JOB_COLS \
	"j.id, j.project, j.submitted_name, j.submitted_uid, j.created_at, j.updated_at, j.seq"

static json_t *queue_item(sqlite3_stmt *st, const char *kind)
{
	/* "seq" (the store's order of submission) sorts, then goes */
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:I}", "kind", kind, "job", queue_col(st, 0),
			 "project", queue_col(st, 1), "submitted_by", queue_col(st, 2),
			 "submitted_uid", (json_int_t)sqlite3_column_int64(st, 3), "created_at",
			 queue_col(st, 4), "held_since", queue_col(st, 5), "seq",
			 (json_int_t)sqlite3_column_int64(st, 6));
}

/* The held outputs, oldest job first. */
static int queue_outputs(struct trexd *d, const struct caller *c, json_t *items,
			 struct trex_err *err)
{
	static const char sql[] = "SELECT " QUEUE_JOB_COLS ", o.name, o.kind FROM outputs o"
				  " JOIN jobs j ON j.id = o.job"
				  " WHERE o.verdict = 'review' AND o.released = 0"
				  " ORDER BY j.seq, o.name";
	sqlite3_stmt *st;
	if (store_stmt(d->store, sql, &st, err) < 0)
		return err->code;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && json_array_size(items) <= QUEUE_MAX) {
		if (queue_own(c, (uid_t)sqlite3_column_int64(st, 3), queue_col(st, 2)))
			continue;
		json_t *it = queue_item(st, "output");
		if (!it || json_object_set_new(it, "name", json_string(queue_col(st, 7))) < 0 ||
		    json_object_set_new(it, "output_kind", json_string(queue_col(st, 8))) < 0 ||
		    json_array_append_new(items, it) < 0) {
			store_stmt_done(d->store, st);
			return trex_err_setx(err, -ENOMEM, "out of memory");
		}
	}
	store_stmt_done(d->store, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
						       : trex_err_setx(err, -EIO, "store: list held outputs");
}

/* The held, non-empty logs of ended jobs, oldest job first, until the
 * answer is full (a store of many jobs is walked once, nothing kept but
 * the items). */
static int queue_logs(struct trexd *d, const struct caller *c, json_t *items,
		      struct trex_err *err)
{
	static const char sql[] = "SELECT " QUEUE_JOB_COLS " FROM jobs j"
				  " WHERE j.state NOT IN ('awaiting_approval', 'queued', 'running', 'checking')"
				  " AND (SELECT count(*) FROM log_reviews l WHERE l.job = j.id AND l.final = 1) < 2"
				  " ORDER BY j.seq";
	static const char *const names[2] = { "stdout", "stderr" };
	sqlite3_stmt *st;
	if (store_stmt(d->store, sql, &st, err) < 0)
		return err->code;
	int r = 0;
	while (r == 0 && json_array_size(items) <= QUEUE_MAX && sqlite3_step(st) == SQLITE_ROW) {
		if (queue_own(c, (uid_t)sqlite3_column_int64(st, 3), queue_col(st, 2)))
			continue;
		const char *id = queue_col(st, 0);
		const char *states[2];
		/* another statement than this one: both may be live */
		logs_states(d->store, id, states);
		for (int k = 0; r == 0 && k < 2; k++) {
			char p[PATH_MAX];
			struct stat sb;
			snprintf(p, sizeof(p), "%s/jobs/%s/logs/%s", d->cfg->state_dir, id, names[k]);
			if (strcmp(states[k], "held") != 0 || stat(p, &sb) < 0 || sb.st_size == 0)
				continue;
			json_t *it = queue_item(st, "log");
			if (!it || json_object_set_new(it, "name", json_string(names[k])) < 0 ||
			    json_object_set_new(it, "size", json_integer((json_int_t)sb.st_size)) < 0 ||
			    json_array_append_new(items, it) < 0)
				r = trex_err_setx(err, -ENOMEM, "out of memory");
		}
	}
	store_stmt_done(d->store, st);
	return r;
}

/* The release votes recorded on an item that is still held: the first
 * of the two-checker rule. */
static int queue_votes(struct trexd *d, json_t *it, struct trex_err *err)
{
	static const char out_sql[] = "SELECT reviewer FROM reviews WHERE job = ?1 AND name = ?2"
				      " AND decision = 'release' ORDER BY seq";
	static const char log_sql[] = "SELECT reviewer FROM log_reviews WHERE job = ?1 AND name = ?2"
				      " AND decision = 'release' AND final = 0 ORDER BY seq";
	int log = strcmp(json_string_value(json_object_get(it, "kind")), "log") == 0;
	sqlite3_stmt *st;
	if (store_stmt(d->store, log ? log_sql : out_sql, &st, err) < 0)
		return err->code;
	sqlite3_bind_text(st, 1, json_string_value(json_object_get(it, "job")), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, json_string_value(json_object_get(it, "name")), -1,
			  SQLITE_TRANSIENT);
	json_t *votes = json_array();
	while (votes && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(votes, json_string(queue_col(st, 0)));
	store_stmt_done(d->store, st);
	if (!votes || json_object_set_new(it, "release_votes", votes) < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	return 0;
}

/* Oldest job first; within a job outputs before logs, then by name. */
static int queue_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t sx = json_integer_value(json_object_get(x, "seq"));
	json_int_t sy = json_integer_value(json_object_get(y, "seq"));
	int r = sx < sy ? -1 : sx > sy;
	if (!r)
		r = -strcmp(json_string_value(json_object_get(x, "kind")),
			    json_string_value(json_object_get(y, "kind")));
	if (!r)
		r = strcmp(json_string_value(json_object_get(x, "name")),
			   json_string_value(json_object_get(y, "name")));
	return r;
}

void queue_serve(struct trexd *d, const struct caller *c, struct http_response *resp)
{
	if (roles_require(d, c, ROLE_CHECKER, "reading the review queue", resp) < 0)
		return;
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *items = json_array();
	if (!items || queue_outputs(d, c, items, &err) < 0 || queue_logs(d, c, items, &err) < 0) {
		http_respond_error(resp, 500, "internal", "%s", err.msg[0] ? err.msg : "out of memory");
		return;
	}
	int truncated = json_array_size(items) > QUEUE_MAX;
	size_t n = json_array_size(items);
	json_t **v = n ? trex_calloc(n, sizeof(*v)) : NULL;
	if (n && !v) {
		http_respond_error(resp, 500, "internal", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(items, i));
	qsort(v, n, sizeof(*v), queue_cmp);
	_cleanup_json_ json_t *out = json_array();
	int needs = d->cfg->access.two_checkers ? 2 : 1;
	int r = out ? 0 : -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (r == 0 && i < QUEUE_MAX) {
			struct job_row row = { 0 };
			snprintf(row.id, sizeof(row.id), "%s",
				 json_string_value(json_object_get(v[i], "job")));
			row.project = (char *)json_string_value(json_object_get(v[i], "project"));
			row.submitted_name =
				(char *)json_string_value(json_object_get(v[i], "submitted_by"));
			row.submitted_uid =
				(uid_t)json_integer_value(json_object_get(v[i], "submitted_uid"));
			json_object_del(v[i], "seq");
			r = queue_votes(d, v[i], &err);
			if (r == 0)
				r = json_object_set_new(v[i], "release_votes_needed", json_integer(needs));
			/* a project the checker does research in is reviewed by
			 * others (review_independent): not listed */
			if (r == 0 && view_level(c, &row) != VIEW_FULL) {
				json_decref(v[i]);
				continue;
			}
			if (r == 0)
				r = view_queue_item(view_level(c, &row), c->name, v[i]);
			if (r == 0)
				r = json_array_append(out, v[i]);
		}
		json_decref(v[i]);
	}
	trex_free(v);
	if (r < 0) {
		http_respond_error(resp, 500, "internal", "%s", err.msg[0] ? err.msg : "out of memory");
		return;
	}
	json_t *ans = json_pack("{s:O,s:b}", "items", out, "truncated", truncated);
	http_respond_json(resp, 200, ans);
	json_decref(ans);
}
