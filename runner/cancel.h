/* POST /v1/jobs/{id}/cancel (runner/cancel.c). */
#ifndef TREX_RUNNER_CANCEL_H
#define TREX_RUNNER_CANCEL_H

#include "access.h"
#include "http.h"
#include "trexd.h"

void cancel_job(struct trexd *d, const struct caller *c, const char *id,
		struct http_response *resp);

#endif
