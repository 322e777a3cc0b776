/* Datasets described to researchers (GET /v1/datasets[/NAME],
 * docs/datasets.md): each configured dataset's codebook, the operator's
 * (read and checked at config load) or the one trex-check derived with
 * the dataset's identifier index (idcache.c, STATE/idindex/KEY/
 * codebook.json). The service never derives one itself: it reads what
 * the checker wrote, and serves it only through view_codebook. */
#ifndef TREX_RUNNER_CODEBOOKS_H
#define TREX_RUNNER_CODEBOOKS_H

#include "http.h"

struct trexd;

/* {"datasets": [{"name", "codebook": "operator"|"derived"}]}, in the
 * configuration's order. */
void codebooks_list(struct trexd *d, struct http_response *resp);

/* {"name", "codebook": {TREXCB1}}; an unknown name is 404
 * unknown_dataset with the valid names. A derived codebook not built yet
 * is built first, off the loop (the answer is deferred). */
void codebooks_show(struct trexd *d, const struct http_request *req, const char *name,
		    struct http_response *resp);

#endif
