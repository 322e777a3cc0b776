/* Dimension codes as small integers, and rows grouped by their codes.
 * Several rules group the rows of a table (unique keys, class disclosure,
 * undeclared margins, one slice per dimension): comparing strings every
 * time made grouping most of the time on a large table. Each code is
 * interned once per dimension (codes.c); a row's key is then a mixed-radix integer,
 * and grouping is a direct index when the key space is small (a dense
 * table), a hash of integers otherwise. */
#include "sdc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

/* Every dimension's codes in one pass over the rows (a pass per dimension
 * read the whole table from memory again for each): code[d][r] and
 * code_row[d][code]. */
int sdc_codes_build(const struct sdc_table *t, struct sdc_result *res)
{
	size_t n = t->csv->nrows, nd = t->decl->ndims;
	struct codes g[MANIFEST_MAX_DIMS] = {{0}};
	int r = 0;

	for (size_t d = 0; d < nd; d++)
		if (!(res->code[d] = trex_calloc(n + 1, sizeof(uint32_t))))
			r = -ENOMEM;
	for (size_t row = 0; r == 0 && row < n; row++)
		for (size_t d = 0; r == 0 && d < nd; d++)
			r = codes_intern(&g[d], csv_field(t->csv, row, (size_t)t->dim_col[d]),
					 (uint32_t)row, &res->code[d][row]);
	for (size_t d = 0; d < nd; d++) {
		if (r == 0 && !(res->code_row[d] = trex_calloc(g[d].n + 1, sizeof(size_t))))
			r = -ENOMEM;
		for (size_t k = 0; r == 0 && k < g[d].n; k++)
			res->code_row[d][k] = g[d].first[k];
		res->ncodes[d] = g[d].n;
		codes_free(&g[d]);
	}
	return r;
}

/* The key of a row over every dimension but `skip`, and the size of the
 * key space; false when it does not fit in 64 bits. */
static bool group_radix(const struct sdc_table *t, const struct sdc_result *res, size_t skip,
			uint64_t *space)
{
	uint64_t s = 1;
	for (size_t d = 0; d < t->decl->ndims; d++) {
		if (d == skip)
			continue;
		if (res->ncodes[d] && s > UINT64_MAX / 2 / res->ncodes[d])
			return false;
		s *= res->ncodes[d] ? res->ncodes[d] : 1;
	}
	*space = s;
	return true;
}

static uint64_t group_key(const struct sdc_table *t, const struct sdc_result *res, size_t row,
			  size_t skip)
{
	uint64_t k = 0;
	for (size_t d = 0; d < t->decl->ndims; d++)
		if (d != skip)
			k = k * res->ncodes[d] + res->code[d][row];
	return k;
}

int sdc_group(const struct sdc_table *t, const struct sdc_result *res, size_t skip,
	      uint32_t *group, size_t *ngroups)
{
	size_t n = t->csv->nrows;
	uint32_t ng = 0;
	uint64_t space;

	if (!group_radix(t, res, skip, &space))
		return -EOVERFLOW; /* 2^63 distinct keys cannot occur below CSV_MAX_ROWS codes */
	if (space <= 4 * (uint64_t)n + 64) {
		/* dense: the key indexes its group's id + 1 (rows, hence
		 * groups, fit in 32 bits: CSV_MAX_ROWS) */
		_cleanup_free_ uint32_t *id = trex_calloc((size_t)space, sizeof(uint32_t));
		if (!id)
			return -ENOMEM;
		for (size_t r = 0; r < n; r++) {
			uint64_t k = group_key(t, res, r, skip);
			if (!id[k])
				id[k] = ++ng;
			group[r] = id[k] - 1;
		}
		*ngroups = ng;
		return 0;
	}
	{
		size_t cap = 1;
		_cleanup_free_ uint64_t *keys = NULL;
		_cleanup_free_ uint32_t *ids = NULL;

		while (cap < n * 2 + 2)
			cap <<= 1;
		keys = trex_calloc(cap, sizeof(uint64_t));
		ids = trex_calloc(cap, sizeof(uint32_t));
		if (!keys || !ids)
			return -ENOMEM;
		for (size_t r = 0; r < n; r++) {
			uint64_t k = group_key(t, res, r, skip);
			for (size_t i = sdc_mix(k) & (cap - 1);; i = (i + 1) & (cap - 1)) {
				if (!ids[i]) {
					keys[i] = k;
					ids[i] = ++ng;
					group[r] = ng - 1;
					break;
				}
				if (keys[i] == k) {
					group[r] = ids[i] - 1;
					break;
				}
			}
		}
	}
	*ngroups = ng;
	return 0;
}

/* Unique keys without a key table, for the usual table where each
 * combination of all dimensions but the last fills one contiguous run of
 * rows (any table sorted or grouped by its dimensions): a key repeats iff
 * a last-dimension code repeats within a run, caught by stamping codes
 * with the run number. Until a prefix comes back after its run ended,
 * every earlier repeat would be within a run, so the first repeat found
 * is the first row whose key was seen before -- what the key table gives.
 * 1: unique; 2: *dup_row repeats a key; 0: the runs are not contiguous
 * (or the prefix space too large): use sdc_group. */
int sdc_unique_sorted(const struct sdc_table *t, const struct sdc_result *res, size_t *dup_row)
{
	size_t n = t->csv->nrows, nd = t->decl->ndims, last = nd - 1;
	uint64_t space;
	uint32_t run = 0;
	uint64_t prev = UINT64_MAX;
	_cleanup_free_ unsigned char *seen = NULL;
	_cleanup_free_ uint32_t *stamp = NULL;

	if (!nd || !group_radix(t, res, last, &space) || space > 4 * (uint64_t)n + 64)
		return 0;
	seen = trex_calloc((size_t)space, 1);
	stamp = trex_calloc(res->ncodes[last] + 1, sizeof(uint32_t));
	if (!seen || !stamp)
		return -ENOMEM;
	for (size_t r = 0; r < n; r++) {
		uint64_t k = group_key(t, res, r, last);
		uint32_t c = res->code[last][r];

		if (k != prev) {
			if (seen[k])
				return 0;
			seen[k] = 1;
			prev = k;
			run++;
		}
		if (stamp[c] == run) {
			*dup_row = r;
			return 2;
		}
		stamp[c] = run;
	}
	return 1;
}

int sdc_slices_init(const struct sdc_table *t, const struct sdc_result *res,
		    struct sdc_slices *s)
{
	size_t n = t->csv->nrows, nd = t->decl->ndims;

	memset(s, 0, sizeof(*s));
	s->nd = nd;
	for (size_t d = 0; d < nd; d++) {
		uint64_t space, m = 1;

		if (!group_radix(t, res, d, &space) || space > 4 * (uint64_t)n + 64)
			return 1;
		/* mixed radix over the other dimensions, last one fastest */
		for (size_t e = nd; e-- > 0;) {
			if (e == d)
				continue;
			s->mul[d][e] = m;
			m *= res->ncodes[e] ? res->ncodes[e] : 1;
		}
	}
	for (size_t d = 0; d < nd; d++) {
		uint64_t space = 0;
		if (!group_radix(t, res, d, &space))
			return 1; /* checked above */
		s->id[d] = trex_calloc((size_t)space, sizeof(uint32_t));
		if (!s->id[d])
			return -ENOMEM;
	}
	return 0;
}

void sdc_slices_free(struct sdc_slices *s)
{
	for (size_t d = 0; d < s->nd; d++)
		trex_free(s->id[d]);
	memset(s, 0, sizeof(*s));
}
