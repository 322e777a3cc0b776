/* results.json of the SACRO Viewer export: ACRO 1.0's check names and
 * analyses, and the writer (acro_results.c). Private to acro.c. */
#ifndef TREX_CHECK_ACRO_RESULTS_H
#define TREX_CHECK_ACRO_RESULTS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "acro.h"
#include "csv.h"

/* What the export reads back from a released copy: its rows, and the
 * columns it may have hidden (every column but the declared dimensions). */
struct acro_shape {
	size_t nrows;
	size_t nmeasure;
	size_t measure_col[CSV_MAX_COLS];
	char *measure_name[CSV_MAX_COLS];
	bool have_dof;
	double min_dof;
};

/* -EFBIG once the export would pass its budget (--acro-max-mb). */
static inline int acro_budget(const struct acro_export *x, uint64_t more)
{
	return x->max_bytes && x->bytes + more > x->max_bytes ? -EFBIG : 0;
}

/* The bit (acro_results.c's checks) of a trex rule that hid a cell; a
 * rule without an ACRO counterpart gets a bit of its own in x->other, 0
 * once ACRO_MAX_OTHER are taken. */
uint32_t acro_rule_bits(struct acro_export *x, const char *rule);

/* results.json for every file of x (shapes[i] read back from the copy of
 * x->files[i], whose rows are sorted) to out, written as it goes; ts the
 * records' timestamp. -EFBIG past x's budget, -ENOMEM. */
int acro_results_write(FILE *out, struct acro_export *x, const struct acro_shape *shapes,
		       const char *ts);

#endif
