/* A frequency or magnitude table checked as it is read, a batch of rows
 * at a time: memory grows with the table's distinct codes, its slices
 * and the decisions the report lists, never with its rows or bytes, and
 * the released copy is written batch by batch.
 *
 * The rules and the report are those of rules.c on the whole table, byte
 * for byte (tests/disclosure compares both paths): the same decisions in
 * the same order, the same reasons. What needs the whole table is kept as
 * per-slice sums instead (class disclosure, undeclared margins), and the
 * uniqueness of keys is checked the way sdc_unique_sorted does, which
 * needs the rows grouped by all dimensions but the last; a table that is
 * not (a prefix of codes comes back after its run ended) is handed back
 * to the whole-table check, which has no such condition.
 *
 * Only tables without declared totals and under a suppression policy
 * come here: secondary suppression, its audit and rounding need the whole
 * table. Differencing needs only the tables released earlier, loaded
 * before the first batch, each checked row compared as it comes. */
#include "sdc.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "labels.h"

/* Only tables without declared totals and under a suppression policy
 * come here (see the top of this file). */
bool stream_eligible(const struct policy *pol, const struct output_decl *d)
{
	return (d->kind == KIND_FREQUENCY || d->kind == KIND_MAGNITUDE) && d->ndims >= 1 &&
	       !d->total_codes && pol->method != POLICY_ROUND;
}

/* One slice (all dimensions fixed but one): what class disclosure and the
 * undeclared-margin tests ask of it (rules.c, totals.c), summed as rows go
 * by. 56 bytes: a magnitude table's value sum shares the room of the
 * counts only a frequency table's class disclosure reads. */
struct stream_slice {
	uint32_t first_row;    /* its first row: slices are judged in that order */
	uint32_t cells;        /* valid values (counts, or a magnitude's values) */
	union {
		struct {
			uint32_t nonzero, hidden0; /* class disclosure (counts) */
		};
		double vsum;   /* a magnitude table with a count: its values' sum */
	};
	uint32_t mnonzero;     /* margin test: cells with a value other than 0 */
	uint32_t first_nz_row, first_nz_code; /* first non-zero cell */
	uint32_t argmax_row, argmax_code;     /* first largest cell */
	uint32_t missing;      /* named-margin test: missing values not named */
	double sum, max;
};

/* The slices of one dimension d: keyed by the codes of the others. A key
 * of up to two codes is its own 64-bit word; longer keys are hashed to
 * one, and compared code by code when the words match. */
struct stream_slices {
	size_t nk;             /* codes per key: ndims - 1 */
	uint32_t *keys;        /* nk per slice (only when nk > 2) */
	uint64_t *word;        /* per slice */
	uint32_t *next;        /* per slice: the slice that followed it last (+ 1) */
	struct stream_slice *s;
	/* series.c's state per slice, beside it: a dimension ruled out is
	 * never read again, and the slices stay 56 bytes */
	struct sdc_run *run;
	struct sdc_series *ser;
	size_t n, cap_n;
	uint64_t *slot_word;   /* open addressing: the slice's word, */
	uint32_t *slot_id;     /* and its id + 1; at most half full */
	size_t cap;
	uint64_t last_word;    /* the previous row's slice */
	uint32_t last;
	bool have_last;
};

static inline uint64_t stream_key_word(const uint32_t *k, size_t nk)
{
	uint64_t h;

	if (nk == 0)
		return 0;
	if (nk == 1)
		return k[0];
	if (nk == 2)
		return (uint64_t)k[0] << 32 | k[1];
	h = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < nk; i++)
		h = sdc_mix(h ^ k[i]);
	return h;
}

static inline bool stream_key_eq(const struct stream_slices *sl, uint32_t id, const uint32_t *k)
{
	const uint32_t *a;

	if (sl->nk <= 2)
		return true; /* the word is the key (and keys is not kept) */
	a = sl->keys + (size_t)id * sl->nk;
	for (size_t i = 0; i < sl->nk; i++)
		if (a[i] != k[i])
			return false;
	return true;
}

static int stream_slices_grow(struct stream_slices *sl)
{
	size_t ncap = sl->cap ? sl->cap * 2 : 1024;
	uint64_t *nw = trex_calloc(ncap, sizeof(uint64_t));
	uint32_t *ni = trex_calloc(ncap, sizeof(uint32_t));

	if (!nw || !ni) {
		trex_free(nw);
		trex_free(ni);
		return -ENOMEM;
	}
	for (size_t g = 0; g < sl->n; g++) {
		size_t j = sdc_mix(sl->word[g]) & (ncap - 1);
		while (ni[j])
			j = (j + 1) & (ncap - 1);
		nw[j] = sl->word[g];
		ni[j] = (uint32_t)(g + 1);
	}
	trex_free(sl->slot_word);
	trex_free(sl->slot_id);
	sl->slot_word = nw;
	sl->slot_id = ni;
	sl->cap = ncap;
	return 0;
}

