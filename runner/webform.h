/* What a browser sends the review page (web.c), parsed strictly: a
 * form body (application/x-www-form-urlencoded) and the Cookie header.
 * Pure functions, fuzzed by tests/fuzz/fuzz_web.c. */
#ifndef TREX_RUNNER_WEBFORM_H
#define TREX_RUNNER_WEBFORM_H

#include <stddef.h>

/* The form body[0..len): each of the n (at most 8) known names at most
 * once, percent-decoded ('+' a space) into vals[i] (sizes[i] bytes with
 * the NUL; "" when absent), nothing else: 0, or -EINVAL for an unknown or
 * repeated name, a piece without '=', bad percent-encoding or a value
 * too long. */
int webform_fields(const char *body, size_t len, const char *const *names, char **vals,
		   const size_t *sizes, size_t n);

/* The value of cookie `name` in a Cookie header ("a=b; NAME=V; c=d") when
 * it is `vlen` bytes long, into out (vlen + 1 bytes): 1 when found once,
 * 0 when absent (or not that long), -EINVAL when it is there twice. */
int webform_cookie(const char *header, const char *name, size_t vlen, char *out);

#endif
