/* The margin equations of a table (struct sdc_margins): every total equal
 * to the sum of its parts, along each dimension, hierarchies followed.
 * They are what an attacker knows; suppression (suppress.c), the audit
 * (audit.c), summary tables and the joint check all work on them. */
#include "sdc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "fnv.h"

/* ---- row lookup by dimension codes ---- */

struct margineqs_index {
	const struct sdc_table *t;
	size_t cap;
	size_t *slots; /* row + 1, 0 = empty */
};

static unsigned long margineqs_hash(const struct sdc_table *t, const char *const *codes)
{
	uint64_t h = TREX_FNV64_INIT;
	for (size_t d = 0; d < t->decl->ndims; d++)
		h = trex_fnv64_byte(trex_fnv64_str(h, codes[d]), 0xff);
	return (unsigned long)h;
}

static void margineqs_codes(const struct sdc_table *t, size_t row, const char **codes)
{
	for (size_t d = 0; d < t->decl->ndims; d++)
		codes[d] = csv_field(t->csv, row, (size_t)t->dim_col[d]);
}

static bool margineqs_match(const struct sdc_table *t, size_t row, const char *const *codes)
{
	for (size_t d = 0; d < t->decl->ndims; d++)
		if (strcmp(csv_field(t->csv, row, (size_t)t->dim_col[d]), codes[d]))
			return false;
	return true;
}

static int margineqs_index_build(struct margineqs_index *ix, const struct sdc_table *t)
{
	size_t n = t->csv->nrows;
	ix->t = t;
	ix->cap = 1;
	while (ix->cap < n * 2 + 2)
		ix->cap <<= 1;
	ix->slots = trex_calloc(ix->cap, sizeof(size_t));
	if (!ix->slots)
		return -ENOMEM;
	for (size_t r = 0; r < n; r++) {
		const char *codes[MANIFEST_MAX_DIMS];
		margineqs_codes(t, r, codes);
		for (size_t i = margineqs_hash(t, codes) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
			if (!ix->slots[i]) {
				ix->slots[i] = r + 1;
				break;
			}
			if (margineqs_match(t, ix->slots[i] - 1, codes))
				break; /* duplicates were refused earlier */
		}
	}
	return 0;
}

static long margineqs_lookup(const struct margineqs_index *ix, const char *const *codes)
{
	for (size_t i = margineqs_hash(ix->t, codes) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
		if (!ix->slots[i])
			return -1;
		if (margineqs_match(ix->t, ix->slots[i] - 1, codes))
			return (long)ix->slots[i] - 1;
	}
}

/* ---- margin equations ---- */

struct margineqs_eqbuf {
	size_t n, cap;       /* entries */
	size_t *row;
	int *coef;
	size_t neq, capeq;
	size_t *off;
};

static int margineqs_eq_push(struct margineqs_eqbuf *b, size_t row, int coef)
{
	if (b->n == b->cap) {
		size_t c = b->cap ? b->cap * 2 : 256;
		size_t *r = trex_reallocarray(b->row, c, sizeof(*r));
		if (!r)
			return -ENOMEM;
		b->row = r;
		int *k = trex_reallocarray(b->coef, c, sizeof(*k));
		if (!k)
			return -ENOMEM;
		b->coef = k;
		b->cap = c;
	}
	b->row[b->n] = row;
	b->coef[b->n++] = coef;
	return 0;
}

static int margineqs_eq_close(struct margineqs_eqbuf *b)
{
	if (b->neq + 2 > b->capeq) {
		size_t c = b->capeq ? b->capeq * 2 : 64;
		size_t *o = trex_reallocarray(b->off, c, sizeof(*o));
		if (!o)
			return -ENOMEM;
		b->off = o;
		b->capeq = c;
	}
	if (b->neq == 0)
		b->off[0] = 0;
	b->off[++b->neq] = b->n;
	return 0;
}

static int margineqs_str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Children of a total code: from the hierarchy when declared, else every
 * non-total code of the dimension seen in the table. */