/* The slice of key k (nk codes), created at row when new (*fresh). */
static int stream_slice_of(struct stream_slices *sl, const uint32_t *k, uint32_t row,
			   uint32_t *id, bool *fresh)
{
	const size_t nk = sl->nk;
	const uint64_t w = stream_key_word(k, nk);
	size_t mask, i;

	*fresh = false;
	/* the previous row's slice, or the one that followed it last time:
	 * rows come in order, and hashing every key missed the cache (the
	 * slices that do match are then read in the order they were made) */
	if (sl->have_last) {
		uint32_t nx = sl->next[sl->last];
		if (sl->last_word == w && stream_key_eq(sl, sl->last, k)) {
			*id = sl->last;
			return 0;
		}
		if (nx && sl->word[nx - 1] == w && stream_key_eq(sl, nx - 1, k)) {
			*id = sl->last = nx - 1;
			sl->last_word = w;
			return 0;
		}
	}
	if (sl->n * 2 >= sl->cap && stream_slices_grow(sl) < 0)
		return -ENOMEM;
	mask = sl->cap - 1;
	for (i = sdc_mix(w) & mask;; i = (i + 1) & mask) {
		uint32_t g = sl->slot_id[i];
		if (!g)
			break;
		if (sl->slot_word[i] == w && stream_key_eq(sl, g - 1, k)) {
			if (sl->have_last)
				sl->next[sl->last] = g;
			*id = sl->last = g - 1;
			sl->last_word = w;
			sl->have_last = true;
			return 0;
		}
	}
	if (sl->n == sl->cap_n) {
		size_t c = sl->cap_n ? sl->cap_n * 2 : 256;
		if ((nk > 2 && trex_resize_array(&sl->keys, c, nk * sizeof(*sl->keys)) < 0) ||
		    trex_resize_array(&sl->word, c, sizeof(*sl->word)) < 0 ||
		    trex_resize_array(&sl->next, c, sizeof(*sl->next)) < 0 ||
		    trex_resize_array(&sl->s, c, sizeof(*sl->s)) < 0 ||
		    trex_resize_array(&sl->run, c, sizeof(*sl->run)) < 0 ||
		    trex_resize_array(&sl->ser, c, sizeof(*sl->ser)) < 0)
			return -ENOMEM;
		sl->cap_n = c;
	}
	if (nk > 2)
		memcpy(sl->keys + sl->n * nk, k, nk * sizeof(*k));
	sl->word[sl->n] = w;
	sl->next[sl->n] = 0;
	if (sl->have_last)
		sl->next[sl->last] = (uint32_t)(sl->n + 1);
	memset(&sl->s[sl->n], 0, sizeof(sl->s[0]));
	memset(&sl->run[sl->n], 0, sizeof(sl->run[0]));
	memset(&sl->ser[sl->n], 0, sizeof(sl->ser[0]));
	sl->s[sl->n].first_row = row;
	sl->slot_word[i] = w;
	sl->slot_id[i] = (uint32_t)(sl->n + 1);
	*id = sl->last = (uint32_t)sl->n++;
	sl->last_word = w;
	sl->have_last = true;
	*fresh = true;
	return 0;
}

/* The codes of slice i's key (all dimensions but d), with code c for d. */
static void stream_slice_codes(const struct stream_slices *sl, size_t i, size_t d, size_t nd,
			       uint32_t c, uint32_t *codes)
{
	uint32_t k[MANIFEST_MAX_DIMS];
	size_t j = 0;

	if (sl->nk > 2)
		memcpy(k, sl->keys + i * sl->nk, sl->nk * sizeof(*k));
	else if (sl->nk == 2)
		k[0] = (uint32_t)(sl->word[i] >> 32), k[1] = (uint32_t)sl->word[i];
	else if (sl->nk == 1)
		k[0] = (uint32_t)sl->word[i];
	for (size_t e = 0; e < nd; e++)
		codes[e] = e == d ? c : k[j++];
}

