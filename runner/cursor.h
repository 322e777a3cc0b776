/* Page cursors of GET /v1/jobs: an opaque token naming where the next page
 * starts (the store's seq of the last job served; keyset pagination, so a
 * job inserted meanwhile never shifts a page) and bound to the filters it
 * was issued for, so a cursor reused with other filters is refused rather
 * than silently paging a different list. */
#ifndef TREX_RUNNER_CURSOR_H
#define TREX_RUNNER_CURSOR_H

#include <stdint.h>

#include "err.h"

#define CURSOR_LEN 24 /* 16 hex digits of seq, 8 of the filters' hash */

/* seq > 0; filters: any text that identifies the query's filters. */
void cursor_encode(int64_t seq, const char *filters, char out[CURSOR_LEN + 1]);

/* 0 and *seq, or -EINVAL with err saying what is wrong: not a cursor
 * trexd issued, or issued for other filters. */
int cursor_decode(const char *token, const char *filters, int64_t *seq,
		  struct trex_err *err);

#endif
