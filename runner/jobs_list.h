/* GET /v1/jobs: the jobs a caller may see, filtered and paged. */
#ifndef TREX_RUNNER_JOBS_LIST_H
#define TREX_RUNNER_JOBS_LIST_H

#include "access.h"
#include "http.h"
#include "trexd.h"

#define JOBS_LIST_DEFAULT 50
#define JOBS_LIST_MAX 500

void jobs_list_serve(struct trexd *d, const struct caller *c, const struct http_request *req,
		     struct http_response *resp);

#endif