struct stream_state {
	const struct policy *pol;
	const struct sdc_table *t;
	const struct stream_opts *so;
	size_t nd;
	struct codes dim[MANIFEST_MAX_DIMS];
	/* per code: named like a margin (sdc_margin_name), as codes come */
	unsigned char *named[MANIFEST_MAX_DIMS];
	size_t nnamed[MANIFEST_MAX_DIMS], cap_named[MANIFEST_MAX_DIMS];
	bool has_named[MANIFEST_MAX_DIMS];
	/* per slice, what its named cells add: grown when one comes */
	struct sdc_named_cells *nmc[MANIFEST_MAX_DIMS];
	size_t cap_nmc[MANIFEST_MAX_DIMS];
	size_t col[MANIFEST_MAX_DIMS]; /* each dimension's column */
	struct stream_slices sl[MANIFEST_MAX_DIMS];
	/* unique keys (sdc_unique_sorted): the last dimension's codes stamped
	 * with the run of the prefix they were seen in */
	uint32_t *stamp;
	size_t cap_stamp;
	uint32_t run, prev_prefix;
	bool have_prefix;
	bool dup;                  /* a key repeats: dup_row, its key */
	size_t dup_row;
	uint32_t dup_codes[MANIFEST_MAX_DIMS];
	size_t inner, ones;
	bool run_dead[MANIFEST_MAX_DIMS]; /* series.c sdc_run_dead */
	bool series_dead[MANIFEST_MAX_DIMS]; /* a slice's counts went down */
	struct sdc_magnitude mag;
	/* decisions of the primary rules, kept apart: the whole-table check
	 * takes them after every count's (and not at all on a failed file) */
	struct sdc_result prim;
	/* the first identifier: its row (1-based, 0 the header) and column */
	bool id_hit;
	size_t id_row, id_col;
	uint32_t id_codes[MANIFEST_MAX_DIMS];
	/* the released copy, and each batch row's state for it */
	FILE *out;
	char *tmp;
	struct sdc_result batch;
	size_t cap_batch;
	/* differencing with the tables released earlier (--previous) */
	struct diff_state diff;
};

static void stream_state_free(struct stream_state *st)
{
	for (size_t d = 0; d < MANIFEST_MAX_DIMS; d++) {
		codes_free(&st->dim[d]);
		trex_free(st->named[d]);
		trex_free(st->nmc[d]);
		trex_free(st->sl[d].keys);
		trex_free(st->sl[d].word);
		trex_free(st->sl[d].next);
		trex_free(st->sl[d].s);
		trex_free(st->sl[d].run);
		trex_free(st->sl[d].ser);
		trex_free(st->sl[d].slot_word);
		trex_free(st->sl[d].slot_id);
	}
	trex_free(st->stamp);
	diff_free(&st->diff);
	sdc_result_free(&st->prim);
	trex_free(st->batch.state);
	st->batch.state = NULL;
}

/* The key text of a row from its codes, for a decision (sdc_note_key). */
static int stream_key(struct stream_state *st, struct sdc_result *res, const uint32_t *codes)
{
	const char *k[MANIFEST_MAX_DIMS];
	for (size_t d = 0; d < st->nd; d++)
		k[d] = codes_text(&st->dim[d], codes[d]);
	return sdc_note_key(res, k, st->nd);
}

/* Key repeats, as sdc_unique_sorted finds them: 0, or 1 when the rows
 * are not grouped (the caller checks the table whole). */
static int stream_unique(struct stream_state *st, const uint32_t *codes, uint32_t prefix,
			 bool fresh, size_t row)
{
	uint32_t c = codes[st->nd - 1];

	if (!st->have_prefix || prefix != st->prev_prefix) {
		if (!fresh)
			return 1;
		st->prev_prefix = prefix;
		st->have_prefix = true;
		st->run++;
	}
	if (c >= st->cap_stamp) {
		size_t n = st->cap_stamp ? st->cap_stamp : 256;
		uint32_t *s;
		while (n <= c)
			n *= 2;
		s = trex_reallocarray(st->stamp, n, sizeof(*s));
		if (!s)
			return -ENOMEM;
		memset(s + st->cap_stamp, 0, (n - st->cap_stamp) * sizeof(*s));
		st->stamp = s;
		st->cap_stamp = n;
	}
	if (st->stamp[c] == st->run && !st->dup) {
		st->dup = true;
		st->dup_row = row;
		memcpy(st->dup_codes, codes, st->nd * sizeof(*codes));
	}
	st->stamp[c] = st->run;
	return 0;
}

