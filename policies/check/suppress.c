/* Complementary (secondary) suppression and rounding. */
#include "sdc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

int suppress_secondary(const struct policy *pol, const struct sdc_table *t,
		       struct sdc_result *res, struct trex_err *err)
{
	/* Without a proven complementary pattern the margins would give the
	 * primary cells back, so the file waits for a checker. */
	sdc_reason(res, "table has margins: secondary suppression needs a checker");
	sdc_worsen(res, SDC_REVIEW);
	return 0;
}

static long suppress_round_to(long n, long base)
{
	return (n + base / 2) / base * base;
}

/* OpenSAFELY-style: counts 1..redact_at_or_below are withheld, the rest
 * rounded to the nearest base; a total row is the sum of its released
 * cells, so that nothing hidden can be derived by subtraction. */
int suppress_round(const struct policy *pol, const struct sdc_table *t,
		   struct sdc_result *res, struct trex_err *err)
{
	const struct csv_table *c = t->csv;

	for (size_t r = 0; r < c->nrows; r++) {
		double v;
		long n, out;
		char buf[32];

		if (sdc_row_is_total(t, r))
			continue;
		if (sdc_parse_number(csv_field(c, r, (size_t)t->count_col), &v) != 0 || v < 0 ||
		    v != floor(v))
			continue;
		n = (long)v;
		if (n >= 1 && n <= pol->redact_at_or_below) {
			res->state[r] = CELL_REDACTED;
			res->nredacted++;
			sdc_note(res, t, r, t->decl->count, "redact",
				 json_pack("{s:I}", "redact_at_or_below",
					   (json_int_t)pol->redact_at_or_below),
				 "redacted", "count %ld <= %ld redacted", n, pol->redact_at_or_below);
			continue;
		}
		out = suppress_round_to(n, pol->rounding_base);
		if (out == n)
			continue;
		snprintf(buf, sizeof(buf), "%ld", out);
		if (!(res->replace[r] = trex_strdup(buf)))
			return trex_err_set(err, -ENOMEM, "%s", t->name);
		res->state[r] = CELL_ROUNDED;
		res->nrounded++;
	}
	return 0;
}
