/* ACRO-compatible results.json export of a trex-check report. */
#ifndef TREX_CHECK_ACRO_H
#define TREX_CHECK_ACRO_H

#include <jansson.h>

#include "err.h"

/* Write ACRO's results.json shape for `report` (the trex report) to path. */
int acro_write_results(json_t *report, const char *path, struct trex_err *err);

#endif
