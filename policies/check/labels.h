/* Record-level data passed off as a table (issue #11 item 7c): the
 * labels of a frequency or magnitude table's dimensions must be values
 * the dataset can produce as categories, not text the job made up from
 * the records it read. policies/check/README.md and
 * policies/disclosure/README.md state the rule; both check paths call it
 * (the whole table in main.c, stream.c as it finishes), with each
 * dimension's distinct codes in order of first appearance. */
#ifndef TREX_CHECK_LABELS_H
#define TREX_CHECK_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domains.h"
#include "sdc.h"

/* the text of code `code` of dimension d */
typedef const char *(*labels_text_fn)(const void *ctx, size_t d, uint32_t code);

/* Hold the file for review (rule record_level) when a dimension's
 * labels are mostly unknown (needs dom; none: that test is skipped) or
 * one per row while another dimension varies. ncodes[d]: distinct codes
 * of dimension d over the nrows data rows. */
void labels_check(const struct policy *pol, const struct sdc_table *t, const struct domains *dom,
		  size_t nrows, const size_t *ncodes, labels_text_fn text, const void *ctx,
		  struct sdc_result *res);

/* labels_check on a whole table, its codes from sdc_check (res->code_row). */
void labels_check_table(const struct policy *pol, const struct sdc_table *t,
			const struct domains *dom, struct sdc_result *res);

/* Whether label is one of the renderings of the bins declared by the
 * breaks b[0] < ... < b[n-1] (README: "[a,b)", "a-b", "a-(b-1)", ...). */
bool labels_bin_known(const double *b, size_t n, const char *label);

#endif
