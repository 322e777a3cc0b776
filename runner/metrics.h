/* GET /metrics in Prometheus text format (runner/metrics.c). */
#ifndef TREX_RUNNER_METRICS_H
#define TREX_RUNNER_METRICS_H

#include <stdint.h>

#include "api.h"
#include "http.h"
#include "trexd.h"

/* One answered request: its route (enum api_route_kind), status and the
 * time spent in api_handle. */
void metrics_observe_request(int route, int status, uint64_t handler_ns);

/* The exposition, answered on resp. */
void metrics_serve(struct trexd *d, struct http_response *resp);

#endif
