/* Checking trexd's signed release manifest before a download (relman.c). */
#ifndef TREX_AGENT_RELMAN_H
#define TREX_AGENT_RELMAN_H

#include <stdio.h>

#include <jansson.h>

#include "common/err.h"

/* Verify the release manifest of job `id` with trexd's key (keyfile, or
 * pinned per socket) and that every entry of `listing` (the released
 * outputs: name, size, sha256) is in it. -EBADMSG when not. */
int relman_check(const char *socket, const char *id, const char *keyfile, json_t *listing,
		 struct trex_err *err);
/* The same, the verified manifest in *man (the caller's to decref). */
int relman_check_get(const char *socket, const char *id, const char *keyfile, json_t *listing,
		     json_t **man, struct trex_err *err);

/* A manifest's reproducibility record (docs/api.md "Release manifest"),
 * one line per part, every string escaped (cli_put); nothing when the
 * manifest has none (released before trex recorded one). */
void relman_print_repro(FILE *f, json_t *man);

#endif
