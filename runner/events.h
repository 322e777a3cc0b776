/* GET /v1/events: server-sent events of job state changes (docs/api.md).
 * Every committed state change (the store's observer) becomes one event
 * with a sequence id, kept in a bounded ring for Last-Event-ID resumes and
 * pushed to every open stream whose caller may see the job. */
#ifndef TREX_RUNNER_EVENTS_H
#define TREX_RUNNER_EVENTS_H

#include "access.h"
#include "http.h"
#include "trexd.h"

#define EVENTS_RING 1024       /* recent events a client can resume from */
#define EVENTS_REASON_MAX 512  /* bytes of a job's reason carried by an event */

/* Start numbering and observe d->store. */
int events_init(struct trexd *d, struct trex_err *err);
/* Stop observing and free the ring (after the HTTP server is closed). */
void events_free(struct trexd *d);

/* The route: validates ?job= and ?project=, the subscriber cap and
 * Last-Event-ID, then answers with a stream (or a JSON error). */
void events_serve(struct trexd *d, const struct caller *c, const struct http_request *req,
		  struct http_response *resp);

/* Open streams (for tests of the cap and for metrics). */
size_t events_subscribers(const struct trexd *d);

#endif
