/* The end of a run that outlived trexd, as its relay recorded it
 * (sandbox/adopt.c; runner/adopt.c). */
#ifndef TREX_RUNNER_ADOPT_END_H
#define TREX_RUNNER_ADOPT_END_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* What the run's relay wrote to STATE/jobs/ID/adopt (sandbox/adopt.c),
 * read and checked field by field: the relay is root's and the folder
 * the service user's, out of any job uid's reach, but what it holds is
 * parsed as input all the same. */
struct adopt_end {
	char *out, *err, *record; /* trex_free */
	size_t out_len, err_len, record_len;
	uint64_t out_total, err_total;
	int64_t exit_status;
	int term_signal;
};
/* -EBADMSG (err names the file and what is wrong) or -errno. */
int adopt_end_read(const char *job_dir, struct adopt_end *e, struct trex_err *err);
void adopt_end_free(struct adopt_end *e);

#endif
