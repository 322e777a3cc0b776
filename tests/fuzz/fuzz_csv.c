/* Fuzz target: every output table a job writes goes through the strict
 * CSV reader of trex-check. Besides not crashing, the block fast path
 * (csv.c) must build exactly the table, or report exactly the error, that
 * the byte-at-a-time path does: both are run on every input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policies/check/csv.h"

static int csv_same(const struct csv_table *a, const struct csv_table *b)
{
	if (a->ncols != b->ncols || a->nrows != b->nrows || a->needs_quotes != b->needs_quotes)
		return 0;
	for (size_t r = 0; r <= a->nrows; r++)
		for (size_t c = 0; c < a->ncols; c++)
			if (strcmp(a->arena + a->offsets[r * a->ncols + c],
				   b->arena + b->offsets[r * b->ncols + c]))
				return 0;
	for (size_t r = 0; r < a->nrows; r++)
		if (a->lines[r] != b->lines[r])
			return 0;
	/* fields back to back, CSV_PAD zero bytes after the last (csv.h) */
	if (a->nrows || a->ncols) {
		size_t last = (a->nrows + 1) * a->ncols - 1, end;
		for (size_t k = 0; k < last; k++)
			if (a->offsets[k + 1] != a->offsets[k] + strlen(a->arena + a->offsets[k]) + 1)
				return 0;
		end = a->offsets[last] + strlen(a->arena + a->offsets[last]);
		for (size_t k = 0; k <= CSV_PAD; k++)
			if (a->arena[end + k])
				return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_table fast, slow;
	struct trex_err ef = {0}, es = {0};
	int rf, rs;

	csv_set_fast_path(true);
	rf = csv_parse_mem((const char *)data, size, "t.csv", &fast, &ef);
	csv_set_fast_path(false);
	rs = csv_parse_mem((const char *)data, size, "t.csv", &slow, &es);
	csv_set_fast_path(true);
	if (rf != rs || strcmp(ef.msg, es.msg) || (rf == 0 && !csv_same(&fast, &slow)))
		abort();
	if (rf == 0)
		csv_free(&fast);
	if (rs == 0)
		csv_free(&slow);
	return 0;
}