/* A missing value breaks its slices' runs. */
static inline void stream_run_break(struct stream_state *st, const uint32_t *g)
{
	for (size_t d = 0; d < st->nd; d++)
		if (!st->run_dead[d])
			sdc_run_break(&st->sl[d].run[g[d]]);
}

/* A value into its slice's run (series.c; rules.c sdc_nested_margin),
 * while its dimension can still hold one. */
static inline void stream_run_push(struct stream_state *st, uint32_t g, size_t d, double x,
				   uint32_t code, uint32_t row)
{
	struct sdc_run *r;

	if (st->run_dead[d])
		return;
	r = &st->sl[d].run[g];
	sdc_run_push(r, x, code, row);
	st->run_dead[d] = sdc_run_dead(r);
}

/* A value into its slices' margin sums (rules.c sdc_margin_add). */
static inline void stream_margin_add(struct stream_state *st, const uint32_t *g,
				     const uint32_t *codes, double x, uint32_t row)
{
	for (size_t d = 0; d < st->nd; d++) {
		struct stream_slice *c = &st->sl[d].s[g[d]];
		stream_run_push(st, g[d], d, x, codes[d], row);
		c->sum += x;
		c->mnonzero += x != 0;
		if (x > c->max) {
			c->max = x;
			c->argmax_row = row;
			c->argmax_code = codes[d];
		}
	}
}

/* Whether each code of a batch row is named like a margin: its flag is
 * set when the code is first seen (codes are numbered as they come). */
static int stream_named_codes(struct stream_state *st, const uint32_t *codes)
{
	for (size_t d = 0; d < st->nd; d++) {
		size_t want = (size_t)codes[d] + 1;
		if (want <= st->nnamed[d])
			continue;
		if (want > st->cap_named[d]) {
			size_t cap = want < 2 * st->cap_named[d] ? 2 * st->cap_named[d] : want + 64;
			if (trex_resize_array(&st->named[d], cap, 1) < 0)
				return -ENOMEM;
			st->cap_named[d] = cap;
		}
		for (size_t c = st->nnamed[d]; c < want; c++) {
			st->named[d][c] = sdc_margin_name(codes_text(&st->dim[d], (uint32_t)c));
			st->has_named[d] |= st->named[d][c];
		}
		st->nnamed[d] = want;
	}
	return 0;
}

/* A named cell's valid value into its slice's named sums (the side array
 * grown to the slice when needed). */
static int stream_named_cell(struct stream_state *st, size_t d, uint32_t g, uint32_t code,
			     double x, uint32_t row)
{
	if (g >= st->cap_nmc[d]) {
		size_t cap = st->sl[d].cap_n > g ? st->sl[d].cap_n : (size_t)g + 1;
		if (trex_resize_array(&st->nmc[d], cap, sizeof(*st->nmc[d])) < 0)
			return -ENOMEM;
		memset(st->nmc[d] + st->cap_nmc[d], 0, (cap - st->cap_nmc[d]) * sizeof(*st->nmc[d]));
		st->cap_nmc[d] = cap;
	}
	sdc_named_cell_add(&st->nmc[d][g], x, row, code);
	return 0;
}

/* A missing value into its slices' named-margin counts. */
static inline void stream_named_missing(struct stream_state *st, const uint32_t *g,
					const uint32_t *codes)
{
	for (size_t d = 0; d < st->nd; d++)
		if (!st->has_named[d] || !st->named[d][codes[d]])
			st->sl[d].s[g[d]].missing++;
}

/* A frequency table's row: its count (rules.c sdc_check_frequency) into
 * the decisions, its slices' class and margin sums. */
static int stream_frequency_row(struct stream_state *st, const struct csv_table *v, size_t r,
				uint32_t row, const uint32_t *codes, const uint32_t *g,
				struct sdc_result *res)
{
	const struct sdc_table *t = st->t;
	size_t before = res->ndecisions;
	long n = sdc_count_text(st->pol, csv_field(v, r, (size_t)t->count_col), row,
				t->decl->count, res);
	bool primary;

