/* Dimension codes as small integers, and rows grouped by their codes.
 * Several rules group the rows of a table (unique keys, class disclosure,
 * undeclared margins, one slice per dimension): comparing strings every
 * time made grouping most of the time on a large table. Each code is
 * interned once per dimension; a row's key is then a mixed-radix integer,
 * and grouping is a direct index when the key space is small (a dense
 * table), a hash of integers otherwise. */
#include "sdc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

static uint64_t group_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Codes are short: an inline loop beats a call to strcmp. */
static inline bool group_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static uint64_t group_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* Intern the codes of one dimension: code[r] and first_row[code]. */
static int group_intern(const struct sdc_table *t, size_t d, struct sdc_result *res)
{
	size_t n = t->csv->nrows, cap = 1024, ncodes = 0;
	size_t col = (size_t)t->dim_col[d];
	const char *prev = NULL; /* the previous row's code: tables come sorted */
	uint32_t prev_code = 0;
	_cleanup_free_ uint32_t *slots = trex_calloc(cap, sizeof(uint32_t));
	uint32_t *code = trex_calloc(n + 1, sizeof(uint32_t));
	size_t *first = trex_calloc(n + 1, sizeof(size_t));

	res->code[d] = code;
	res->code_row[d] = first;
	if (!slots || !code || !first)
		return -ENOMEM;
	for (size_t r = 0; r < n; r++) {
		const char *s = csv_field(t->csv, r, col);
		size_t i;

		if (prev && group_streq(s, prev)) {
			code[r] = prev_code;
			continue;
		}
		prev = s;
		for (i = group_hash_str(s) & (cap - 1);; i = (i + 1) & (cap - 1)) {
			if (!slots[i]) {
				first[ncodes] = r;
				slots[i] = (uint32_t)++ncodes;
				code[r] = (uint32_t)(ncodes - 1);
				break;
			}
			if (group_streq(csv_field(t->csv, first[slots[i] - 1], col), s)) {
				code[r] = slots[i] - 1;
				break;
			}
		}
		prev_code = code[r];
		if (ncodes * 2 > cap) {
			/* grow: the table stays at most half full */
			size_t ncap = cap * 2;
			uint32_t *ns = trex_calloc(ncap, sizeof(uint32_t));
			if (!ns)
				return -ENOMEM;
			for (size_t k = 0; k < ncodes; k++) {
				size_t j = group_hash_str(csv_field(t->csv, first[k], col)) & (ncap - 1);
				while (ns[j])
					j = (j + 1) & (ncap - 1);
				ns[j] = (uint32_t)(k + 1);
			}
			trex_free(slots);
			slots = ns;
			cap = ncap;
		}
	}
	res->ncodes[d] = ncodes;
	return 0;
}

int sdc_codes_build(const struct sdc_table *t, struct sdc_result *res)
{
	for (size_t d = 0; d < t->decl->ndims; d++) {
		int r = group_intern(t, d, res);
		if (r < 0)
			return r;
	}
	return 0;
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
			for (size_t i = group_mix(k) & (cap - 1);; i = (i + 1) & (cap - 1)) {
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
