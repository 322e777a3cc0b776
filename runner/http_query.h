/* Query string parameters of a request (the part of the URL after '?'):
 * bounded, percent-decoded reads, and strict rejection of what a route does
 * not know, so a typo in a filter is an error rather than a silent no-op. */
#ifndef TREX_RUNNER_HTTP_QUERY_H
#define TREX_RUNNER_HTTP_QUERY_H

#include <stddef.h>

#include "http.h"

/* Find parameter `name` in req->query and decode it into buf (size bytes,
 * NUL included; '+' is a space, %XX a byte). Returns 1 when found, 0 when
 * absent (buf is then ""), or <0 with err naming the parameter:
 *   -EINVAL       bad percent-encoding, an encoded NUL, or `name` repeated
 *   -ENAMETOOLONG the decoded value does not fit in buf */
int http_query_get(const struct http_request *req, const char *name, char *buf,
		   size_t size, struct trex_err *err);

/* Percent-decode in[0..len) into out (size bytes, NUL included); with
 * plus_is_space '+' is a space (query strings), else itself (paths).
 * Returns 0, -ENAMETOOLONG when it does not fit, or -EINVAL for a bad or
 * truncated %XX or an encoded NUL, at byte *bad_at; out is then ""
 * (never a part of the value, never without its NUL). */
int http_pct_decode(const char *in, size_t len, int plus_is_space, char *out, size_t size,
		    size_t *bad_at);

/* Check that every parameter in req->query is one of the NULL-terminated
 * `known` names. Returns 0, or -EINVAL with err naming the first unknown
 * one. An empty query, and empty pieces ("a=1&&b=2"), are fine. */
int http_query_check(const struct http_request *req, const char *const *known,
		     struct trex_err *err);

#endif