	if (res->ndecisions > before && stream_key(st, res, codes) < 0)
		return -ENOMEM;
	if (n < 0) {
		stream_named_missing(st, g, codes);
		stream_run_break(st, g);
		return 0;
	}
	st->inner++;
	st->ones += n == 1;
	before = st->prim.ndecisions;
	primary = sdc_primary_count(st->pol, row, t->decl->count, n, &st->prim);
	if (primary && st->out)
		st->batch.state[r] = CELL_PRIMARY;
	if (st->prim.ndecisions > before && stream_key(st, &st->prim, codes) < 0)
		return -ENOMEM;
	/* class disclosure and margin sums, each slice touched once */
	for (size_t d = 0; d < st->nd; d++) {
		struct stream_slice *c = &st->sl[d].s[g[d]];
		double x = (double)n;
		stream_run_push(st, g[d], d, x, codes[d], row);
		if (!st->series_dead[d]) {
			struct sdc_series *ser = &st->sl[d].ser[g[d]];
			sdc_series_push(ser, n, primary, row, st->pol->safe_threshold);
			st->series_dead[d] = ser->down;
		}
		c->cells++;
		c->sum += x;
		/* cells and sum are also the named-margin test's (totals.c) */
		if (st->has_named[d] && st->named[d][codes[d]] &&
		    stream_named_cell(st, d, g[d], codes[d], x, row) < 0)
			return -ENOMEM;
		if (n > 0) {
			c->mnonzero++;
			if (!c->nonzero++) {
				c->first_nz_row = row;
				c->first_nz_code = codes[d];
			}
			if (x > c->max) {
				c->max = x;
				c->argmax_row = row;
				c->argmax_code = codes[d];
			}
		} else if (st->pol->zeros_are_disclosive) {
			/* a zero is hidden exactly when zeros are primary */
			c->hidden0++;
		}
	}
	return 0;
}

/* A magnitude table's row (rules.c sdc_magnitude_row), and its margin
 * column (count, else value) into its slices' sums. */
static int stream_magnitude_row(struct stream_state *st, const struct csv_table *v, size_t r,
				uint32_t row, const uint32_t *codes, const uint32_t *g,
				struct sdc_result *res)
{
	const struct sdc_table *t = st->t;
	int col = t->count_col >= 0 ? t->count_col : t->value_col;
	size_t before = res->ndecisions;
	double x, value;
	if (sdc_magnitude_row(st->pol, t, &st->mag, v, r, row, res, &value) && st->out)
		st->batch.state[r] = CELL_PRIMARY;
	if (res->ndecisions > before && stream_key(st, res, codes) < 0)
		return -ENOMEM;
	/* the named-margin test's counts and sums of the value (totals.c) */
	if (isnan(value)) {
		stream_named_missing(st, g, codes);
	} else {
		for (size_t d = 0; d < st->nd; d++) {
			struct stream_slice *c = &st->sl[d].s[g[d]];
			c->cells++;
			if (col != t->value_col)
				c->vsum += value;
			if (st->has_named[d] && st->named[d][codes[d]] &&
			    stream_named_cell(st, d, g[d], codes[d], value, row) < 0)
				return -ENOMEM;
		}
	}
	/* the value column was parsed by the rules already */
	if (col == t->value_col ? (x = value, !isnan(x))
				: sdc_parse_number(csv_field(v, r, (size_t)col), &x) == 0)
		stream_margin_add(st, g, codes, x, row);
	else
		stream_run_break(st, g);
	return 0;
}

/* One batch: every row's codes, key and slices, then its kind's rules. */
static int stream_batch(struct stream_state *st, const struct csv_table *v, size_t first,
			struct sdc_result *res)
{
	const size_t nd = st->nd;

