/* Listing jobs for GET /v1/jobs: filtered, restricted to what the caller
 * may see, newest first, one page at a time by keyset on jobs.seq. */
#ifndef TREX_RUNNER_STORE_LIST_H
#define TREX_RUNNER_STORE_LIST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"
#include "store.h"

struct store_list_query {
	/* filters, NULL = any */
	const char *state;
	const char *project;
	const char *user;  /* submitted_name */
	const char *since; /* created_at >= since ("2026-11-29T10:00:00Z") */
	int64_t before;    /* only jobs with seq < before; 0 = from the newest */
	size_t limit;      /* page size, > 0 */
	/* visibility (roles_may_see): all, or the caller's own jobs (uid) and
	 * those of the projects listed */
	int all;
	uid_t uid;
	char *const *projects;
	size_t n_projects;
};

/* What a listed job becomes: the row's summary fields (id, project,
 * dataset, runtime, state, reason, submitted_name, submitted_uid,
 * created_at, updated_at are set; the rest is NULL) turned into the
 * listing's object (view_summary). */
typedef json_t *(*store_list_item)(const struct job_row *row);

/* *jobs = JSON array of item(row) for the matching jobs, newest first;
 * *next = the seq to pass as `before` for the next page, 0 when this page
 * is the last. */
int store_list_jobs(struct store *s, const struct store_list_query *q, store_list_item item,
		    json_t **jobs, int64_t *next, struct trex_err *err);

#endif
