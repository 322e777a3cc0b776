/* The joint check's equations: every table's own margins and, across
 * tables, every point with a total equal to the sum of the points below
 * it, each kept only when the true values add up or an unknown makes
 * that impossible to test (joint.c). */
#include "joint_int.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "fnv.h"

/* Rows by the hash of their key, to find rows with one key. */
struct joint_rowhash {
	uint64_t h;
	size_t row;
};

static int joint_rowhash_cmp(const void *a, const void *b)
{
	const struct joint_rowhash *x = a, *y = b;
	return x->h < y->h ? -1 : x->h > y->h ? 1 : (x->row > y->row) - (x->row < y->row);
}


static int joint_eq_add(struct joint_eqs *q, const size_t *rows, const int *coef, size_t n)
{
	uint64_t h = TREX_FNV64_INIT;

	for (size_t i = 0; i < n; i++)
		h = trex_fnv64_byte(h, rows[i] * 2 + (coef[i] > 0));
	h |= 1;
	if (q->neq * 2 + 2 > q->caphash) {
		size_t cap = q->caphash ? q->caphash * 2 : 1024;
		size_t *s = trex_calloc(cap, sizeof(size_t));
		if (!s)
			return -ENOMEM;
		for (size_t e = 0; e < q->neq; e++) {
			size_t i = q->hash[e] & (cap - 1);
			while (s[i])
				i = (i + 1) & (cap - 1);
			s[i] = e + 1;
		}
		trex_free(q->hslots);
		q->hslots = s;
		q->caphash = cap;
	}
	size_t slot = h & (q->caphash - 1);
	for (; q->hslots[slot]; slot = (slot + 1) & (q->caphash - 1)) {
		size_t e = q->hslots[slot] - 1;
		if (q->hash[e] == h && q->off[e + 1] - q->off[e] == n &&
		    !memcmp(q->row + q->off[e], rows, n * sizeof(size_t)))
			return 0;
	}
	if (q->neq + 2 > q->capeq) {
		size_t cap = q->capeq ? q->capeq * 2 : 256;
		size_t *o = trex_reallocarray(q->off, cap, sizeof(size_t));
		if (!o)
			return -ENOMEM;
		q->off = o;
		uint64_t *hh = trex_reallocarray(q->hash, cap, sizeof(uint64_t));
		if (!hh)
			return -ENOMEM;
		q->hash = hh;
		q->capeq = cap;
		if (!q->neq)
			q->off[0] = 0;
	}
	if (q->nz + n > q->capnz) {
		size_t cap = q->capnz ? q->capnz * 2 : 1024;
		while (cap < q->nz + n)
			cap *= 2;
		size_t *r = trex_reallocarray(q->row, cap, sizeof(size_t));
		if (!r)
			return -ENOMEM;
		q->row = r;
		int *c = trex_reallocarray(q->coef, cap, sizeof(int));
		if (!c)
			return -ENOMEM;
		q->coef = c;
		q->capnz = cap;
	}
	memcpy(q->row + q->nz, rows, n * sizeof(size_t));
	memcpy(q->coef + q->nz, coef, n * sizeof(int));
	q->nz += n;
	q->hash[q->neq] = h;
	q->hslots[slot] = q->neq + 1;
	q->off[++q->neq] = q->nz;
	return 0;
}

static const size_t *joint_rank;

static int joint_rank_cmp(const void *a, const void *b)
{
	size_t x = joint_rank[*(const size_t *)a], y = joint_rank[*(const size_t *)b];
	return x < y ? -1 : x > y;
}

/* An equation in canonical form: the total first, the parts in canonical
 * order (so repeats are found and the LP does not depend on the order
 * the tables came in). */
static int joint_eq_canon(struct joint_eqs *q, const struct sdc_margins *m, size_t *rows,
			  int *coef, size_t n)
{
	joint_rank = m->rank;
	qsort(rows + 1, n - 1, sizeof(size_t), joint_rank_cmp);
	for (size_t i = 1; i < n; i++)
		coef[i] = -1;
	coef[0] = 1;
	return joint_eq_add(q, rows, coef, n);
}

/* A release's own margins: along each dimension it has, the row whose
 * code there is its total and the rows that differ from it only there.
 * Rows are grouped by their key with that dimension left out (sorted by
 * the hash of the rest). */
