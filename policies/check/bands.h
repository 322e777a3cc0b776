/* Overlapping groupings under rounding packs (bands.c): the same numeric
 * variable banded two ways (ages 0-9, 10-19 beside 5-14, 15-24), in one
 * table or in two outputs of a job or of a project's releases, links
 * rounded cells by equations across the bandings that can pin a redacted
 * cell; rounding alone does not protect them, so such a table is held for
 * an output checker (rule overlapping_groupings). */
#ifndef TREX_CHECK_BANDS_H
#define TREX_CHECK_BANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "sdc.h"

struct band_dim;

/* The bandings released so far in a run: the run's earlier released
 * outputs, and the project's earlier releases (read from --previous on
 * first need). Zeroed to start. */
struct bands {
	struct band_dim *v;
	size_t n, cap;
	size_t pending;        /* entries of the table checked last, not kept yet */
	bool previous_read;
};

/* Under a rounding pack: hold the table (review, overlapping_groupings)
 * when two of its dimensions band one variable differently, or when one
 * bands differently a dimension of the same name (or first three letters)
 * released earlier in the run or under prevdir (NULL: none). The table's
 * bandings are kept as pending; bands_commit keeps them once it is known
 * whether the table leaves. */
int bands_check(struct bands *b, const struct policy *pol, const struct sdc_table *t,
		struct sdc_result *res, const char *prevdir, struct trex_err *err);
void bands_commit(struct bands *b, bool released);
void bands_free(struct bands *b);

#endif
