/* The document GET /v1/jobs/{id} answers, built from the store and kept
 * in a small cache: status polling is the API's commonest request, and
 * building the document costs four queries and three JSON parses. One
 * cache entry per job holds its row and, built when first asked for, its
 * document at each view level (view.h). */
#ifndef TREX_RUNNER_JOBDOC_H
#define TREX_RUNNER_JOBDOC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"
#include "view.h"

struct jobdoc_view {
	char *body;      /* the document's JSON without its closing '}' */
	size_t len;
	/* the answer's end (the logs' sizes and states) once it can no
	 * longer change, set by the caller (jobdoc_keep_tail) */
	char tail[256];
	size_t tail_len;
};

struct jobdoc {
	struct job_row row;
	int64_t version; /* store_version when loaded; -1: not kept */
	const char *log_states[2]; /* stdout's, stderr's review state (logs.h) */
	struct jobdoc_view view[VIEW_LEVELS];
	size_t bytes;    /* of the bodies built */
};

struct jobdoc_cache;

struct jobdoc_cache *jobdoc_cache_new(void);
void jobdoc_cache_free(struct jobdoc_cache *c);

/* The row of job `id`, current as of the store's last write: -ENOENT
 * when there is no such job. Valid until the next call; hand it back with
 * jobdoc_done. */
int jobdoc_get(struct jobdoc_cache *c, struct store *s, const char *id,
	       const struct jobdoc **out, struct trex_err *err);
/* The document of `doc` at `level` (built now if it was not). */
int jobdoc_view(struct jobdoc_cache *c, struct store *s, const struct jobdoc *doc,
		enum view_level level, const struct jobdoc_view **out, struct trex_err *err);
void jobdoc_done(struct jobdoc_cache *c, const struct jobdoc *doc);
/* Keep the end of the answer built for `doc` at `level` (a finished
 * job's logs no longer grow); dropped with the document at the store's
 * next write. */
void jobdoc_keep_tail(struct jobdoc_cache *c, const struct jobdoc *doc, enum view_level level,
		      const char *tail, size_t len);

#endif