static int margineqs_children(const struct sdc_table *t, size_t d, const char *code,
			 const char ***out, size_t *nout, const char ***cache, size_t *ncache)
{
	const struct output_decl *decl = t->decl;
	json_t *tree = decl->hierarchies ? json_object_get(decl->hierarchies, decl->dims[d]) : NULL;
	json_t *kids = tree ? json_object_get(tree, code) : NULL;
	const char **list;
	size_t n = 0;

	if (kids) {
		size_t i;
		json_t *k;
		list = trex_calloc(json_array_size(kids) + 1, sizeof(char *));
		if (!list)
			return -ENOMEM;
		json_array_foreach(kids, i, k)
			list[n++] = json_string_value(k);
	} else if (*cache) {
		/* the same for every total code of the dimension: computed once
		 * (it was recomputed per total row, quadratic on a 100x100 table) */
		list = trex_calloc(*ncache + 1, sizeof(char *));
		if (!list)
			return -ENOMEM;
		memcpy(list, *cache, *ncache * sizeof(char *));
		n = *ncache;
	} else {
		list = trex_calloc(t->csv->nrows + 1, sizeof(char *));
		if (!list)
			return -ENOMEM;
		for (size_t r = 0; r < t->csv->nrows; r++) {
			const char *c = csv_field(t->csv, r, (size_t)t->dim_col[d]);
			bool seen = manifest_is_total(decl, decl->dims[d], c);
			for (size_t i = 0; !seen && i < n; i++)
				seen = !strcmp(list[i], c);
			if (!seen)
				list[n++] = c;
		}
		/* in byte order, as the canonical order has them (none is a
		 * total): the parts of every equation come in order */
		qsort(list, n, sizeof(char *), margineqs_str_cmp);
		*cache = trex_calloc(n + 1, sizeof(char *));
		if (!*cache) {
			trex_free(list);
			return -ENOMEM;
		}
		memcpy(*cache, list, n * sizeof(char *));
		*ncache = n;
	}
	*out = list;
	*nout = n;
	return 0;
}

/* ---- canonical order ---- */

/* Each row's key: per dimension, its code's place among the dimension's
 * distinct codes -- every other code in byte order, then the totals
 * (whatever their spelling), in byte order among themselves. Rows are
 * ordered by their keys, dimension by dimension: integers, so the rows
 * are sorted without comparing strings n log n times. Rows are unique by
 * their codes (duplicates were refused earlier), so no two keys are
 * equal. */

/* The distinct codes of dimension d, each by its first row. */
struct margineqs_codes_of {
	const struct sdc_table *t;
	size_t d;
	const size_t *first;
};

static int margineqs_canon_code_cmp(const void *a, const void *b, void *arg)
{
	const struct margineqs_codes_of *c = arg;
	const struct sdc_table *t = c->t;
	const char *cx = csv_field(t->csv, c->first[*(const size_t *)a], (size_t)t->dim_col[c->d]);
	const char *cy = csv_field(t->csv, c->first[*(const size_t *)b], (size_t)t->dim_col[c->d]);
	bool tx = manifest_is_total(t->decl, t->decl->dims[c->d], cx);
	bool ty = manifest_is_total(t->decl, t->decl->dims[c->d], cy);

	if (tx != ty)
		return tx ? 1 : -1;
	return strcmp(cx, cy);
}

static int margineqs_canon_build(const struct sdc_table *t, struct sdc_margins *m)
{
	const size_t n = t->csv->nrows, nd = t->decl->ndims;
	size_t cap = 1;
	_cleanup_free_ size_t *key = NULL;
	_cleanup_free_ size_t *slots = NULL;
	_cleanup_free_ size_t *first = NULL;
	_cleanup_free_ size_t *place = NULL;

	while (cap < n * 2 + 2)
		cap <<= 1;
	key = trex_calloc(n * nd + 1, sizeof(size_t));
	slots = trex_calloc(cap, sizeof(size_t));
	first = trex_calloc(n + 1, sizeof(size_t));
	place = trex_calloc(n + 1, sizeof(size_t));
	m->order = trex_calloc(n + 1, sizeof(size_t));
	m->rank = trex_calloc(n + 1, sizeof(size_t));
	if (!key || !slots || !first || !place || !m->order || !m->rank)
		return -ENOMEM;
	for (size_t d = 0; d < nd; d++) {
		size_t ncodes = 0;
		struct margineqs_codes_of co = {.t = t, .d = d, .first = first};

		/* each row's code as the number of its first occurrence */
		memset(slots, 0, cap * sizeof(size_t));
		for (size_t row = 0; row < n; row++) {
			const char *code = csv_field(t->csv, row, (size_t)t->dim_col[d]);
			uint64_t h = trex_fnv64_str(TREX_FNV64_INIT, code);
			for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
				size_t r0;
				if (!slots[i]) {
					slots[i] = row + 1;
					first[ncodes] = row;
					key[row * nd + d] = ncodes++;
					break;
				}
				r0 = slots[i] - 1;
				if (!strcmp(csv_field(t->csv, r0, (size_t)t->dim_col[d]), code)) {
					key[row * nd + d] = key[r0 * nd + d];
					break;
				}
			}
		}
		/* the distinct codes in canonical order: their places */
		for (size_t k = 0; k < ncodes; k++)
			place[k] = k;
		qsort_r(place, ncodes, sizeof(size_t), margineqs_canon_code_cmp, &co);
		for (size_t k = 0; k < ncodes; k++)
			slots[place[k]] = k; /* occurrence number -> place (slots reused) */
		for (size_t row = 0; row < n; row++)
			key[row * nd + d] = slots[key[row * nd + d]];
	}
	/* the keys are small integers: a stable counting sort per dimension,
	 * the last first (slots and first reused: count and the pass's
	 * input), linear in rows x dimensions */
	for (size_t row = 0; row < n; row++)
		m->order[row] = row;
	for (size_t d = nd; d-- > 0;) {
		memset(slots, 0, cap * sizeof(size_t));
		for (size_t row = 0; row < n; row++)
			slots[key[row * nd + d] + 1]++;
		for (size_t k = 1; k <= n; k++)
			slots[k] += slots[k - 1];
		memcpy(first, m->order, n * sizeof(size_t));
		for (size_t k = 0; k < n; k++)
			m->order[slots[key[first[k] * nd + d]]++] = first[k];
	}
	for (size_t k = 0; k < n; k++)
		m->rank[m->order[k]] = k;
	return 0;
}