	if (st->out && v->nrows > st->cap_batch) {
		unsigned char *s = trex_realloc(st->batch.state, v->nrows);
		if (!s)
			return -ENOMEM;
		st->batch.state = s;
		st->cap_batch = v->nrows;
	}
	for (size_t r = 0; r < v->nrows; r++) {
		const uint32_t row = (uint32_t)(first + r);
		uint32_t codes[MANIFEST_MAX_DIMS], g[MANIFEST_MAX_DIMS];
		bool fresh[MANIFEST_MAX_DIMS];
		int rc;

		for (size_t d = 0; d < nd; d++)
			if (codes_intern(&st->dim[d], csv_field(v, r, st->col[d]), row,
					  &codes[d]) < 0)
				return -ENOMEM;
		/* every dimension's slice: the key is the other codes */
		for (size_t d = 0; d < nd; d++) {
			uint32_t k[MANIFEST_MAX_DIMS];
			size_t j = 0;
			for (size_t e = 0; e < nd; e++)
				if (e != d)
					k[j++] = codes[e];
			if (stream_slice_of(&st->sl[d], k, row, &g[d], &fresh[d]) < 0)
				return -ENOMEM;
		}
		if (stream_named_codes(st, codes) < 0)
			return -ENOMEM;
		/* the last dimension's slices are the key prefixes */
		rc = stream_unique(st, codes, g[nd - 1], fresh[nd - 1], row);
		if (rc != 0)
			return rc;
		if (st->out)
			st->batch.state[r] = CELL_OK;
		if (st->dup)
			continue; /* the file fails: only its CSV and identifiers still matter */
		rc = st->t->decl->kind == KIND_FREQUENCY
			     ? stream_frequency_row(st, v, r, row, codes, g, res)
			     : stream_magnitude_row(st, v, r, row, codes, g, res);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Class disclosure (rules.c sdc_class_disclosure): per dimension, the
 * first slice in row order with one non-zero cell of several and no
 * hidden zero. */
static int stream_class(struct stream_state *st, struct sdc_result *res)
{
	size_t srow = (size_t)-1, sd = 0;
	int rc = 0;
	bool found = false;

	/* the series' reason comes after the class note, as in the whole
	 * path (rules.c sdc_class_disclosure) */
	for (size_t d = 0; d < st->nd && srow == (size_t)-1; d++) {
		struct sdc_series_judge j;
		if (st->series_dead[d])
			continue; /* no series: a slice went down */
		sdc_series_judge_init(&j);
		for (size_t i = 0; i < st->sl[d].n; i++)
			sdc_series_judge_add(&j, &st->sl[d].ser[i]);
		if (sdc_series_judge_holds(&j))
			srow = j.row, sd = d;
	}
	for (size_t d = 0; d < st->nd && !found; d++) {
		const struct stream_slices *sl = &st->sl[d];
		const struct stream_slice *best = NULL;
		size_t bi = 0;

		for (size_t i = 0; i < sl->n; i++) {
			const struct stream_slice *c = &sl->s[i];
			if (c->cells < 2 || c->nonzero != 1 || c->hidden0)
				continue;
			if (!best || c->first_row < best->first_row) {
				best = c;
				bi = i;
			}
		}
		if (best) {
			uint32_t codes[MANIFEST_MAX_DIMS];
			stream_slice_codes(sl, bi, d, st->nd, best->first_nz_code, codes);
			sdc_class_note(st->t, res, best->first_nz_row, d);
			rc = stream_key(st, res, codes);
			found = true;
		}
	}
	if (rc == 0 && srow != (size_t)-1)
		sdc_series_found(res, srow, st->t->decl->dims[sd]);
	return rc;
}

/* An undeclared margin (rules.c sdc_numeric_margin, sdc_margin_judge and
 * sdc_undeclared_margins): numeric first, then by name. */
static void stream_margins(struct stream_state *st, struct sdc_result *res)
{
	const struct output_decl *decl = st->t->decl;
	size_t best_row = (size_t)-1, best_k = 0;
	uint32_t best_code = 0;

	for (size_t d = 0; d < st->nd; d++) {
		const struct stream_slices *sl = &st->sl[d];
		const struct stream_slice *first = NULL;
		bool all = sl->n > 0;

		/* every slice holds its margin, under one code */
		for (size_t i = 0; i < sl->n && all; i++) {
			const struct stream_slice *c = &sl->s[i];
			if (!sdc_margin_holds(c->sum, c->max, c->mnonzero, sl->n) ||
			    c->argmax_code != sl->s[0].argmax_code)
				all = false;
			else if (!first || c->first_row < first->first_row)
				first = c;
		}
		if (!all)
			continue;
		sdc_margin_found(res, codes_text(&st->dim[d], first->argmax_code), decl->dims[d]);
		return;
	}
	for (size_t k = 0; k < st->nd; k++)
		for (size_t code = 0; code < st->dim[k].n; code++) {
			size_t r = st->dim[k].first[code];
			if (r > best_row || (r == best_row && k > best_k))
				continue;
			if (sdc_margin_label(codes_text(&st->dim[k], (uint32_t)code))) {
				best_row = r;
				best_k = k;
				best_code = (uint32_t)code;
			}
		}
	if (best_row != (size_t)-1) {
		sdc_margin_named(res, codes_text(&st->dim[best_k], best_code), decl->dims[best_k]);
		return;
	}
	/* a margin of part of a slice (rules.c sdc_nested_margin) */
	for (size_t d = 0; d < st->nd; d++) {
		struct sdc_run_judge j;
		if (st->run_dead[d])
			continue;
		sdc_run_judge_init(&j);
		for (size_t i = 0; i < st->sl[d].n; i++)
			sdc_run_judge_add(&j, &st->sl[d].run[i]);
		if (sdc_run_judge_holds(&j)) {
			sdc_run_found(res, j.row, j.len, decl->dims[d]);
			return;
		}
	}
}

/* Codes named like a margin in a table without a primary cell (totals.c
 * sdc_totals_named): the first named cell, in row order, of a slice whose
 * named cells are not the sum of its parts. */
static void stream_named(struct stream_state *st, struct sdc_result *res)
{
	const struct sdc_table *t = st->t;
	/* the margin sums are of the value unless a count is declared */
	const bool vsum = t->decl->kind == KIND_MAGNITUDE && t->count_col >= 0;
	size_t best_row = (size_t)-1, best_d = 0;
	uint32_t best_code = 0;

	for (size_t d = 0; d < st->nd; d++)
		for (size_t i = 0; st->has_named[d] && i < st->sl[d].n && i < st->cap_nmc[d]; i++) {
			const struct stream_slice *c = &st->sl[d].s[i];
			const struct sdc_named_cells *nc = &st->nmc[d][i];
			struct sdc_named_slice x = {vsum ? c->vsum : c->sum, c->cells, c->missing};
			if (sdc_named_fails(st->pol, &x, nc) && nc->row < best_row) {
				best_row = nc->row;
				best_d = d;
				best_code = nc->code;
			}
		}
	if (best_row != (size_t)-1)
		sdc_named_margin_fails(res, codes_text(&st->dim[best_d], best_code),
				       t->decl->dims[best_d]);
}

/* The batch's first identifier, if none was found before. */
static int stream_identifiers(struct stream_state *st, const struct csv_table *v, size_t first)
{
	size_t row, col;

	if (st->id_hit || !st->so->ids || !st->so->ids->n)
		return 0;
	if (!idindex_scan_table(st->so->ids, v, &row, &col))
		return 0;
	st->id_hit = true;
	st->id_col = col;
	st->id_row = row ? first + row : 0;
	if (row) {
		uint32_t r32 = (uint32_t)(first + row - 1);
		for (size_t d = 0; d < st->nd; d++)
			if (codes_intern(&st->dim[d], csv_field(v, row - 1, st->col[d]), r32,
					  &st->id_codes[d]) < 0)
				return -ENOMEM;
	}
	return 0;
}

static const char *stream_code_text(const void *ctx, size_t d, uint32_t code)
{
	const struct stream_state *st = ctx;
	return codes_text(&st->dim[d], code);
}

/* The whole-table check's decisions, from what the batches gathered. */
static int stream_finish(struct stream_state *st, struct sdc_result *res, size_t nrows)
{
	const struct sdc_table *t = st->t;

	res->ncells = nrows;
	if (st->dup) {
		/* nothing but the repeat: the cells were never judged */
		for (size_t i = 0; i < res->ndecisions; i++)
			json_decref(res->cells[i].params);
		res->ndecisions = res->reason_len = res->key_len = 0;
		res->nprimary = 0;
		sdc_reasons_clear(res);
		res->verdict = SDC_PASS;
		if (t->decl->kind == KIND_FREQUENCY) {
			sdc_note(res, t, st->dup_row, t->decl->count, "microdata", NULL, "fail",
				 "rows are not unique over the dimensions: record-level data");
			if (stream_key(st, res, st->dup_codes) < 0)
				return -ENOMEM;
		}
		sdc_reason(res, "microdata", SDC_FAIL,
			   "rows are not unique over the declared dimensions (microdata?)");
	} else if (t->decl->kind == KIND_MAGNITUDE) {
		/* its decisions went straight into res, in row order */
	} else if (st->inner >= 4 && st->ones * 2 > st->inner) {
		/* A "table" whose cells are mostly 1 lists individuals. */
		sdc_reason(res, "mostly_ones", SDC_FAIL,
			   "%zu of %zu cells have count 1: record-level data disguised as a table",
			   st->ones, st->inner);
	} else if (res->verdict != SDC_FAIL) {
		if (sdc_note_append(res, &st->prim, st->nd) < 0)
			return -ENOMEM;
		res->nprimary = st->prim.nprimary;
		if (stream_class(st, res) < 0)
			return -ENOMEM;
	}
	if (res->nprimary && res->verdict != SDC_FAIL) {
		sdc_worsen(res, SDC_SUPPRESSED);
		stream_margins(st, res);
	} else if (res->verdict != SDC_FAIL) {
		stream_named(st, res);
	}
	sdc_undeclared_columns(t, res);
	sdc_summarise(st->pol, t, res);
	{
		size_t ncodes[MANIFEST_MAX_DIMS];
		for (size_t d = 0; d < st->nd; d++)
			ncodes[d] = st->dim[d].n;
		labels_check(st->pol, t, st->so->domains, nrows, ncodes, stream_code_text, st, res);
	}
	if (st->id_hit) {
		size_t before = res->ndecisions;
		sdc_identifier(t, res, st->id_row, st->id_col);
		if (res->ndecisions > before && stream_key(st, res, st->id_codes) < 0)
			return -ENOMEM;
	}
	return 0;
}

int stream_check(const struct policy *pol, const struct output_decl *d, const char *name,
		 FILE *f, const struct stream_opts *so, struct csv_stream *cs,
		 struct sdc_table *t, struct sdc_result *res, bool *released,
		 struct trex_err *err)
{
	struct stream_state st = {.pol = pol, .t = t, .so = so, .nd = d->ndims};
	size_t nrows = 0;
	for (size_t k = 0; k < st.nd; k++)
		st.sl[k].nk = st.nd - 1;
	int r, open_err = 0;
	bool opened = false;

	*released = false;
	memset(res, 0, sizeof(*res));
	r = csv_stream_open(cs, f, name, err);
	if (r < 0)
		return r;
	if (sdc_result_init(res, 0) < 0 || sdc_result_init(&st.prim, 0) < 0) {
		r = trex_err_set(err, -ENOMEM, "%s", name);
		goto out;
	}
	while ((r = csv_stream_next(cs)) > 0) {
		const struct csv_table *v = &cs->view;

		if (!opened) {
			opened = true;
			/* a declared column missing, or the copy's file: reported
			 * once the whole file parsed, as the whole-table check does */
			open_err = sdc_table_open(t, v, d, name, err);
			if (open_err == 0) {
				for (size_t k = 0; k < st.nd; k++)
					st.col[k] = (size_t)t->dim_col[k];
				if (d->kind == KIND_MAGNITUDE) {
					sdc_magnitude_init(pol, &st.mag);
					sdc_magnitude_declared(pol, t, res, st.batch.drop_col);
				}
			}
			if (open_err == 0 && diff_wanted(so->previous, so->siblings))
				open_err = diff_open(t, so->previous, so->siblings, &st.diff, err);
			if (open_err == 0 && so->out_dir)
				open_err = report_release_open(so->out_dir, &st.tmp, &st.out, err);
		}
		if (open_err < 0)
			continue; /* only the CSV errors still to come matter */
		r = stream_batch(&st, v, cs->first, res);
		if (r == 0)
			r = stream_identifiers(&st, v, cs->first);
		if (r == 0)
			diff_rows(&st.diff, t, v, 0, v->nrows);
		if (r == 0 && st.out && !st.dup) {
			st.batch.ncells = v->nrows;
			t->csv = v;
			r = report_write_rows(st.out, t, &st.batch, so->marker, cs->first == 0);
			if (r < 0)
				r = trex_err_set(err, r, "write a released copy in %s", so->out_dir);
		}
		if (r == 1)
			goto out; /* not grouped: checked whole by the caller */
		if (r < 0) {
			if (r == -ENOMEM)
				trex_err_set(err, r, "%s", name);
			goto out;
		}
		nrows = cs->first + v->nrows;
	}
	if (r < 0)
		goto out;
	if (open_err < 0) {
		r = open_err;
		goto out;
	}
	t->csv = &cs->view; /* the header, for the report */
	r = stream_finish(&st, res, nrows);
	if (r < 0) {
		trex_err_set(err, r, "%s", name);
		goto out;
	}
	if (diff_wanted(so->previous, so->siblings) && res->verdict < SDC_REVIEW) {
		/* an earlier table paired by content only now, its cells not
		 * compared: checked whole instead (difference.c) */
		r = diff_pair(&st.diff, t, st.dim, err);
		if (r != 0) {
			r = r > 0 ? 1 : r;
			goto out;
		}
		diff_finish(pol, t, res, &st.diff);
	}
	if (st.out) {
		bool leaves = res->verdict == SDC_PASS || res->verdict == SDC_SUPPRESSED;
		r = report_release_close(st.out, st.tmp, leaves ? so->release_path : NULL, so->sync,
					 err);
		st.out = NULL;
		st.tmp = NULL;
		*released = r == 0 && leaves;
	}
out:
	if (st.out)
		report_release_close(st.out, st.tmp, NULL, false, err);
	stream_state_free(&st);
	if (r != 0) {
		sdc_result_free(res);
		if (r == 1 && (fseek(f, 0, SEEK_SET) != 0))
			r = trex_err_set(err, -errno, "rewind %s", name);
		csv_stream_close(cs);
	}
	return r;
}
