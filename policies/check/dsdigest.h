/* A dataset's content digest (dsdigest.c): the version of the data a
 * released result came from, for the reproducibility record of trexd's
 * signed release manifest (docs/CONTRACTS.md section 4). Computed once per
 * dataset version, in the same sandboxed build as the identifier index,
 * and cached beside it (runner/idcache.c): only the digest leaves. */
#ifndef TREX_CHECK_DSDIGEST_H
#define TREX_CHECK_DSDIGEST_H

#include "err.h"

/* SHA-256 over every *.csv below dir (the files the index is built from:
 * regular files, links not followed, in name order), each as
 *   "<path below dir>\n<size>\n" then its bytes,
 * written to out as 64 hex digits and a newline (atomically). */
int dsdigest_write(const char *dir, const char *out, struct trex_err *err);

#endif