static int margineqs_rank_cmp(const void *a, const void *b, void *arg)
{
	const size_t *rank = arg;
	size_t x = rank[*(const size_t *)a], y = rank[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

void margineqs_free(struct sdc_margins *m)
{
	trex_free(m->order);
	trex_free(m->rank);
	trex_free(m->value);
	trex_free(m->total);
	trex_free(m->eq_off);
	trex_free(m->eq_row);
	trex_free(m->eq_coef);
	/* what audit_insiders added to them */
	trex_free(m->own_lo);
	trex_free(m->own_hi);
	trex_free(m->need_hi);
	memset(m, 0, sizeof(*m));
}

int margineqs_build(const struct sdc_table *t, struct sdc_margins *m, struct trex_err *err)
{
	const struct output_decl *decl = t->decl;
	size_t n = t->csv->nrows;
	int col = t->count_col >= 0 && decl->kind == KIND_FREQUENCY ? t->count_col : t->value_col;
	struct margineqs_index ix = {0};
	struct margineqs_eqbuf b = {0};
	const char **auto_kids[MANIFEST_MAX_DIMS] = {0};
	size_t nauto_kids[MANIFEST_MAX_DIMS] = {0};
	int r = 0;

	memset(m, 0, sizeof(*m));
	m->nrows = n;
	m->value = trex_calloc(n + 1, sizeof(double));
	m->total = trex_calloc(n + 1, sizeof(bool));
	if (!m->value || !m->total || margineqs_index_build(&ix, t) < 0) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t row = 0; row < n; row++) {
		double v;
		if (col < 0 || sdc_parse_number(csv_field(t->csv, row, (size_t)col), &v) != 0)
			v = NAN;
		m->value[row] = v;
		m->total[row] = sdc_row_is_total(t, row);
	}
	if (margineqs_canon_build(t, m) < 0) {
		r = -ENOMEM;
		goto out;
	}
	/* equations in canonical order: total rows in it, and the parts of
	 * each (whatever order the hierarchy lists them in) too */
	for (size_t o = 0; o < n && r == 0; o++) {
		size_t row = m->order[o];
		if (!m->total[row])
			continue;
		for (size_t d = 0; d < decl->ndims && r == 0; d++) {
			const char *codes[MANIFEST_MAX_DIMS];
			_cleanup_free_ const char **kids = NULL;
			size_t nk = 0, parts = 0, start = b.n;

			margineqs_codes(t, row, codes);
			if (!manifest_is_total(decl, decl->dims[d], codes[d]))
				continue;
			if ((r = margineqs_children(t, d, codes[d], &kids, &nk, &auto_kids[d],
					       &nauto_kids[d])) < 0)
				break;
			if ((r = margineqs_eq_push(&b, row, 1)) < 0)
				break;
			for (size_t k = 0; k < nk && r == 0; k++) {
				long part;
				codes[d] = kids[k];
				part = margineqs_lookup(&ix, codes);
				/* an absent part is an empty cell: it adds nothing */
				if (part >= 0 && (size_t)part != row) {
					r = margineqs_eq_push(&b, (size_t)part, -1);
					parts++;
				}
			}
			if (r == 0 && parts == 0) {
				b.n = start;
			} else if (r == 0) {
				/* the parts' coefficients are all -1; mostly in
				 * order already */
				size_t *p = b.row + start + 1;
				for (size_t k = 1; k < parts; k++)
					if (m->rank[p[k - 1]] > m->rank[p[k]]) {
						qsort_r(p, parts, sizeof(size_t), margineqs_rank_cmp,
							m->rank);
						break;
					}
				r = margineqs_eq_close(&b);
			}
		}
	}
	/* no equation (declared totals that never occur): an empty system,
	 * not a missing one, for every reader of eq_off[neq] */
	if (r == 0 && !b.off && !(b.off = trex_calloc(1, sizeof(size_t))))
		r = -ENOMEM;
out:
	trex_free(ix.slots);
	for (size_t d = 0; d < MANIFEST_MAX_DIMS; d++)
		trex_free(auto_kids[d]);
	if (r < 0) {
		trex_free(b.row);
		trex_free(b.coef);
		trex_free(b.off);
		margineqs_free(m);
		return trex_err_set(err, r, "%s: margins", t->name);
	}
	m->neq = b.neq;
	m->eq_off = b.off;
	m->eq_row = b.row;
	m->eq_coef = b.coef;
	return 0;
}
