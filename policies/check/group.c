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
#ifdef SDC_WORDS
	uint64_t w = sdc_word_load(s), m = sdc_word_mask(w);
	if (m)
		return sdc_mix(w & m);
#endif
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static inline bool group_streq(const char *a, const char *b)
{
#ifdef SDC_WORDS
	uint64_t w = sdc_word_load(a), m = sdc_word_mask(w);
	if (m)
		return ((w ^ sdc_word_load(b)) & m) == 0;
#endif
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Interning state of one dimension: an open-addressing table of code
 * ids (at most half full) over the code's first row. */
struct group_dim {
	size_t col, cap, ncodes;
	uint32_t *slots;
	uint64_t *words;    /* per slot: the code's word key (0: compare text) */
	uint32_t *code;     /* per row */
	size_t *first;      /* per code: its first row */
	const char *prev;   /* the previous row's code: tables come sorted */
	uint32_t prev_code;
};

static int group_grow(const struct sdc_table *t, struct group_dim *g)
{
	size_t ncap = g->cap * 2;
	uint32_t *ns = trex_calloc(ncap, sizeof(uint32_t));
	uint64_t *nw = trex_calloc(ncap, sizeof(uint64_t));

	if (!ns || !nw) {
		trex_free(ns);
		trex_free(nw);
		return -ENOMEM;
	}
	for (size_t k = 0; k < g->ncodes; k++) {
		const char *c = csv_field(t->csv, g->first[k], g->col);
		size_t j = group_hash_str(c) & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = (uint32_t)(k + 1);
		nw[j] = sdc_word_key(c);
	}
	trex_free(g->slots);
	trex_free(g->words);
	g->slots = ns;
	g->words = nw;
	g->cap = ncap;
	return 0;
}

static inline int group_intern_row(const struct sdc_table *t, struct group_dim *g, size_t r)
{
	const char *s = csv_field(t->csv, r, g->col);
	size_t i, mask = g->cap - 1;
	uint64_t key;

	if (g->prev && group_streq(s, g->prev)) {
		g->code[r] = g->prev_code;
		return 0;
	}
	g->prev = s;
	key = sdc_word_key(s);
	for (i = group_hash_str(s) & mask;; i = (i + 1) & mask) {
		if (!g->slots[i]) {
			g->first[g->ncodes] = r;
			g->slots[i] = (uint32_t)++g->ncodes;
			g->words[i] = key;
			g->code[r] = (uint32_t)(g->ncodes - 1);
			break;
		}
		/* short codes are equal iff their words are; others compare text */
		if (key ? g->words[i] == key
			: !g->words[i] && group_streq(csv_field(t->csv, g->first[g->slots[i] - 1], g->col), s)) {
			g->code[r] = g->slots[i] - 1;
			break;
		}
	}
	g->prev_code = g->code[r];
	return g->ncodes * 2 > g->cap ? group_grow(t, g) : 0;
}

/* Every dimension's codes in one pass over the rows (a pass per dimension
 * read the whole table from memory again for each): code[d][r] and
 * code_row[d][code]. */
int sdc_codes_build(const struct sdc_table *t, struct sdc_result *res)
{
	size_t n = t->csv->nrows, nd = t->decl->ndims;
	struct group_dim g[MANIFEST_MAX_DIMS] = {0};
	int r = 0;

	for (size_t d = 0; d < nd; d++) {
		g[d].col = (size_t)t->dim_col[d];
		g[d].cap = 1024;
		g[d].slots = trex_calloc(g[d].cap, sizeof(uint32_t));
		g[d].words = trex_calloc(g[d].cap, sizeof(uint64_t));
		g[d].code = res->code[d] = trex_calloc(n + 1, sizeof(uint32_t));
		g[d].first = res->code_row[d] = trex_calloc(n + 1, sizeof(size_t));
		if (!g[d].slots || !g[d].words || !g[d].code || !g[d].first)
			r = -ENOMEM;
	}
	for (size_t row = 0; r == 0 && row < n; row++)
		for (size_t d = 0; r == 0 && d < nd; d++)
			r = group_intern_row(t, &g[d], row);
	for (size_t d = 0; d < nd; d++) {
		res->ncodes[d] = g[d].ncodes;
		trex_free(g[d].slots);
		trex_free(g[d].words);
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