static int joint_release_equations(const struct joint_group *g, const struct joint_src *s,
				   const struct sdc_margins *m, struct joint_eqs *q, size_t *rows,
				   int *coef)
{
	const size_t n = s->csv.nrows;
	_cleanup_free_ struct joint_rowhash *rh = trex_calloc(n + 1, sizeof(*rh));
	const char *key[MANIFEST_MAX_DIMS], *k2[MANIFEST_MAX_DIMS];
	int r = 0;

	if (!rh)
		return -ENOMEM;
	for (size_t d = 0; d < g->nd && r == 0; d++) {
		if (s->col[d] < 0 || !s->tot[d])
			continue;
		for (size_t row = 0; row < n; row++) {
			joint_row_key(g, s, row, key);
			key[d] = "";
			rh[row].h = joint_hash(key, g->nd);
			rh[row].row = row;
		}
		qsort(rh, n, sizeof(*rh), joint_rowhash_cmp);
		for (size_t a = 0, b; a < n && r == 0; a = b) {
			size_t np = 1;
			long total = -1;
			joint_row_key(g, s, rh[a].row, key);
			for (b = a; b < n && rh[b].h == rh[a].h; b++) {
				joint_row_key(g, s, rh[b].row, k2);
				k2[d] = key[d];
				if (!joint_key_eq(key, k2, g->nd))
					continue; /* a hash collision: left out */
				joint_row_key(g, s, rh[b].row, k2);
				if (!k2[d])
					total = (long)rh[b].row;
				else
					rows[np++] = s->cell[rh[b].row];
			}
			if (total < 0 || np < 2)
				continue;
			rows[0] = s->cell[total];
			r = joint_eq_canon(q, m, rows, coef, np);
		}
	}
	return r;
}

/* The system's equations: the joint table's own (every point with a
 * total and the points below it), where they hold; and every current
 * table's margins, mapped to the group's cells. */
int joint_equations(const struct joint_group *g, struct sdc_margins *m,
			   struct joint_eqs *q, struct trex_err *err)
{
	size_t maxn = 1;
	_cleanup_free_ size_t *rows = NULL;
	_cleanup_free_ int *coef = NULL;
	int r = 0;

	for (size_t e = 0; e < m->neq; e++)
		if (m->eq_off[e + 1] - m->eq_off[e] > maxn)
			maxn = m->eq_off[e + 1] - m->eq_off[e];
	for (size_t i = 0; i < g->nsrc; i++)
		if (!g->src[i].out)
			maxn = g->src[i].csv.nrows + 1 > maxn ? g->src[i].csv.nrows + 1 : maxn;
	rows = trex_calloc(maxn + 1, sizeof(size_t));
	coef = trex_calloc(maxn + 1, sizeof(int));
	if (!rows || !coef)
		return trex_err_set(err, -ENOMEM, "joint check");
	for (size_t e = 0; e < m->neq && r == 0; e++) {
		double sum = 0;
		size_t n = 0;
		for (size_t i = m->eq_off[e]; i < m->eq_off[e + 1]; i++) {
			sum += m->eq_coef[i] * m->value[m->eq_row[i]];
			rows[n++] = m->eq_row[i];
		}
		/* one that does not hold between known values links tables of
		 * different populations: no attacker can use it */
		if (!isnan(sum) && fabs(sum) > 1e-6 * (1 + fabs(m->value[rows[0]])))
			continue;
		r = joint_eq_canon(q, m, rows, coef, n);
	}
	for (size_t i = 0; i < g->nsrc && r == 0; i++) {
		const struct joint_src *s = &g->src[i];
		struct sdc_margins tm;
		if (!s->current && !s->out) {
			r = joint_release_equations(g, s, m, q, rows, coef);
			continue;
		}
		if (!s->current || s->out || !s->decl->total_codes)
			continue;
		if ((r = margineqs_build(&s->t, &tm, err)) < 0)
			return r;
		for (size_t e = 0; e < tm.neq && r == 0; e++) {
			size_t n = 0;
			for (size_t k = tm.eq_off[e]; k < tm.eq_off[e + 1]; k++)
				rows[n++] = s->cell[tm.eq_row[k]];
			r = joint_eq_canon(q, m, rows, coef, n);
		}
		margineqs_free(&tm);
	}
	return r < 0 ? trex_err_set(err, r, "joint check") : 0;
}
