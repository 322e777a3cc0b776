/* The daemon's shared state, owned by main.c and handed to each module. */
#ifndef TREX_RUNNER_TREXD_H
#define TREX_RUNNER_TREXD_H

#include <errno.h>

#include <uv.h>

#include "config.h"
#include "store.h"

struct http_server;
struct sched;
struct trexd_access;
struct events;
struct web;

struct trexd {
	uv_loop_t *loop;
	const struct config *cfg;
	struct store *store;
	struct store *wstore; /* second connection: submissions, off the loop (submit.c) */
	struct http_server *http;
	struct http_server *metrics_http; /* metrics_listen, or NULL */
	struct sched *sched;
	int seccomp_fd;      /* precompiled default profile, or -1 */
	struct trexd_access *acc; /* keys, permits and audit log (access.h) */
	struct jobdoc_cache *docs; /* GET /v1/jobs/{id} documents (jobdoc.h) */
	int stopping;
	struct events *events;    /* GET /v1/events (events.h) */
	struct web *web;          /* the review page (web.h), or NULL */
};

/* A write that failed with `code` may go through later: a full state
 * filesystem (ENOSPC, EDQUOT), an I/O error or a busy store (store.c
 * maps SQLite's errors so). A job whose write fails so waits and tries
 * again (job.c, sched.c) instead of failing; any other code is the job's
 * or the file's fault, or a bug, and would fail again. */
static inline int trexd_retryable(int code)
{
	return code == -ENOSPC || code == -EDQUOT || code == -EIO || code == -EBUSY ||
	       code == -EAGAIN;
}

#endif
