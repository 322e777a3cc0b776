/* The document GET /v1/jobs/{id} answers, built from the store and kept
 * in a small cache: status polling is the API's commonest request, and
 * building the document costs four queries and three JSON parses. */
#ifndef TREX_RUNNER_JOBDOC_H
#define TREX_RUNNER_JOBDOC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

struct jobdoc {
	struct job_row row;
	char *body;      /* the document's JSON without its closing '}' */
	size_t len;
	int64_t version; /* store_version when built; -1: not kept */
	const char *log_states[2]; /* stdout's, stderr's review state (logs.h) */
};

struct jobdoc_cache;

struct jobdoc_cache *jobdoc_cache_new(void);
void jobdoc_cache_free(struct jobdoc_cache *c);

/* The document of job `id`, current as of the store's last write: -ENOENT
 * when there is no such job. Valid until the next call; hand it back with
 * jobdoc_done. */
int jobdoc_get(struct jobdoc_cache *c, struct store *s, const char *id,
	       const struct jobdoc **out, struct trex_err *err);
void jobdoc_done(struct jobdoc_cache *c, const struct jobdoc *doc);

#endif
