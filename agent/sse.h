/* A reader of trexd's server-sent event stream (GET /v1/events) over its
 * unix socket or TLS (an endpoint as in client.h): the response head is parsed by llhttp like every answer
 * (client.c), then the body is split into events, with caps on the head,
 * on one event and on the time without a byte. */
#ifndef TREX_AGENT_SSE_H
#define TREX_AGENT_SSE_H

#include <stddef.h>

#include "common/err.h"

#define SSE_EVENT_MAX (1u << 20) /* one event, bytes */

struct sse_stream;

struct sse_event {
	char id[64];
	char event[32]; /* "message" when the event has no "event:" field */
	char *data;     /* data lines joined by '\n', NUL-terminated; owned by the stream */
};

/* Connect and send GET target. *status is the HTTP status; on 200 *out is
 * the open stream, on any other status *out is NULL and 0 is returned (the
 * caller decides: trex wait falls back to polling). */
int sse_open(const char *endpoint, const char *target, int timeout_ms, int *status,
	     struct sse_stream **out, struct trex_err *err);
/* The next event: 1 with *ev filled (valid until the next call), 0 when
 * nothing arrived for timeout_ms, -EPIPE when the stream ended, another
 * negative errno on a malformed or oversized stream. Comments (heartbeats)
 * are skipped but count as something arriving. */
int sse_next(struct sse_stream *s, int timeout_ms, struct sse_event *ev, struct trex_err *err);
void sse_close(struct sse_stream *s);

#endif
