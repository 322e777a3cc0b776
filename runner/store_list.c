/* The SQL is built from the filters that are present only, so SQLite can
 * walk the matching (column, seq) index backwards from `before` and stop
 * after one page (indexes: store.c migrations 2 and 3). Every value is a
 * bound parameter. */
#include "store_list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "alloc.h"

static int store_list_fail(sqlite3 *db, struct trex_err *err, const char *what)
{
	return trex_err_setx(err, -EIO, "store: %s: %s", what, sqlite3_errmsg(db));
}

/* Parameter numbers below are fixed; an absent filter's is simply not
 * used in the text. */
enum { P_STATE = 1, P_PROJECT, P_USER, P_SINCE, P_BEFORE, P_UID, P_PROJECTS, P_LIMIT };

static char *store_list_sql(const struct store_list_query *q)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	sqlite3_str_appendall(s, "SELECT seq, id, project, dataset, runtime, state, reason,"
				 " submitted_name, submitted_uid, created_at, updated_at"
				 " FROM jobs WHERE 1");
	if (q->state)
		sqlite3_str_appendall(s, " AND state = ?1");
	if (q->project)
		sqlite3_str_appendall(s, " AND project = ?2");
	if (q->user)
		sqlite3_str_appendall(s, " AND submitted_name = ?3");
	if (q->since)
		sqlite3_str_appendall(s, " AND created_at >= ?4");
	if (q->before > 0)
		sqlite3_str_appendall(s, " AND seq < ?5");
	if (!q->all)
		sqlite3_str_appendall(s, " AND (submitted_uid = ?6 OR project IN"
					 " (SELECT value FROM json_each(?7)))");
	sqlite3_str_appendall(s, " ORDER BY seq DESC LIMIT ?8");
	return sqlite3_str_finish(s);
}

static void store_list_bind(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static json_t *store_list_row(sqlite3_stmt *st, store_list_item item)
{
	struct job_row row = {
		.project = (char *)sqlite3_column_text(st, 2),
		.dataset = (char *)sqlite3_column_text(st, 3),
		.runtime = (char *)sqlite3_column_text(st, 4),
		.state = (char *)sqlite3_column_text(st, 5),
		.reason = (char *)sqlite3_column_text(st, 6),
		.submitted_name = (char *)sqlite3_column_text(st, 7),
		.submitted_uid = (uid_t)sqlite3_column_int64(st, 8),
		.created_at = (char *)sqlite3_column_text(st, 9),
		.updated_at = (char *)sqlite3_column_text(st, 10),
	};
	const char *id = (const char *)sqlite3_column_text(st, 1);
	snprintf(row.id, sizeof(row.id), "%s", id ? id : "");
	if (!row.project || !row.dataset || !row.runtime || !row.state || !row.reason ||
	    !row.submitted_name || !row.created_at || !row.updated_at)
		return NULL;
	/* cppcheck-suppress returnDanglingLifetime ; item() builds a new JSON object from row; it keeps no pointer into it */
	return item(&row);
}

int store_list_jobs(struct store *s, const struct store_list_query *q, store_list_item item,
		    json_t **jobs, int64_t *next, struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	char *sql = store_list_sql(q);
	if (!sql)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return store_list_fail(db, err, "prepare list");
	store_list_bind(st, P_STATE, q->state);
	store_list_bind(st, P_PROJECT, q->project);
	store_list_bind(st, P_USER, q->user);
	store_list_bind(st, P_SINCE, q->since);
	if (q->before > 0)
		sqlite3_bind_int64(st, P_BEFORE, q->before);
	char *projects = NULL;
	if (!q->all) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < q->n_projects; i++)
			json_array_append_new(arr, json_string(q->projects[i]));
		projects = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
		json_decref(arr);
		if (!projects) {
			sqlite3_finalize(st);
			return trex_err_setx(err, -ENOMEM, "out of memory");
		}
		sqlite3_bind_int64(st, P_UID, (sqlite3_int64)q->uid);
		sqlite3_bind_text(st, P_PROJECTS, projects, -1, SQLITE_TRANSIENT);
		free(projects); /* jansson's allocator */
	}
	/* one more than a page tells whether another page follows */
	sqlite3_bind_int64(st, P_LIMIT, (sqlite3_int64)q->limit + 1);
	json_t *arr = json_array();
	size_t n = 0;
	int64_t last = 0;
	*next = 0;
	while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == q->limit) {
			*next = last;
			break;
		}
		json_t *o = store_list_row(st, item);
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			arr = NULL;
			break;
		}
		last = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	if (!arr)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(arr);
		return store_list_fail(db, err, "list jobs");
	}
	*jobs = arr;
	return 0;
}
