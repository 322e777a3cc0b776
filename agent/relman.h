/* Checking trexd's signed release manifest before a download (relman.c). */
#ifndef TREX_AGENT_RELMAN_H
#define TREX_AGENT_RELMAN_H

#include <jansson.h>

#include "common/err.h"

/* Verify the release manifest of job `id` with trexd's key (keyfile, or
 * pinned per socket) and that every entry of `listing` (the released
 * outputs: name, size, sha256) is in it. -EBADMSG when not. */
int relman_check(const char *socket, const char *id, const char *keyfile, json_t *listing,
		 struct trex_err *err);

#endif
